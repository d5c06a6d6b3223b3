"""decide() of the SKU actor, message by message (h11 test_state.py style: drive the machine directly)."""

from __future__ import annotations

import msgspec
import pytest
from sku_fixtures import (
    CONTRACT_TEXT,
    Driver,
    channel_events,
    inventory_sets,
    make_contract,
    roundtrip,
    sends,
    timers,
)

from actors.behaviour import CancelTimer, Emit
from actors.sku import SkuBehaviour, SkuState
from actors.sku_messages import (
    ComponentAvailability,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    MessageParked,
    OrderCancelled,
    OrderLine,
    Refund,
    RefundLine,
    Resync,
    SalesOrderSeen,
    SetChannelBuffer,
    StockReading,
)
from bus.subjects import ALERTS

CONTRACT = make_contract()


def driver(sku: str = "SKU-1") -> Driver:
    return Driver(SkuBehaviour(CONTRACT), sku)


def stocked(w: int = 10, s1: int = 5, s2: int = 4, at: float = 100.0) -> Driver:
    """A SKU with every location read once at `at` (nothing committed)."""
    d = driver()
    for location, on_hand in (("W", w), ("S1", s1), ("S2", s2)):
        d.send(StockReading(location=location, on_hand=on_hand, committed=0, read_at=at), at=at)
    return d


def line(order: str = "o1", quantity: int = 1, location: str = "W", version: float = 110.0,
         line_id: str = "l1", edited_at: float | None = None) -> OrderLine:
    return OrderLine(order_id=order, line_id=line_id, location=location, quantity=quantity,
                     version_at=version, edited_at=edited_at)


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


# --- holds ------------------------------------------------------------------------------------------


def test_a_hold_reserves_stock_until_released() -> None:
    d = stocked()
    effects = d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=110.0)
    assert [(t.timer_id, t.at, t.payload) for t in timers(effects)] == [
        ("hold:h1", 200.0, HoldExpired(hold_id="h1"))
    ]
    assert d.published() == {"web": 12, "pos-s1": 3, "pos-s2": 2}
    effects = d.send(HoldReleased(hold_id="h1"), at=120.0)
    assert CancelTimer(timer_id="hold:h1") in effects
    assert d.published() == {"web": 14, "pos-s1": 5, "pos-s2": 2}


def test_a_hold_ends_when_its_timer_fires() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=110.0)
    d.send(HoldExpired(hold_id="h1"), at=200.0)
    assert d.published()["pos-s1"] == 5
    assert "h1" not in d.state.holds and "h1" in d.state.ended_holds


def test_an_extended_hold_ignores_the_earlier_timer() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=110.0)
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=300.0), at=150.0)
    assert d.send(HoldExpired(hold_id="h1"), at=200.0) == []
    assert d.published()["pos-s1"] == 3


def test_a_placement_delivered_after_its_release_stays_released() -> None:
    d = stocked()
    d.send(HoldReleased(hold_id="h1"), at=110.0)
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=300.0), at=111.0)
    assert d.published()["pos-s1"] == 5


def test_a_hold_that_already_expired_when_it_arrives_holds_nothing() -> None:
    d = stocked()
    effects = d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=105.0), at=110.0)
    assert timers(effects) == []
    assert d.published()["pos-s1"] == 5


# --- publishing ---------------------------------------------------------------------------------------


def test_only_changed_values_are_published_with_the_previous_value_for_compare_and_set() -> None:
    d = stocked(w=10, s1=5, s2=4)
    effects = d.send(line(quantity=1, location="S2"), at=110.0, message_id="order-1")
    assert set(channel_events(effects)) == {"pos-s2"}
    event = channel_events(effects)["pos-s2"]
    assert (event.value, event.previous, event.changed_at, event.cause_id) == (1, 2, 110.0, "order-1")
    [command] = inventory_sets(effects)
    assert (command.shop, command.location_id, command.quantity, command.compare_quantity) == (
        "us", "gid://shopify/Location/3", 1, 2)
    assert d.send(line(order="o2", quantity=1, location="S2"), at=111.0) != []  # 1 -> 0
    assert d.send(line(order="o3", quantity=1, location="S2"), at=112.0) == []  # stays 0: nothing sent


def test_resync_republishes_every_value() -> None:
    d = stocked()
    effects = d.send(Resync(), at=120.0)
    assert set(channel_events(effects)) == {"web", "pos-s1", "pos-s2"}
    assert all(e.previous == e.value for e in channel_events(effects).values())
    assert len(inventory_sets(effects)) == 3


def test_an_operator_can_set_a_channel_buffer() -> None:
    d = stocked()
    d.send(SetChannelBuffer(channel="pos-s1", buffer=3), at=120.0)
    assert d.published()["pos-s1"] == 2


def test_a_component_reports_to_every_bundle_that_contains_it_with_a_rising_sequence() -> None:
    d = Driver(SkuBehaviour(CONTRACT), "A")
    first = sends(d.send(StockReading(location="W", on_hand=6, committed=0, read_at=1.0), at=1.0))
    second = sends(d.send(StockReading(location="W", on_hand=8, committed=0, read_at=2.0), at=2.0))
    assert [(s.kind, s.key) for s in first] == [("bundle", "KIT")]
    reports = [s.payload for s in (*first, *second)]
    assert all(isinstance(r, ComponentAvailability) for r in reports)
    assert [r.seq for r in reports] == [1, 2]
    assert dict((v.channel, v.value) for v in reports[1].channels) == {"web": 7}


# --- parking: unknown things are kept and reported, never dropped ------------------------------------------


def parked_alerts(effects: list) -> list[MessageParked]:
    return [e.payload for e in effects if isinstance(e, Emit) and e.subject == ALERTS]


def test_a_message_for_an_unknown_location_is_parked_and_reported() -> None:
    d = stocked()
    before = d.published()
    effects = d.send(StockReading(location="ZZ", on_hand=99, committed=0, read_at=120.0), at=120.0,
                     message_id="bad-1")
    [alert] = parked_alerts(effects)
    assert (alert.kind, alert.key, alert.message_id) == ("sku", "SKU-1", "bad-1")
    assert "unknown NetSuite location 'ZZ'" in alert.reason
    assert [p.message_id for p in d.state.parked] == ["bad-1"]
    assert d.published() == before
    assert d.send(StockReading(location="ZZ", on_hand=99, committed=0, read_at=120.0), at=121.0,
                  message_id="bad-1") == []  # a redelivery is not parked twice


def test_parked_messages_are_applied_on_resync_once_the_contract_knows_them() -> None:
    d = stocked()
    d.send(line(order="o9", quantity=2, location="S3"), at=120.0)
    assert len(d.state.parked) == 1
    extended = CONTRACT_TEXT.replace(
        '[[channels]]\nname = "pos-s2"',
        '[[locations]]\nnetsuite_id = "S3"\nname = "store three"\n\n[[channels]]\nname = "pos-s2"', 1)
    d.behaviour = SkuBehaviour(make_contract(extended))
    d.send(Resync(), at=130.0)
    assert d.state.parked == []
    assert d.state.orders["o9"].lines["l1"].location == "S3"


UNMANAGED = [("SOCK-1", "not allowed by catalog.allowed_skus"), ("KIT", "is a bundle")]


@pytest.mark.parametrize("sku, reason", UNMANAGED)
def test_messages_for_an_unmanaged_sku_are_parked_and_nothing_is_published(sku: str, reason: str) -> None:
    d = Driver(SkuBehaviour(CONTRACT), sku)
    effects = d.send(StockReading(location="W", on_hand=5, committed=0, read_at=1.0), at=1.0)
    [alert] = parked_alerts(effects)
    assert reason in alert.reason
    assert d.send(Resync(), at=2.0) == []
    assert d.published() == {}


def test_a_buffer_for_an_unknown_channel_is_parked() -> None:
    d = stocked()
    effects = d.send(SetChannelBuffer(channel="amazon", buffer=1), at=120.0)
    assert "unknown channel 'amazon'" in parked_alerts(effects)[0].reason


# --- housekeeping and purity ---------------------------------------------------------------------------


def test_settled_orders_are_forgotten_after_the_retention_period_but_pending_ones_never() -> None:
    d = stocked(w=10)
    d.send(line(order="done", quantity=1), at=110.0)
    d.send(OrderCancelled(order_id="done", cancelled_at=111.0), at=111.0)
    d.send(line(order="open", quantity=2), at=112.0)
    day = 86_400.0
    d.send(StockReading(location="W", on_hand=10, committed=0, read_at=112.0 + 2 * day), at=112.0 + 2 * day)
    assert set(d.state.orders) == {"open"}
    assert d.published()["web"] == 12


def test_decide_never_changes_the_state_it_was_given() -> None:
    d = stocked()
    before = d.state
    encoded = msgspec.json.encode(before)
    d.send(line(quantity=2), at=110.0)
    d.send(HoldPlaced(hold_id="h", location="S1", quantity=1, expires_at=999.0), at=111.0)
    assert msgspec.json.encode(before) == encoded
    assert isinstance(d.state, SkuState) and d.state is not before


def test_a_refund_delivered_before_its_line_still_counts() -> None:
    d = stocked(w=10)
    refunded = (RefundLine(line_id="l1", quantity=2, restock=True),)
    d.send(Refund(order_id="o1", refund_id="r1", lines=refunded), at=110.0)
    d.send(line(quantity=3), at=111.0)
    assert d.published()["web"] == 13  # 15 - (3 - 2) - 1


def test_a_state_with_everything_in_it_survives_a_snapshot() -> None:
    d = stocked()
    d.send(line(quantity=2), at=110.0)
    d.send(SalesOrderSeen(order_id="o1", created_at=111.0, modified_at=112.0, seen_at=113.0), at=113.0)
    d.send(Refund(order_id="o1", refund_id="r1", lines=(RefundLine(line_id="l1", quantity=1, restock=True),)),
           at=114.0)
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=1, expires_at=900.0), at=115.0)
    d.send(HoldReleased(hold_id="h2"), at=116.0)
    d.send(SetChannelBuffer(channel="web", buffer=4), at=117.0)
    d.send(StockReading(location="ZZ", on_hand=1, committed=0, read_at=118.0), at=118.0)
    restored = roundtrip(d.state, SkuState)
    assert restored == d.state
    assert isinstance(restored.parked[0].payload, StockReading)


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
