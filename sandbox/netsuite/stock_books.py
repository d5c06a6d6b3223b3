"""The warehouse's books of open demands and serial/lot counts: indexed, and every change undoable.

A failed write must leave no trace, so each change is journaled; `mark()`/`undo_to()` bracket a write
and `forget()` drops the journal once the write has succeeded (no copying of whole books per request).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
StockKey = tuple[int, int]  # (item id, location id)
DemandKey = tuple[int, int, int]  # (transaction id, line, component item id)


@dataclass(frozen=True)
class Demand:
    item: int
    location: int
    open_qty: Decimal
    committed: Decimal = ZERO


class DemandBook:
    """Open demands, first-come-first-served per stock key, findable per transaction."""

    def __init__(self) -> None:
        self._demands: dict[DemandKey, Demand] = {}
        self._at: dict[StockKey, dict[DemandKey, None]] = {}  # insertion order = queue order
        self._of: dict[int, set[DemandKey]] = {}
        self._undo: list[tuple[DemandKey, Demand | None, bool]] = []

    def get(self, key: DemandKey) -> Demand | None:
        return self._demands.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._demands

    def __len__(self) -> int:
        return len(self._demands)

    def __iter__(self) -> Iterator[DemandKey]:
        return iter(self._demands)

    def values(self) -> Iterator[Demand]:
        return iter(self._demands.values())

    def queue_at(self, item: int, location: int) -> list[tuple[DemandKey, Demand]]:
        """The demands waiting on one stock level, oldest first."""
        return [(key, self._demands[key]) for key in self._at.get((item, location), {})]

    def of(self, transaction: int) -> list[DemandKey]:
        return sorted(self._of.get(transaction, ()))

    def put(self, key: DemandKey, demand: Demand) -> None:
        """Add a demand at the back of its queue, or update one in place (it keeps its turn)."""
        old = self._demands.get(key)
        self._undo.append((key, old, old is None))
        self._store(key, demand)

    def remove(self, key: DemandKey) -> Demand | None:
        old = self._demands.get(key)
        if old is not None:
            self._undo.append((key, old, False))
            self._drop(key, old)
        return old

    def mark(self) -> int:
        return len(self._undo)

    def undo_to(self, mark: int) -> None:
        while len(self._undo) > mark:
            key, old, was_new = self._undo.pop()
            current = self._demands.get(key)
            if current is not None:
                self._drop(key, current)
            if old is not None and not was_new:
                self._store(key, old)
        # Queue order after an undo may differ from before for re-added demands; commitments don't.

    def forget(self) -> None:
        self._undo.clear()

    def _store(self, key: DemandKey, demand: Demand) -> None:
        self._demands[key] = demand
        self._at.setdefault((demand.item, demand.location), {})[key] = None
        self._of.setdefault(key[0], set()).add(key)

    def _drop(self, key: DemandKey, demand: Demand) -> None:
        del self._demands[key]
        self._at.get((demand.item, demand.location), {}).pop(key, None)
        self._of.get(key[0], set()).discard(key)


class NumberBook:
    """Serial/lot numbers on hand per stock level, oldest first."""

    def __init__(self) -> None:
        self._counts: dict[StockKey, dict[str, Decimal]] = {}
        self._undo: list[tuple[StockKey, str, Decimal | None]] = []

    def counts(self, item: int, location: int) -> dict[str, Decimal]:
        """A copy of the numbers at one stock level."""
        return dict(self._counts.get((item, location), {}))

    def change(self, item: int, location: int, number: str, delta: Decimal) -> None:
        bucket = self._counts.setdefault((item, location), {})
        old = bucket.get(number)
        self._undo.append(((item, location), number, old))
        new = (old or ZERO) + delta
        if new > ZERO:
            bucket[number] = new
        else:
            bucket.pop(number, None)

    def mark(self) -> int:
        return len(self._undo)

    def undo_to(self, mark: int) -> None:
        while len(self._undo) > mark:
            key, number, old = self._undo.pop()
            bucket = self._counts.setdefault(key, {})
            if old is None:
                bucket.pop(number, None)
            else:
                bucket[number] = old

    def forget(self) -> None:
        self._undo.clear()
