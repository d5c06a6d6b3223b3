"""decide() of the SKU actor: the formula, NetSuite readings and the demand bookkeeping of DESIGN §5.

Tests drive the pure state machine directly, one message at a time (h11 test_state.py style).
"""

from __future__ import annotations

import pytest
from sku_fixtures import channel_events, driver, line, stocked

from actors.sku_messages import (
    HoldPlaced,
    OrderCancelled,
    Refund,
    RefundLine,
    SalesOrderSeen,
    StockReading,
)

# --- the formula ------------------------------------------------------------------------------------

FORMULA_CASES = [
    # (on_hand, committed, in_transit, pending, held) at W; S1 holds 5 -> web, pos-s1 = 5 - 0, pos-s2 = 4 - 2
    pytest.param(10, 0, 0, 0, 0, {"web": 14, "pos-s1": 5, "pos-s2": 2}, id="stock only, minus buffers"),
    pytest.param(10, 3, 0, 0, 0, {"web": 11, "pos-s1": 5, "pos-s2": 2}, id="committed"),
    pytest.param(10, 3, 4, 0, 0, {"web": 15, "pos-s1": 5, "pos-s2": 2}, id="in-transit counted by web only"),
    pytest.param(10, 3, 0, 2, 0, {"web": 9, "pos-s1": 5, "pos-s2": 2}, id="pending demand"),
    pytest.param(10, 3, 0, 2, 1, {"web": 8, "pos-s1": 5, "pos-s2": 2}, id="holds"),
    pytest.param(2, 3, 0, 9, 0, {"web": 0, "pos-s1": 5, "pos-s2": 2}, id="floored at zero"),
]


@pytest.mark.parametrize("on_hand, committed, in_transit, pending, held, expected", FORMULA_CASES)
def test_available_follows_the_design_formula(
    on_hand: int, committed: int, in_transit: int, pending: int, held: int, expected: dict[str, int]
) -> None:
    d = stocked()
    d.send(StockReading(location="W", on_hand=on_hand, committed=committed, in_transit=in_transit,
                        read_at=101.0), at=101.0)
    if pending:
        d.send(line(quantity=pending), at=102.0)
    if held:
        d.send(HoldPlaced(hold_id="h1", location="W", quantity=held, expires_at=500.0), at=103.0)
    assert d.published() == expected


def test_nothing_is_published_for_a_channel_until_netsuite_reported_one_of_its_locations() -> None:
    d = driver()
    effects = d.send(line(quantity=1, location="S2"), at=1.0)
    assert effects == []
    effects = d.send(StockReading(location="S1", on_hand=3, committed=0, read_at=2.0), at=2.0)
    assert set(channel_events(effects)) == {"web", "pos-s1"}
    assert d.published() == {"web": 2, "pos-s1": 3}


# --- NetSuite readings ------------------------------------------------------------------------------


def test_a_late_reading_older_than_the_applied_one_does_not_roll_state_back() -> None:
    d = stocked(at=100.0)
    d.send(StockReading(location="S2", on_hand=9, committed=0, read_at=120.0), at=121.0)
    effects = d.send(StockReading(location="S2", on_hand=1, committed=0, read_at=110.0), at=122.0)
    assert effects == []
    assert d.state.stock["S2"].on_hand == 9
    assert d.published()["pos-s2"] == 7


def test_a_second_reading_with_the_same_time_is_a_duplicate() -> None:
    d = stocked(at=100.0)
    assert d.send(StockReading(location="W", on_hand=0, committed=0, read_at=100.0), at=130.0) == []
    assert d.state.stock["W"].on_hand == 10


# --- pending demand and its absorption by NetSuite (DESIGN §5) ----------------------------------------


def test_a_line_is_pending_until_a_reading_taken_after_its_sales_order_was_created() -> None:
    d = stocked(w=10)
    d.send(line(quantity=3), at=110.0)
    assert d.published()["web"] == 11  # 10 + 5 - 3 - 1
    d.send(SalesOrderSeen(order_id="o1", created_at=120.0, seen_at=125.0), at=125.0)
    # NetSuite read before the sales order existed: its committed cannot contain the line yet.
    d.send(StockReading(location="W", on_hand=10, committed=0, read_at=119.0), at=126.0)
    assert d.published()["web"] == 11
    # Read after: committed has the 3 units, so Tandem stops subtracting them itself.
    d.send(StockReading(location="W", on_hand=10, committed=3, read_at=121.0), at=127.0)
    assert d.published()["web"] == 11
    assert d.state.orders["o1"].lines["l1"].quantity == 3


def test_a_reading_applied_before_the_sighting_absorbs_the_line_when_the_sighting_arrives() -> None:
    d = stocked(w=10)
    d.send(line(quantity=3), at=110.0)
    d.send(StockReading(location="W", on_hand=10, committed=3, read_at=130.0), at=131.0)
    assert d.published()["web"] == 8  # counted twice for now: only ever under-publishes
    d.send(SalesOrderSeen(order_id="o1", created_at=120.0, seen_at=132.0), at=132.0)
    assert d.published()["web"] == 11


def test_a_line_arriving_after_netsuite_absorbed_its_order_is_not_counted() -> None:
    d = stocked(w=10)
    d.send(SalesOrderSeen(order_id="o1", created_at=120.0, seen_at=121.0), at=121.0)
    d.send(StockReading(location="W", on_hand=10, committed=3, read_at=125.0), at=125.0)
    d.send(line(quantity=3), at=126.0)
    assert d.published()["web"] == 11


def test_a_later_sighting_never_moves_the_sales_order_versions_back() -> None:
    d = stocked()
    d.send(SalesOrderSeen(order_id="o1", created_at=120.0, modified_at=150.0, seen_at=151.0), at=151.0)
    d.send(SalesOrderSeen(order_id="o1", created_at=120.0, seen_at=152.0), at=152.0)
    assert d.state.orders["o1"].sales_order_changed_at == 150.0


# --- cancellations, refunds, edits ---------------------------------------------------------------------


def test_cancelling_an_order_removes_its_unabsorbed_demand() -> None:
    d = stocked(w=10)
    d.send(line(quantity=4), at=110.0)
    assert d.published()["web"] == 10
    d.send(OrderCancelled(order_id="o1", cancelled_at=111.0), at=111.0)
    assert d.published()["web"] == 14


def test_a_line_delivered_after_its_cancellation_is_no_demand() -> None:
    d = stocked(w=10)
    d.send(OrderCancelled(order_id="o1", cancelled_at=111.0), at=111.0)
    d.send(line(quantity=4), at=112.0)
    assert d.published()["web"] == 14


REFUND_CASES = [
    # (restock, absorbed before the refund, expected web value after the refund)
    pytest.param(True, False, 13, id="restocked before absorption: demand drops at once"),
    pytest.param(False, False, 11, id="not restocked: units left with the customer, still demand"),
    pytest.param(True, True, 11, id="restocked after absorption: waits for NetSuite's return"),
]


@pytest.mark.parametrize("restock, absorbed, expected", REFUND_CASES)
def test_refunds_with_and_without_restock(restock: bool, absorbed: bool, expected: int) -> None:
    d = stocked(w=10)
    d.send(line(quantity=3), at=110.0)
    if absorbed:
        d.send(SalesOrderSeen(order_id="o1", created_at=111.0, seen_at=112.0), at=112.0)
        d.send(StockReading(location="W", on_hand=10, committed=3, read_at=113.0), at=113.0)
    assert d.published()["web"] == 11
    refunded = (RefundLine(line_id="l1", quantity=2, restock=restock),)
    refund = Refund(order_id="o1", refund_id="r1", lines=refunded)
    d.send(refund, at=120.0)
    assert d.published()["web"] == expected
    assert d.send(refund, at=121.0) == []  # applied once per refund id


def test_an_edit_before_the_sales_order_exists_changes_the_pending_quantity() -> None:
    d = stocked(w=10)
    d.send(line(quantity=1, version=110.0), at=110.0)
    d.send(line(quantity=4, version=115.0, edited_at=115.0), at=115.0)
    assert d.published()["web"] == 10
    d.send(SalesOrderSeen(order_id="o1", created_at=120.0, seen_at=121.0), at=121.0)
    d.send(StockReading(location="W", on_hand=10, committed=4, read_at=122.0), at=122.0)
    assert d.published()["web"] == 10


def test_an_edit_after_the_sales_order_counts_again_until_the_modified_order_is_read() -> None:
    d = stocked(w=10)
    d.send(line(quantity=2, version=110.0), at=110.0)
    d.send(SalesOrderSeen(order_id="o1", created_at=111.0, seen_at=112.0), at=112.0)
    d.send(StockReading(location="W", on_hand=10, committed=2, read_at=113.0), at=113.0)
    assert d.published()["web"] == 12
    d.send(line(quantity=5, version=120.0, edited_at=120.0), at=120.0)
    assert d.published()["web"] == 7  # NetSuite still commits 2; Tandem subtracts all 5 (safe side)
    d.send(SalesOrderSeen(order_id="o1", created_at=111.0, modified_at=125.0, seen_at=126.0), at=126.0)
    d.send(StockReading(location="W", on_hand=10, committed=5, read_at=127.0), at=127.0)
    assert d.published()["web"] == 9


def test_an_older_version_of_a_line_is_ignored() -> None:
    d = stocked(w=10)
    d.send(line(quantity=4, version=120.0, edited_at=120.0), at=120.0)
    assert d.send(line(quantity=1, version=110.0), at=121.0) == []
    assert d.state.orders["o1"].lines["l1"].quantity == 4


def test_a_changed_line_without_an_edit_time_is_treated_as_edited_at_its_version() -> None:
    d = stocked()
    d.send(line(quantity=1, version=110.0), at=110.0)
    d.send(line(quantity=2, version=130.0), at=130.0)
    assert d.state.orders["o1"].lines["l1"].edited_at == 130.0


def test_a_refund_delivered_before_its_line_still_counts() -> None:
    d = stocked(w=10)
    refunded = (RefundLine(line_id="l1", quantity=2, restock=True),)
    d.send(Refund(order_id="o1", refund_id="r1", lines=refunded), at=110.0)
    d.send(line(quantity=3), at=111.0)
    assert d.published()["web"] == 13  # 15 - (3 - 2) - 1


def test_two_states_of_a_line_with_one_version_keep_the_larger_until_netsuite_absorbs_it() -> None:
    for first, second in ((1, 3), (3, 1)):
        d = stocked(w=10)
        d.send(line(quantity=first, version=110.0), at=110.0)
        d.send(line(quantity=second, version=110.0), at=111.0)
        assert d.state.orders["o1"].lines["l1"].quantity == 3
        assert d.state.orders["o1"].lines["l1"].edited_at == 110.0
        assert d.published()["web"] == 11
        # A sales order created in the same second cannot be trusted to hold the larger state ...
        d.send(SalesOrderSeen(order_id="o1", created_at=109.0, seen_at=112.0), at=112.0)
        d.send(StockReading(location="W", on_hand=10, committed=1, read_at=113.0), at=113.0)
        assert d.published()["web"] == 10
        # ... one modified at or after that second can.
        d.send(SalesOrderSeen(order_id="o1", created_at=109.0, modified_at=110.0, seen_at=114.0), at=114.0)
        d.send(StockReading(location="W", on_hand=10, committed=3, read_at=115.0), at=115.0)
        assert d.published()["web"] == 11
