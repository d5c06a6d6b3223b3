"""Stock per item per location, as a NetSuite account's warehouse would keep it. Pure: no I/O.

Invariants (checked by `check_invariants`, relied on by SuiteQL's inventoryitemlocations):
  available = on_hand - committed, 0 <= committed <= on_hand;
  committed / backordered = the sum of the open demands' committed / uncommitted parts;
  in_transit and on_order never negative.
Demands (open sales-order and transfer-order lines) commit what is available when placed; what is
left is backordered and gets committed first-come-first-served when stock arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .errors import user_error
from .stock_books import Demand, DemandBook, DemandKey, NumberBook, StockKey

ZERO = Decimal(0)


@dataclass
class StockLevel:
    on_hand: Decimal = ZERO
    committed: Decimal = ZERO
    on_order: Decimal = ZERO
    in_transit: Decimal = ZERO
    backordered: Decimal = ZERO
    last_modified: datetime | None = None
    last_available_change: datetime | None = None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.committed


@dataclass(frozen=True)
class StockMovement:
    """One change to one stock level, with its cause (ground truth for stock over time)."""

    at: datetime
    item: int
    location: int
    reason: str
    transaction: int | None
    deltas: dict[str, Decimal]


@dataclass
class Warehouse:
    now: Callable[[], datetime]
    levels: dict[StockKey, StockLevel] = field(default_factory=dict)
    demands: DemandBook = field(default_factory=DemandBook)
    numbers: NumberBook = field(default_factory=NumberBook)
    movements: list[StockMovement] = field(default_factory=list)
    _history: dict[StockKey, list[StockMovement]] = field(default_factory=dict)
    # Transactions whose demands got stock committed by a later arrival (their lines need a refresh).
    reallocated: set[int] = field(default_factory=set)

    def level(self, item: int, location: int) -> StockLevel:
        return self.levels.setdefault((item, location), StockLevel())

    # -- demand (sales orders, transfer orders) --------------------------------------------------

    def place_demand(self, key: DemandKey, item: int, location: int, qty: Decimal, txn: int) -> None:
        """Open a demand for `qty`, committing what is available now and backordering the rest."""
        self.release_demand(key, txn)
        level = self.level(item, location)
        commit = max(ZERO, min(qty, level.available))
        self.demands.put(key, Demand(item, location, qty, commit))
        self._change(item, location, "demand", txn, committed=commit, backordered=qty - commit)

    def release_demand(self, key: DemandKey, txn: int | None) -> None:
        """Close a demand (order line closed, cancelled or deleted): free its commitment."""
        demand = self.demands.remove(key)
        if demand is None:
            return
        self._change(
            demand.item,
            demand.location,
            "release",
            txn,
            committed=-demand.committed,
            backordered=-(demand.open_qty - demand.committed),
        )
        self._reallocate(demand.item, demand.location, txn)

    def committed_for(self, key: DemandKey) -> Decimal:
        demand = self.demands.get(key)
        return demand.committed if demand else ZERO

    def ship_demand(self, key: DemandKey, qty: Decimal, txn: int, numbers: dict[str, Decimal]) -> None:
        """Ship `qty` of a demand: on hand and commitment go down. Only committed stock ships."""
        demand = self.demands.get(key)
        if demand is None or qty > demand.committed:
            committed = demand.committed if demand else ZERO
            raise user_error(
                f"You cannot fulfill more than the committed quantity ({committed}) of this line."
            )
        self._issue_numbers(demand.item, demand.location, numbers, qty)
        remaining = Demand(demand.item, demand.location, demand.open_qty - qty, demand.committed - qty)
        if remaining.open_qty > ZERO:
            self.demands.put(key, remaining)
        else:
            self.demands.remove(key)
        self._change(demand.item, demand.location, "ship", txn, on_hand=-qty, committed=-qty)

    # -- stock in and out without a demand ------------------------------------------------------

    def receive(
        self,
        item: int,
        location: int,
        qty: Decimal,
        txn: int | None,
        reason: str,
        numbers: dict[str, Decimal] | None = None,
    ) -> None:
        """Stock arrives (receipt, positive adjustment, restock); backorders get committed."""
        if qty <= ZERO:
            raise user_error("The quantity received must be positive.")
        for number, count in (numbers or {}).items():
            self.numbers.change(item, location, number, count)
        self._change(item, location, reason, txn, on_hand=qty)
        self._reallocate(item, location, txn)

    def issue(
        self,
        item: int,
        location: int,
        qty: Decimal,
        txn: int | None,
        reason: str,
        numbers: dict[str, Decimal] | None = None,
    ) -> None:
        """Stock leaves without an order (negative adjustment, cash sale, transfer out)."""
        level = self.level(item, location)
        if qty > level.available:
            raise user_error(
                f"Insufficient stock: only {level.available} available for item {item} at location "
                f"{location}, {qty} requested."
            )
        self._issue_numbers(item, location, numbers or {}, qty)
        self._change(item, location, reason, txn, on_hand=-qty)

    def expect(self, item: int, location: int, qty: Decimal, txn: int | None) -> None:
        """Raise (or with a negative qty lower) the quantity on order at a location."""
        self._change(item, location, "on_order", txn, on_order=qty)

    def put_in_transit(self, item: int, destination: int, qty: Decimal, txn: int | None) -> None:
        self._change(item, destination, "in_transit", txn, in_transit=qty)

    def arrive_from_transit(
        self,
        item: int,
        destination: int,
        qty: Decimal,
        txn: int | None,
        numbers: dict[str, Decimal] | None = None,
    ) -> None:
        """Goods in transit reach their destination: on hand up, in transit down.

        The destination's on-order quantity belongs to the transfer order (see `expect`), which
        lowers it when it records the receipt.
        """
        level = self.level(item, destination)
        if qty > level.in_transit:
            raise user_error(f"You cannot receive more than the {level.in_transit} in transit.")
        self._change(item, destination, "transit_arrival", txn, in_transit=-qty)
        self.receive(item, destination, qty, txn, "transit_arrival", numbers)

    # -- serial and lot numbers ------------------------------------------------------------------

    def pick_numbers(self, item: int, location: int, qty: Decimal) -> dict[str, Decimal]:
        """Choose serial/lot numbers for `qty` units, oldest first (what a picker would do)."""
        picked: dict[str, Decimal] = {}
        remaining = qty
        for number, count in self.numbers.counts(item, location).items():
            take = min(count, remaining)
            if take > ZERO:
                picked[number] = take
                remaining -= take
            if remaining <= ZERO:
                return picked
        raise user_error(f"Not enough serial/lot numbers in stock for item {item} at location {location}.")

    def _issue_numbers(self, item: int, location: int, numbers: dict[str, Decimal], qty: Decimal) -> None:
        if not numbers:
            return
        if sum(numbers.values(), ZERO) != qty:
            raise user_error("The inventory detail quantity must equal the line quantity.")
        on_hand = self.numbers.counts(item, location)
        for number, count in numbers.items():
            if on_hand.get(number, ZERO) < count:
                raise user_error(f"The serial/lot number {number} is not available at this location.")
        for number, count in numbers.items():
            self.numbers.change(item, location, number, -count)

    # -- bookkeeping ----------------------------------------------------------------------------

    def _reallocate(self, item: int, location: int, txn: int | None) -> None:
        """Commit newly available stock to backordered demands, oldest first."""
        level = self.level(item, location)
        for key, demand in self.demands.queue_at(item, location):
            if level.available <= ZERO:
                return
            take = min(demand.open_qty - demand.committed, level.available)
            if take > ZERO:
                self.demands.put(key, Demand(item, location, demand.open_qty, demand.committed + take))
                self.reallocated.add(key[0])
                self._change(item, location, "allocate", txn, committed=take, backordered=-take)

    def _change(self, item: int, location: int, reason: str, txn: int | None, **deltas: Decimal) -> None:
        deltas = {name: value for name, value in deltas.items() if value != ZERO}
        if not deltas:
            return
        level = self.level(item, location)
        available_before = level.available
        for name, value in deltas.items():
            setattr(level, name, getattr(level, name) + value)
        now = self.now()
        level.last_modified = now
        if level.available != available_before or level.last_available_change is None:
            level.last_available_change = now
        movement = StockMovement(now, item, location, reason, txn, deltas)
        self.movements.append(movement)
        self._history.setdefault((item, location), []).append(movement)

    def level_at(self, item: int, location: int, moment: datetime) -> StockLevel:
        """The stock level as it was at `moment`: today's, with the later movements undone."""
        current = self.level(item, location)
        level = StockLevel(
            current.on_hand, current.committed, current.on_order, current.in_transit, current.backordered
        )
        earlier: StockMovement | None = None
        for movement in reversed(self._history.get((item, location), [])):
            if movement.at <= moment:
                earlier = movement
                break
            for name, value in movement.deltas.items():
                setattr(level, name, getattr(level, name) - value)
        if earlier is not None:
            level.last_modified = level.last_available_change = earlier.at
        return level

    def savepoint(self) -> tuple[int, int, int]:
        return len(self.movements), self.demands.mark(), self.numbers.mark()

    def rollback(self, savepoint: tuple[int, int, int]) -> None:
        """Undo every change since the savepoint (the write that made them failed)."""
        movement_count, demand_mark, number_mark = savepoint
        for movement in reversed(self.movements[movement_count:]):
            level = self.level(movement.item, movement.location)
            for name, value in movement.deltas.items():
                setattr(level, name, getattr(level, name) - value)
            self._history[(movement.item, movement.location)].pop()
        del self.movements[movement_count:]
        self.demands.undo_to(demand_mark)
        self.numbers.undo_to(number_mark)

    def commit(self) -> None:
        """The write succeeded: its undo journal is no longer needed."""
        self.demands.forget()
        self.numbers.forget()

    def check_invariants(self) -> list[str]:
        """Every broken invariant, as a sentence; empty when the books are consistent."""
        problems: list[str] = []
        for (item, location), level in self.levels.items():
            queue = [demand for _, demand in self.demands.queue_at(item, location)]
            committed = sum((d.committed for d in queue), ZERO)
            backordered = sum((d.open_qty - d.committed for d in queue), ZERO)
            where = f"item {item} at location {location}"
            if level.committed != committed:
                problems.append(f"{where}: committed {level.committed} != demands {committed}")
            if level.backordered != backordered:
                problems.append(f"{where}: backordered {level.backordered} != demands {backordered}")
            if not ZERO <= level.committed <= level.on_hand:
                problems.append(f"{where}: committed {level.committed} outside 0..{level.on_hand}")
            if level.in_transit < ZERO or level.on_order < ZERO:
                problems.append(f"{where}: negative in transit or on order")
        return problems
