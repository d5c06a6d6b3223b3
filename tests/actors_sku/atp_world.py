"""The true world for the SKU actor's property tests: physical stock, NetSuite, Shopify demand, holds.

NetSuite is an event log, so a stock reading can be taken "as of" any past time (late and stale
readings) and a sales-order sighting can report any version (stale sightings). Shopify-side events
(orders, edits, cancels, refunds, holds) reach the actor at once, in order: what cannot be known
before its webhook arrives is no part of the invariant. Their reordering is covered by unit tests.

The world's truth for a location L at time `now`:

    sellable(L) = NetSuite on_hand(L) + units returned to the shelf but not yet recorded in NetSuite
                  − units NetSuite has yet to take off on_hand, for orders neither cancelled nor
                    fulfilled in NetSuite: a refund removes units that never left the shelf; for a
                    POS carry-out (goods gone at the till) only restocked units come back
                  − live holds (placed, not released, not expired)
                  [+ in_transit(L) for a channel that counts it]

and truth(C) = max(0, Σ_{L∈C} sellable(L) − buffer(C)). NetSuite-side changes between readings only
add stock (receipts, transit arrivals, recorded returns) or move it out together with its demand
(fulfilment): a decrease NetSuite alone knows (a write-off) is invisible to anyone until read, so it
is not something the actor's bookkeeping can be held to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from actors.sku_messages import (
    HoldPlaced,
    HoldReleased,
    OrderCancelled,
    OrderLine,
    Refund,
    RefundLine,
    SalesOrderSeen,
    StockReading,
)
from contract.config import Contract


@dataclass
class WorldLine:
    location: str
    quantity: int
    version_at: float
    edited_at: float | None = None
    restocked: int = 0  # refunded units back on the shelf (restock_type cancel or return)
    not_restocked: int = 0  # refunded units that are not (no_restock)


@dataclass
class WorldOrder:
    order_id: str
    lines: dict[str, WorldLine]
    changed_at: float  # last Shopify-side change that affects the sales order's quantities
    carried_out: bool = False  # a POS sale: the customer took the goods at the till
    cancelled: bool = False
    fulfilled_at: float | None = None
    so_versions: list[tuple[float, dict[str, int]]] = field(default_factory=list)  # (time, qty by location)

    def units_to_ship(self, line: WorldLine) -> int:
        """Units NetSuite still has to take off its on_hand for this line.

        Goods not yet handed over stay on the shelf whatever the refund says; goods carried out at a
        POS till are gone unless a refund brought them back (restock).
        """
        refunded = line.restocked if self.carried_out else line.restocked + line.not_restocked
        return max(0, line.quantity - refunded)

    def demand_by_location(self) -> dict[str, int]:
        """What a sales order synced now would commit: the units NetSuite must ship per location."""
        demand: dict[str, int] = {}
        if self.cancelled:
            return demand
        for line in self.lines.values():
            demand[line.location] = demand.get(line.location, 0) + self.units_to_ship(line)
        return demand

    @property
    def fulfilled(self) -> bool:
        return self.fulfilled_at is not None

    @property
    def in_sync(self) -> bool:
        return bool(self.so_versions) and self.so_versions[-1][0] > self.changed_at


@dataclass
class WorldHold:
    location: str
    quantity: int
    expires_at: float
    released: bool = False


@dataclass
class NetSuiteEvent:
    time: float
    location: str
    on_hand: int = 0
    in_transit: int = 0


class World:
    """Ground truth plus the messages the actor would get; `now` only moves forward."""

    def __init__(self, contract: Contract, locations: tuple[str, ...], start: float = 1_000.0) -> None:
        self.contract = contract
        self.locations = locations
        self.now = start
        self.netsuite: list[NetSuiteEvent] = []
        self.orders: list[WorldOrder] = []
        self.holds: dict[str, WorldHold] = {}
        self.unrecorded_returns: dict[str, int] = {}
        self.refund_count = 0

    # --- NetSuite side (no message to the actor) ---------------------------------------------------

    def netsuite_change(self, location: str, on_hand: int = 0, in_transit: int = 0) -> None:
        self.netsuite.append(NetSuiteEvent(self.now, location, on_hand, in_transit))

    def arrive(self, location: str) -> None:
        in_transit = self.stock_at(self.now + 1e-9)[location][1]
        if in_transit:
            self.netsuite_change(location, on_hand=in_transit, in_transit=-in_transit)

    def sync_sales_order(self, order: WorldOrder) -> None:
        """The importer creates or updates the order's sales order from Shopify's current state."""
        if order.fulfilled or (order.cancelled and not order.so_versions) or order.in_sync:
            return
        order.so_versions.append((self.now, order.demand_by_location()))

    def fulfil(self, order: WorldOrder) -> None:
        if order.fulfilled or order.cancelled or not order.in_sync:
            return
        for location, units in order.so_versions[-1][1].items():
            self.netsuite_change(location, on_hand=-units)
        order.fulfilled_at = self.now

    def record_returns(self) -> None:
        for location, units in sorted(self.unrecorded_returns.items()):
            if units:
                self.netsuite_change(location, on_hand=units)
        self.unrecorded_returns = {}

    def stock_at(self, time: float) -> dict[str, tuple[int, int]]:
        """(on_hand, in_transit) per location from NetSuite events strictly before `time`."""
        view = {location: (0, 0) for location in self.locations}
        for event in self.netsuite:
            if event.time < time:
                on_hand, in_transit = view[event.location]
                view[event.location] = (on_hand + event.on_hand, in_transit + event.in_transit)
        return view

    def committed_at(self, time: float) -> dict[str, int]:
        """NetSuite's committed per location: unfulfilled sales orders' versions in effect at `time`."""
        committed = {location: 0 for location in self.locations}
        for order in self.orders:
            versions = [quantities for (at, quantities) in order.so_versions if at < time]
            shipped = order.fulfilled_at is not None and order.fulfilled_at < time
            if versions and not shipped:
                for location, units in versions[-1].items():
                    committed[location] += units
        return committed

    def reading(self, location: str, read_at: float) -> StockReading:
        on_hand, in_transit = self.stock_at(read_at)[location]
        committed = self.committed_at(read_at)[location]
        return StockReading(location=location, on_hand=on_hand, committed=committed,
                            in_transit=in_transit, read_at=read_at)

    def sighting(self, order: WorldOrder, version: int) -> SalesOrderSeen | None:
        if not order.so_versions:
            return None
        version = min(version, len(order.so_versions) - 1)
        created = order.so_versions[0][0]
        modified = order.so_versions[version][0]
        return SalesOrderSeen(order_id=order.order_id, created_at=created,
                              modified_at=modified if version else None, seen_at=self.now)

    # --- Shopify side (each returns the messages the actor receives now) ----------------------------

    def place_order(self, lines: list[tuple[str, int]], carried_out: bool = False) -> list[OrderLine]:
        order_id = f"o{len(self.orders)}"
        world_lines = {f"l{i}": WorldLine(loc, qty, self.now) for i, (loc, qty) in enumerate(lines)}
        order = WorldOrder(order_id, world_lines,
                           changed_at=self.now, carried_out=carried_out)
        self.orders.append(order)
        return [self._line_message(order, line_id) for line_id in order.lines]

    def edit(self, order: WorldOrder, line_id: str, quantity: int) -> list[OrderLine]:
        if order.cancelled or order.fulfilled or order.carried_out or any(
            line.restocked or line.not_restocked for line in order.lines.values()
        ):
            return []
        line = order.lines[line_id]
        line.quantity, line.version_at, line.edited_at = quantity, self.now, self.now
        order.changed_at = self.now
        return [self._line_message(order, line_id)]

    def _line_message(self, order: WorldOrder, line_id: str) -> OrderLine:
        line = order.lines[line_id]
        return OrderLine(order_id=order.order_id, line_id=line_id, location=line.location,
                         quantity=line.quantity,
                         version_at=line.version_at, edited_at=line.edited_at)

    def cancel(self, order: WorldOrder) -> list[OrderCancelled]:
        if order.cancelled or order.fulfilled or order.carried_out:
            return []
        order.cancelled, order.changed_at = True, self.now
        return [OrderCancelled(order_id=order.order_id, cancelled_at=self.now)]

    def refund(self, order: WorldOrder, units: int, restock: bool) -> list[Refund]:
        if order.cancelled:
            return []
        for line_id, line in order.lines.items():
            refundable = line.quantity - line.restocked - line.not_restocked
            if refundable > 0:
                units = min(units, refundable)
                if restock:
                    line.restocked += units
                else:
                    line.not_restocked += units
                if order.fulfilled and restock:
                    returned = self.unrecorded_returns.get(line.location, 0) + units
                    self.unrecorded_returns[line.location] = returned
                if not order.fulfilled:
                    order.changed_at = self.now
                self.refund_count += 1
                return [Refund(order_id=order.order_id, refund_id=f"r{self.refund_count}",
                               lines=(RefundLine(line_id=line_id, quantity=units, restock=restock),))]
        return []

    def place_hold(self, location: str, quantity: int, ttl: float) -> list[HoldPlaced]:
        hold_id = f"h{len(self.holds)}"
        self.holds[hold_id] = WorldHold(location, quantity, self.now + ttl)
        return [HoldPlaced(hold_id=hold_id, location=location, quantity=quantity, expires_at=self.now + ttl)]

    def release(self, hold_id: str) -> list[HoldReleased]:
        hold = self.holds[hold_id]
        if hold.released or hold.expires_at <= self.now:
            return []
        hold.released = True
        return [HoldReleased(hold_id=hold_id)]

    def checkout(self, hold_id: str) -> tuple[list[HoldReleased], list[OrderLine]]:
        """The customer checks out: the held units go into a new order (one line where it held)."""
        hold = self.holds[hold_id]
        if hold.released or hold.expires_at <= self.now:
            return [], []
        hold.released = True
        lines = self.place_order([(hold.location, hold.quantity)])
        return [HoldReleased(hold_id=hold_id, order_id=lines[0].order_id)], lines

    # --- the truth ----------------------------------------------------------------------------------

    def sellable(self, location: str, with_transit: bool) -> int:
        on_hand, in_transit = self.stock_at(self.now + 1e-9)[location]
        demand = sum(
            order.units_to_ship(line)
            for order in self.orders if not order.cancelled and not order.fulfilled
            for line in order.lines.values() if line.location == location
        )
        held = sum(h.quantity for h in self.holds.values()
                   if h.location == location and not h.released and h.expires_at > self.now)
        extra = in_transit if with_transit else 0
        return on_hand + self.unrecorded_returns.get(location, 0) - demand - held + extra

    def truth(self, channel_name: str, buffer: int | None = None) -> int:
        channel = self.contract.channel(channel_name)
        assert channel is not None
        total = sum(self.sellable(location, channel.counts_in_transit) for location in channel.locations)
        return max(0, total - (channel.buffer if buffer is None else buffer))
