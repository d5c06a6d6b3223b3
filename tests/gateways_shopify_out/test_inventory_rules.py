"""The pure rules of the writer: coalescing, skipping, drift correction, batch keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contract.shopify_inventory import (
    Coalescer,
    KnownDrift,
    PendingRow,
    WriteRow,
    batch_key,
    correct_stale,
    drift_after,
    first_write,
    fold,
    items_by_sku_variables,
    needs_write,
    parse_items_by_sku,
    sku_search,
    with_known_drift,
)

from .conftest import inventory_set

quantities = st.integers(min_value=0, max_value=10_000)


def test_the_last_quantity_wins_and_the_first_compare_stays() -> None:
    row = None
    for quantity, compare in [(15, 20), (12, 15), (9, 12)]:
        row = fold(row, inventory_set("A", "L", quantity, compare, at=float(quantity)))
    assert row is not None
    assert (row.quantity, row.expected, row.messages, row.first_changed_at) == (9, 20, 3, 9.0)


def test_consumption_seen_between_two_messages_moves_the_expected_value() -> None:
    # published 15 (from 20, never written yet); then the actor saw an order of 2: expects 15 - 2
    row = fold(fold(None, inventory_set("A", "L", 15, 20)), inventory_set("A", "L", 13, 13))
    assert (row.quantity, row.expected) == (13, 18)  # Shopify: 20 before, minus the 2 sold


@given(start=quantities, steps=st.lists(st.tuples(quantities, st.integers(-5, 5)), min_size=1, max_size=20))
def test_folding_expects_the_first_compare_moved_by_all_consumption_seen(
    start: int, steps: list[tuple[int, int]]
) -> None:
    """Whatever the chain of messages, expected = first compare − everything Shopify consumed since."""
    row, previous, consumed = None, start, 0
    for quantity, sold in steps:
        compare = previous - sold if row is not None else previous
        consumed += sold if row is not None else 0
        row = fold(row, inventory_set("A", "L", quantity, compare))
        previous = quantity
    assert row is not None
    assert row.expected == start - consumed and row.quantity == steps[-1][0]


def test_a_row_is_skipped_only_when_shopify_already_holds_its_value() -> None:
    row = fold(None, inventory_set("A", "L", 5, 5))
    assert not needs_write(row, known_written=None)
    assert needs_write(fold(None, inventory_set("A", "L", 5, 6)), known_written=5)
    assert not needs_write(fold(None, inventory_set("A", "L", 5, None)), known_written=5)
    assert needs_write(fold(None, inventory_set("A", "L", 5, None)), known_written=None)


def test_an_unexplained_decrease_is_subtracted_and_an_increase_overwritten() -> None:
    assert correct_stale(10, 15, 12).write == 7
    assert correct_stale(2, 15, 5).write == 0  # floored at zero
    assert correct_stale(10, 15, 30).write == 10
    assert correct_stale(10, 15, 15).drift is False
    assert correct_stale(10, None, 3).write == 10 and not correct_stale(10, None, 3).drift


@given(quantity=quantities, expected=st.none() | quantities, actual=st.integers(-100, 20_000))
def test_a_correction_never_writes_above_the_computed_quantity(
    quantity: int, expected: int | None, actual: int
) -> None:
    decision = correct_stale(quantity, expected, actual)
    assert 0 <= decision.write <= quantity
    assert decision.actual == actual
    assert decision.drift == (expected is not None and actual != expected)
    if expected is not None and actual < expected:
        # what the store can still sell (actual - sold since) never exceeds what Tandem computed minus it
        assert decision.write == max(0, quantity - (expected - actual))


def test_batch_keys_are_stable_for_a_batch_and_differ_between_batches() -> None:
    rows = [
        WriteRow(
            inventory_item_id="gid://shopify/InventoryItem/1", location_id="L", quantity=3, change_from=5
        )
    ]
    assert batch_key("s", rows, ["2", "1"]) == batch_key("s", rows, ["1", "2"])
    assert batch_key("s", rows, ["1"]) != batch_key("s", rows, ["3"])  # same rows, other messages
    other = [
        WriteRow(inventory_item_id=rows[0].inventory_item_id, location_id="L", quantity=3, change_from=4)
    ]
    assert batch_key("s", rows, ["1"]) != batch_key("s", other, ["1"])


def test_rows_go_in_calls_of_at_most_250() -> None:
    coalescer: Coalescer[int] = Coalescer()
    for n in range(501):
        coalescer.add(n + 1, inventory_set(str(n), "L", 1, 0), n, now=0.0)
    assert [len(coalescer.take()) for _ in range(3)] == [250, 250, 1]


def test_sku_lookups_quote_skus_and_match_them_exactly() -> None:
    assert sku_search(["A.1", "b c"]) == 'sku:"A.1" OR sku:"b c"'
    variables, cost = items_by_sku_variables(["A", "B"])
    assert variables["first"] == 3 and cost == 5
    data = {"inventoryItems": {"nodes": [{"id": "g1", "sku": "a"}, {"id": "g2", "sku": "A"}]}}
    assert parse_items_by_sku(data, ["A", "Z"]) == {"A": "g2", "Z": None}


def test_the_coalescer_folds_per_key_and_ignores_what_a_batch_already_took() -> None:
    coalescer: Coalescer[str] = Coalescer(max_rows=2)
    assert coalescer.add(1, inventory_set("A", "L", 5, 9), "m1", now=0.0)
    assert coalescer.add(2, inventory_set("B", "L", 4, 9), "m2", now=0.1)
    assert coalescer.add(3, inventory_set("A", "L", 3, 5), "m3", now=0.2)
    assert coalescer.add(3, inventory_set("A", "L", 3, 5), "m3-again", now=0.3)  # redelivered: handle only
    assert coalescer.full() and coalescer.oldest_arrival() == 0.0
    batch = coalescer.take()
    assert (batch[("A", "L")].row.quantity, batch[("A", "L")].row.messages) == (3, 2)
    assert batch[("A", "L")].handles == {1: "m1", 3: "m3-again"}
    assert not coalescer.add(1, inventory_set("A", "L", 5, 9), "late", now=1.0)  # older than the batch
    assert coalescer.add(4, inventory_set("A", "L", 2, 3), "m4", now=1.0)
    assert list(coalescer.take()) == [("A", "L")]


@given(st.lists(st.tuples(st.sampled_from("ABC"), quantities), min_size=1, max_size=40), st.integers(1, 3))
def test_every_message_is_in_exactly_one_batch_and_the_last_value_wins(
    messages: list[tuple[str, int]], max_rows: int
) -> None:
    coalescer: Coalescer[int] = Coalescer(max_rows=max_rows)
    seen: list[int] = []
    last: dict[str, int] = {}
    for seq, (sku, quantity) in enumerate(messages, start=1):
        coalescer.add(seq, inventory_set(sku, "L", quantity, None), seq, now=float(seq))
        last[sku] = quantity
        if seq % 3 == 0:  # batches are taken while messages keep arriving
            for slot in coalescer.take().values():
                seen += slot.handles
    final: dict[str, int] = {}
    while coalescer.pending:
        for (sku, _), slot in coalescer.take().items():
            seen += slot.handles
            final[sku] = slot.row.quantity
    assert sorted(seen) == list(range(1, len(messages) + 1))  # each once: none lost, none twice
    assert all(last[sku] == quantity for sku, quantity in final.items())


@given(quantities, quantities)
def test_a_first_write_never_raises_shopify_and_compares_against_what_it_read(
    quantity: int, actual: int
) -> None:
    row = PendingRow(sku="S", location_id="L", quantity=quantity, expected=None, first_changed_at=0.0)
    first = first_write(row, actual)
    assert first.expected == actual and first.quantity == min(quantity, actual)
    assert needs_write(first, None) == (quantity < actual)


@given(
    quantities, quantities, st.integers(min_value=-50, max_value=0), st.integers(min_value=-20, max_value=20)
)
def test_a_known_drift_lowers_the_write_and_its_compare_until_seen_sales_explain_it(
    quantity: int, published: int, drift: int, seen_moves: int
) -> None:
    expected = max(0, published + seen_moves)
    row = PendingRow(sku="S", location_id="L", quantity=quantity, expected=expected, first_changed_at=0.0)
    adjusted = with_known_drift(row, KnownDrift(drift=drift, published=published))
    still = min(0, drift - min(0, expected - published))  # a sale seen since explains that much
    assert adjusted.expected == expected + still
    assert adjusted.quantity == (quantity if still == 0 else min(quantity, max(0, quantity + still)))
    assert adjusted.quantity <= quantity  # carrying a drift never raises a write
    # what a stale correction would have written, had the write gone out with the actor's compare
    if still:
        assert adjusted.quantity == correct_stale(quantity, expected, expected + still).write


def test_drift_after_a_write_is_what_shopify_holds_below_the_actors_quantity() -> None:
    row = PendingRow(sku="S", location_id="L", quantity=9, expected=10, first_changed_at=0.0)
    assert drift_after(row, 7) == KnownDrift(drift=-2, published=9)
    assert drift_after(row, 9) == KnownDrift(drift=0, published=9)
    assert with_known_drift(row, drift_after(row, 9)) == row and with_known_drift(row, None) == row
