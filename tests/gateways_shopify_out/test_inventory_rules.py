"""The pure rules of the writer: coalescing, skipping, drift correction, batch keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contract.shopify_inventory import (
    Coalescer,
    KnownDrift,
    PendingRow,
    RowPlan,
    WriteRow,
    batch_key,
    fold,
    items_by_sku_variables,
    known_after,
    parse_items_by_sku,
    plan_first,
    plan_row,
    replan_stale,
    sku_search,
)

from .conftest import inventory_set

quantities = st.integers(min_value=0, max_value=10_000)


def test_the_last_quantity_wins_and_the_first_compare_stays() -> None:
    row = fold(fold(None, inventory_set("A", "L", 5, 6)), inventory_set("A", "L", 3, 5))
    assert (row.quantity, row.expected, row.messages) == (3, 6, 2)
    assert not plan_row(fold(None, inventory_set("A", "L", 5, 5)), None).needed
    assert plan_row(fold(None, inventory_set("A", "L", 5, 6)), None).needed


def _row(quantity: int, expected: int | None) -> PendingRow:
    return PendingRow(sku="S", location_id="L", quantity=quantity, expected=expected, first_changed_at=0.0)


def _stale(quantity: int, expected: int, actual: int) -> RowPlan:
    row = _row(quantity, expected)
    return replan_stale(row, plan_row(row, None), actual)


def test_an_unexplained_decrease_is_subtracted_and_an_increase_overwritten() -> None:
    assert _stale(10, 15, 12) == RowPlan(quantity=7, compare=12, drift=-3)
    assert _stale(2, 15, 5) == RowPlan(quantity=0, compare=5, drift=-10)  # floored, drift kept whole
    assert _stale(10, 15, 30) == RowPlan(quantity=10, compare=30, drift=0)


def test_units_back_in_shopify_take_that_much_off_a_known_drift() -> None:
    # 2 units were missing at 6 (a reservation); the actor now wants 5 and expects 6
    row = _row(5, 6)
    plan = plan_row(row, KnownDrift(drift=-2, published=6))
    assert plan == RowPlan(quantity=3, compare=4, drift=-2)
    # one came back (the reservation lapsed in part): one is still missing
    assert replan_stale(row, plan, 5) == RowPlan(quantity=4, compare=5, drift=-1)
    # all back, and more (a hand edit): nothing is missing, the edit is overwritten
    assert replan_stale(row, plan, 9) == RowPlan(quantity=5, compare=9, drift=0)


@given(quantity=quantities, expected=quantities, actual=quantities)
def test_a_correction_never_writes_above_the_computed_quantity(
    quantity: int, expected: int, actual: int
) -> None:
    plan = _stale(quantity, expected, actual)
    assert 0 <= plan.quantity <= quantity and plan.compare == actual
    # what the store can still sell (actual − sold since) never exceeds what Tandem computed minus it
    assert plan.quantity == max(0, quantity - max(0, expected - actual))


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
    plan = plan_first(_row(quantity, None), actual)
    assert plan.compare == actual and plan.quantity == min(quantity, actual)
    assert plan.needed == (quantity < actual)


def test_a_first_write_folded_with_a_later_raise_keeps_the_raise() -> None:
    # written 0 first (compare None), then raised to 1 relative to that 0: Shopify holds 0
    row = fold(fold(None, inventory_set("A", "L", 0, None)), inventory_set("A", "L", 1, 0))
    assert plan_first(row, 0) == RowPlan(quantity=1, compare=0, drift=0)
    # Shopify below what the first write would have left: the units are subtracted from the raise
    row = fold(fold(None, inventory_set("A", "L", 4, None)), inventory_set("A", "L", 6, 4))
    assert plan_first(row, 3) == RowPlan(quantity=5, compare=3, drift=-1)


@given(
    quantities, quantities, st.integers(min_value=-50, max_value=0), st.integers(min_value=-20, max_value=20)
)
def test_a_known_drift_lowers_the_write_and_its_compare_until_seen_sales_explain_it(
    quantity: int, published: int, drift: int, seen_moves: int
) -> None:
    expected = max(0, published + seen_moves)
    plan = plan_row(_row(quantity, expected), KnownDrift(drift=drift, published=published))
    still = min(0, drift - min(0, expected - published))  # a sale seen since explains that much
    assert plan == RowPlan(quantity=max(0, quantity + still), compare=max(0, expected + still), drift=still)
    assert plan.quantity <= quantity  # carrying a drift never raises a write


def test_a_drift_beyond_zero_is_carried_whole_into_the_next_row() -> None:
    # lowered 3 -> 2 while Shopify sold 3 unheard: written 0, and 3 units are owed, not 2
    first = _row(2, 3)
    known = known_after(first, replan_stale(first, plan_row(first, None), 0))
    assert known == KnownDrift(drift=-3, published=2)
    # the actor has heard of 1 of them (its compare moved to 1) and raises to 2: 2 are still owed
    assert plan_row(_row(2, 1), known) == RowPlan(quantity=0, compare=0, drift=-2)
    assert known_after(_row(9, 9), plan_row(_row(9, 9), None)) == KnownDrift(drift=0, published=9)
