"""gateways/shopify/written_values.py: the last few values written per (SKU, location), bounded."""

from __future__ import annotations

from gateways.shopify.written_values import KEPT_PER_KEY, WrittenValues


def test_the_last_few_values_are_recognised_and_older_ones_forgotten() -> None:
    written = WrittenValues()
    for quantity in range(10):
        written.note("A", "gid://shopify/Location/1", quantity)
    recent = [q for q in range(10) if written.recently("A", "gid://shopify/Location/1", q)]
    assert recent == list(range(10 - KEPT_PER_KEY, 10))
    assert not written.recently("A", "gid://shopify/Location/2", 9)  # another location
    assert not written.recently("B", "gid://shopify/Location/1", 9)


def test_the_least_recently_written_key_is_dropped_beyond_the_bound() -> None:
    written = WrittenValues(keys=2)
    written.note("A", "L", 1)
    written.note("B", "L", 1)
    written.note("A", "L", 2)  # A is the most recent again
    written.note("C", "L", 1)
    assert written.recently("A", "L", 2) and written.recently("C", "L", 1)
    assert not written.recently("B", "L", 1)
