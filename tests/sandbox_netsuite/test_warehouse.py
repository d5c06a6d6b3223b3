"""The stock ledger on its own (no HTTP): commitments, backorders, numbers, rollback, invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.netsuite.errors import NetSuiteApiError
from sandbox.netsuite.warehouse import Warehouse

ITEM, HERE, THERE = 1, 10, 20


class FakeClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


def _d(*values: int) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def _warehouse(on_hand: int = 0) -> Warehouse:
    warehouse = Warehouse(FakeClock())
    if on_hand:
        warehouse.receive(ITEM, HERE, Decimal(on_hand), None, "opening")
    return warehouse


def test_a_demand_commits_what_is_available_and_backorders_the_rest() -> None:
    warehouse = _warehouse(on_hand=5)
    warehouse.place_demand((100, 1, ITEM), ITEM, HERE, Decimal(8), 100)
    level = warehouse.level(ITEM, HERE)
    assert (level.on_hand, level.committed, level.available, level.backordered) == _d(5, 5, 0, 3)


def test_arriving_stock_goes_to_the_oldest_backorder_first() -> None:
    warehouse = _warehouse(on_hand=2)
    warehouse.place_demand((100, 1, ITEM), ITEM, HERE, Decimal(3), 100)
    warehouse.place_demand((101, 1, ITEM), ITEM, HERE, Decimal(3), 101)
    warehouse.receive(ITEM, HERE, Decimal(2), None, "receipt")
    assert warehouse.committed_for((100, 1, ITEM)) == 3
    assert warehouse.committed_for((101, 1, ITEM)) == 1
    assert warehouse.reallocated == {100, 101}
    assert warehouse.check_invariants() == []


def test_only_committed_stock_ships() -> None:
    warehouse = _warehouse(on_hand=1)
    warehouse.place_demand((100, 1, ITEM), ITEM, HERE, Decimal(2), 100)
    with pytest.raises(NetSuiteApiError):
        warehouse.ship_demand((100, 1, ITEM), Decimal(2), 200, {})
    warehouse.ship_demand((100, 1, ITEM), Decimal(1), 200, {})
    level = warehouse.level(ITEM, HERE)
    assert (level.on_hand, level.committed, level.backordered) == _d(0, 0, 1)


def test_serial_numbers_must_exist_where_they_are_issued() -> None:
    warehouse = _warehouse()
    warehouse.receive(ITEM, HERE, Decimal(2), None, "receipt", {"SN-1": Decimal(1), "SN-2": Decimal(1)})
    with pytest.raises(NetSuiteApiError):
        warehouse.issue(ITEM, HERE, Decimal(1), None, "sale", {"SN-9": Decimal(1)})
    assert warehouse.pick_numbers(ITEM, HERE, Decimal(1)) == {"SN-1": Decimal(1)}
    warehouse.issue(ITEM, HERE, Decimal(1), None, "sale", {"SN-1": Decimal(1)})
    assert warehouse.numbers.counts(ITEM, HERE) == {"SN-2": Decimal(1)}


def test_rollback_undoes_everything_since_the_savepoint() -> None:
    warehouse = _warehouse(on_hand=4)
    point = warehouse.savepoint()
    warehouse.place_demand((100, 1, ITEM), ITEM, HERE, Decimal(3), 100)
    warehouse.issue(ITEM, HERE, Decimal(1), None, "sale")
    warehouse.rollback(point)
    level = warehouse.level(ITEM, HERE)
    assert (level.on_hand, level.committed) == _d(4, 0)
    assert len(warehouse.demands) == 0


def test_levels_can_be_read_as_of_an_earlier_moment() -> None:
    warehouse = _warehouse(on_hand=4)
    moment = warehouse.movements[-1].at
    warehouse.issue(ITEM, HERE, Decimal(3), None, "sale")
    assert warehouse.level_at(ITEM, HERE, moment).on_hand == 4
    assert warehouse.level(ITEM, HERE).on_hand == 1


_operations = st.lists(
    st.tuples(
        st.sampled_from(["demand", "release", "ship", "receive", "issue", "transit"]),
        st.integers(min_value=1, max_value=5),
        st.integers(min_value=1, max_value=4),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(_operations)
def test_any_sequence_of_operations_keeps_the_books_consistent(
    operations: list[tuple[str, int, int]],
) -> None:
    warehouse = _warehouse(on_hand=3)
    for op, qty, order in operations:
        key = (order, 1, ITEM)
        try:
            if op == "demand":
                warehouse.place_demand(key, ITEM, HERE, Decimal(qty), order)
            elif op == "release":
                warehouse.release_demand(key, order)
            elif op == "ship":
                warehouse.ship_demand(key, Decimal(qty), 99, {})
            elif op == "receive":
                warehouse.receive(ITEM, HERE, Decimal(qty), None, "receipt")
            elif op == "issue":
                warehouse.issue(ITEM, HERE, Decimal(qty), None, "sale")
            else:
                warehouse.put_in_transit(ITEM, THERE, Decimal(qty), None)
                warehouse.arrive_from_transit(ITEM, THERE, Decimal(qty), None)
        except NetSuiteApiError:
            pass  # refused operations must leave the books as they were
        assert warehouse.check_invariants() == []
        level = warehouse.level(ITEM, HERE)
        assert level.on_hand >= 0 and level.available >= 0
