"""bench/oversold_timeline.py: a sale is short by what it took beyond the units unsold at that moment."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench.oversold_timeline import StockEvent, sold_short, units_sold_short


def sale(at: float, units: int) -> StockEvent:
    return StockEvent(at, "sold", -units)


def test_a_transfer_taking_sold_units_is_not_a_sale_but_the_sales_after_it_are_short() -> None:
    events = [
        StockEvent(float("-inf"), "opening", 3),
        sale(1.0, 2),
        StockEvent(1.5, "transfer_out", -2),  # takes one unit already sold: unsold -1
        sale(1.6, 1),  # nothing unsold: short by its whole unit
        StockEvent(2.0, "receipt", 5),  # a later receipt does not hide it
        sale(2.1, 2),
    ]
    assert sold_short(events) == [(3, 1)]
    assert units_sold_short({("A", "warehouse"): events}) == 1


def test_a_sale_larger_than_what_is_left_is_short_by_the_difference() -> None:
    events = [StockEvent(float("-inf"), "opening", 2), sale(1.0, 1), sale(1.1, 3)]
    assert sold_short(events) == [(2, 2)]


@given(st.integers(0, 20), st.lists(st.integers(1, 4), max_size=30))
def test_with_all_stock_there_first_the_short_units_are_what_sales_took_beyond_it(
    stock: int, sales: list[int]
) -> None:
    events = [StockEvent(float("-inf"), "opening", stock)] + [sale(i, n) for i, n in enumerate(sales)]
    assert sum(units for _, units in sold_short(events)) == max(0, sum(sales) - stock)
