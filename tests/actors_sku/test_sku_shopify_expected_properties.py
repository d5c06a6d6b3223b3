"""Property: with webhooks delivered in order and no hand edits, compare-and-set never sees false drift.

A small model of Shopify's own `available` per location follows the emulator's rules
(sandbox/shopify/inventory.py, refunds.py, order_changes.py): an order takes its units at its
location, an edit up takes more, an edit down is a refund with restock `cancel` that puts units
back, a cancel puts the unshipped units back when it restocks (and writes them off otherwise), a
refund `return` puts returned units back, `no_restock` and fulfilment leave `available` alone, and
holds sent to Tandem reserve nothing in Shopify. Each event is sent as the REST webhook bodies
Shopify would send and translated by contract/shopify_orders.py, as the router does; NetSuite
readings, sales-order sightings and holds change what Tandem computes in between. Every
InventorySet is then applied to the model at once (the writer's compare-and-set): its compare must
be exactly what the model holds then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sku_fixtures import PROPERTY_CONTRACT_TEXT, PROPERTY_LOCATIONS, Driver, inventory_sets, make_contract

from actors.sku import SkuBehaviour
from actors.sku_messages import HoldPlaced, InventorySet, SalesOrderSeen, StockReading
from contract.shopify_orders import translate_webhook

CONTRACT = make_contract(PROPERTY_CONTRACT_TEXT)
SHOP, SKU = "us", "SKU-1"
WEB = None  # a web order's body names no location: the translation counts it at W (Location/1)
SITES = (WEB, 2, 3)  # POS sales carry their store: Location/2 (S1), Location/3 (S2)


def gid(site: int | None) -> str:
    return f"gid://shopify/Location/{1 if site is None else site}"


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


@dataclass
class ShopifyOrder:
    """One order with one line of the SKU, as the emulator keeps it."""

    id: int
    site: int | None
    ordered: int  # quantity at placement
    current: int  # after edits and refunds
    fulfilled: int = 0
    returned: int = 0  # fulfilled units refunded (return or no_restock)
    refunds: list[tuple[int, int, str]] = field(default_factory=list)  # (refund id, units, restock type)
    cancelled_at: float | None = None
    updated_at: float = 0.0

    @property
    def unfulfilled(self) -> int:
        return self.current - (self.fulfilled - self.returned)

    def refund_body(self, refund_id: int, units: int, restock_type: str) -> dict[str, Any]:
        return {
            "id": refund_id, "order_id": self.id,
            "refund_line_items": [{
                "line_item_id": self.id * 10, "quantity": units, "restock_type": restock_type,
                "line_item": {"id": self.id * 10, "sku": SKU, "quantity": self.ordered},
            }],
        }

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id, "updated_at": iso(self.updated_at),
            "cancelled_at": None if self.cancelled_at is None else iso(self.cancelled_at),
            "location_id": self.site, "source_name": "web" if self.site is None else "pos",
            "line_items": [{"id": self.id * 10, "sku": SKU, "quantity": self.ordered,
                            "current_quantity": self.current}],
            "refunds": [self.refund_body(*refund) for refund in self.refunds],
        }


class Run:
    """The actor, Shopify's `available` per location, and the check at every write."""

    def __init__(self, seeded: list[int], netsuite: list[int]) -> None:
        self.actor = Driver(SkuBehaviour(CONTRACT), SKU)
        self.available = {gid(site): units for site, units in zip((*SITES, 4), seeded, strict=True)}
        self.written: set[str] = set()
        self.orders: list[ShopifyOrder] = []
        self.now = 1_000.0
        self.next_id = 1
        self.last_webhook: list[tuple[str, dict[str, Any]]] = []
        for location, on_hand in zip(PROPERTY_LOCATIONS, netsuite, strict=True):
            self.deliver(StockReading(location=location, on_hand=on_hand, committed=0, read_at=self.now))

    # -- delivery and the check -----------------------------------------------------------------------
    def deliver(self, payload: Any) -> None:
        for command in inventory_sets(self.actor.send(payload, at=self.now)):
            self.write(command)

    def write(self, command: InventorySet) -> None:
        if command.location_id in self.written:
            assert command.compare_quantity is not None, f"{command.location_id}: written before, no compare"
        if command.compare_quantity is not None:
            assert command.compare_quantity == self.available[command.location_id], (
                f"false drift at {command.location_id}: expected {command.compare_quantity}, "
                f"Shopify holds {self.available[command.location_id]}"
            )
        self.available[command.location_id] = command.quantity
        self.written.add(command.location_id)

    def webhooks(self, *hooks: tuple[str, dict[str, Any]]) -> None:
        self.last_webhook = list(hooks)
        for topic, body in hooks:
            for command in translate_webhook(CONTRACT, SHOP, topic, json.dumps(body).encode()):
                assert command.sku == SKU
                self.deliver(command.payload)

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    # -- Shopify events ---------------------------------------------------------------------------------
    def place(self, site: int | None, units: int) -> None:
        order = ShopifyOrder(id=self._id(), site=site, ordered=units, current=units, updated_at=self.now)
        self.orders.append(order)
        self.available[gid(site)] -= units
        self.webhooks(("orders/create", order.body()))

    def edit(self, order: ShopifyOrder, new_quantity: int) -> None:
        new_quantity = max(new_quantity, order.current - order.unfulfilled)  # not below what shipped
        delta = new_quantity - order.current
        if order.cancelled_at is not None or delta == 0:
            return
        order.updated_at = self.now
        if delta > 0:
            self.available[gid(order.site)] -= delta
            order.ordered += delta
            order.current += delta
            self.webhooks(("orders/updated", order.body()))
        else:
            self.refund_units(order, -delta, "cancel")

    def refund(self, order: ShopifyOrder, units: int, restock: bool) -> None:
        units = min(units, order.current)
        if units == 0:
            return
        shipped_back = order.fulfilled - order.returned
        if not restock:
            restock_type = "no_restock"
        elif shipped_back >= units:
            restock_type = "return"
        elif order.unfulfilled >= units:
            restock_type = "cancel"
        else:
            return  # the emulator refuses a mix in one row
        order.updated_at = self.now
        self.refund_units(order, units, restock_type)

    def refund_units(self, order: ShopifyOrder, units: int, restock_type: str) -> None:
        if restock_type in ("return", "cancel"):
            self.available[gid(order.site)] += units  # back to available (refunds.py _restock)
        if restock_type == "return" or (restock_type == "no_restock" and order.fulfilled > order.returned):
            order.returned += min(units, order.fulfilled - order.returned)
        order.current -= units
        refund = (self._id(), units, restock_type)
        order.refunds.append(refund)
        self.webhooks(("refunds/create", order.refund_body(*refund)), ("orders/updated", order.body()))

    def cancel(self, order: ShopifyOrder, restock: bool) -> None:
        if order.cancelled_at is not None or order.fulfilled:
            return  # the emulator refuses to cancel an order with shipped units
        order.updated_at = order.cancelled_at = self.now
        refund_hooks: list[tuple[str, dict[str, Any]]] = []
        if order.current:
            if restock:
                self.available[gid(order.site)] += order.current
            refund = (self._id(), order.current, "cancel" if restock else "no_restock")
            order.refunds.append(refund)
            order.current = 0
            refund_hooks.append(("refunds/create", order.refund_body(*refund)))
        self.webhooks(*refund_hooks, ("orders/cancelled", order.body()), ("orders/updated", order.body()))

    def fulfil(self, order: ShopifyOrder) -> None:
        if order.cancelled_at is None and order.unfulfilled:
            order.fulfilled += order.unfulfilled  # committed leaves the building: available stays
            order.updated_at = self.now
            self.webhooks(("orders/updated", order.body()))

    # -- the step an operation is ---------------------------------------------------------------------
    def step(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        order = self.orders[-1 - op[1] % len(self.orders)] if self.orders and kind in ORDER_OPS else None
        if kind == "place":
            self.place(op[1], op[2])
        elif kind == "duplicate":
            self.webhooks(*self.last_webhook)
        elif kind == "reading":
            self.deliver(StockReading(location=op[1], on_hand=op[2], committed=op[3], read_at=self.now))
        elif kind == "hold":
            self.deliver(HoldPlaced(hold_id=f"h{self._id()}", location=op[1], quantity=op[2],
                                    expires_at=self.now + 5))
        elif order is None:
            return
        elif kind == "edit":
            self.edit(order, op[2])
        elif kind == "refund":
            self.refund(order, op[2], op[3])
        elif kind == "cancel":
            self.cancel(order, op[2])
        elif kind == "fulfil":
            self.fulfil(order)
        elif kind == "sight":
            seen = SalesOrderSeen(order_id=str(order.id), created_at=order.updated_at, seen_at=self.now)
            self.deliver(seen)


ORDER_OPS = frozenset({"edit", "refund", "cancel", "fulfil", "sight"})  # op[1] picks an order
index = st.integers(0, 3)
OPS = st.one_of(
    st.tuples(st.just("place"), st.sampled_from(SITES), st.integers(1, 4)),
    st.tuples(st.just("place"), st.sampled_from(SITES), st.integers(1, 4)),
    st.tuples(st.just("edit"), index, st.integers(0, 6)),
    st.tuples(st.just("refund"), index, st.integers(1, 3), st.booleans()),
    st.tuples(st.just("cancel"), index, st.booleans()),
    st.tuples(st.just("fulfil"), index),
    st.tuples(st.just("sight"), index),
    st.tuples(st.just("duplicate")),
    st.tuples(st.just("reading"), st.sampled_from(PROPERTY_LOCATIONS), st.integers(0, 20), st.integers(0, 4)),
    st.tuples(st.just("hold"), st.sampled_from(PROPERTY_LOCATIONS), st.integers(1, 3)),
)
STOCK = st.lists(st.integers(0, 30), min_size=4, max_size=4)


@settings(max_examples=300, deadline=None)
@given(STOCK, STOCK, st.lists(OPS, min_size=1, max_size=40))
def test_every_compare_is_what_shopify_holds_when_the_write_applies(
    seeded: list[int], netsuite: list[int], ops: list[tuple[Any, ...]]
) -> None:
    run = Run(seeded, netsuite)
    for op in ops:
        run.now += 1.0  # Shopify's updated_at has whole seconds: one event per second
        run.step(op)
    assert run.written  # the property was exercised: every target got its first write
