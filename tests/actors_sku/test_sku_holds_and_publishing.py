"""decide() of the SKU actor: holds, publishing, control messages, parking and housekeeping."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sku_fixtures import (
    CONTRACT_TEXT,
    SMALL_CONTRACT,
    Driver,
    channel_events,
    inventory_sets,
    line,
    make_contract,
    roundtrip,
    sends,
    stocked,
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
    Refund,
    RefundLine,
    Resync,
    SalesOrderSeen,
    SetChannelBuffer,
    StockReading,
)
from bus.subjects import ALERTS

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


def test_a_hold_released_into_an_order_counts_until_the_orders_line_arrives() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=110.0)
    effects = d.send(HoldReleased(hold_id="h1", order_id="o9"), at=120.0)
    # The checkout's webhook has not come: the units are neither free nor counted twice later
    assert d.published()["pos-s1"] == 3
    assert [(t.timer_id, t.at) for t in timers(effects)] == [("hold:h1", 720.0)]
    effects = d.send(line(order="o9", quantity=2, location="S1", version=120.0), at=121.0)
    assert CancelTimer(timer_id="hold:h1") in effects
    assert d.published()["pos-s1"] == 3 and "h1" not in d.state.holds
    assert d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=122.0) == []


def test_a_placement_arriving_after_its_release_into_an_order_counts_until_the_order_does() -> None:
    d = stocked()
    d.send(HoldReleased(hold_id="h1", order_id="o9"), at=120.0)
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=121.0)
    assert d.published()["pos-s1"] == 3
    d.send(line(order="o9", quantity=2, location="S1", version=120.0), at=122.0)
    assert d.published()["pos-s1"] == 3 and not d.state.holds


def test_a_hold_arriving_after_its_expiry_still_counts_if_a_checkout_turned_it_into_an_order() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=120.0), at=125.0)
    assert d.published()["pos-s1"] == 5  # over on arrival
    d.send(HoldReleased(hold_id="h1", order_id="o9"), at=126.0)  # but the checkout came before it
    assert d.published()["pos-s1"] == 3
    d.send(line(order="o9", quantity=2, location="S1", version=119.0), at=127.0)
    assert d.published()["pos-s1"] == 3 and not d.state.holds


def test_a_release_into_an_order_already_heard_of_frees_the_hold_at_once() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=110.0)
    d.send(line(order="o9", quantity=2, location="S1", version=115.0), at=116.0)
    assert d.published()["pos-s1"] == 1  # counted twice while both are known: never over
    d.send(HoldReleased(hold_id="h1", order_id="o9"), at=120.0)
    assert d.published()["pos-s1"] == 3


def test_a_hold_released_into_an_order_ends_if_the_order_is_cancelled_or_never_heard_of() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=200.0), at=110.0)
    d.send(HoldReleased(hold_id="h1", order_id="o9"), at=120.0)
    d.send(OrderCancelled(order_id="o9", cancelled_at=125.0), at=125.0)
    assert d.published()["pos-s1"] == 5
    d.send(OrderCancelled(order_id="o8", cancelled_at=126.0), at=126.0)  # cancelled before its hold's release
    d.send(HoldPlaced(hold_id="h3", location="S1", quantity=2, expires_at=200.0), at=127.0)
    d.send(HoldReleased(hold_id="h3", order_id="o8"), at=128.0)
    assert d.published()["pos-s1"] == 5 and "h3" not in d.state.holds
    d.send(HoldPlaced(hold_id="h2", location="S1", quantity=1, expires_at=200.0), at=130.0)
    d.send(HoldReleased(hold_id="h2", order_id="o10"), at=131.0)
    assert d.send(HoldExpired(hold_id="h2"), at=200.0) == []  # its grace runs past the expiry
    d.send(HoldExpired(hold_id="h2"), at=731.0)
    assert d.published()["pos-s1"] == 5 and not d.state.holds


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
    d = Driver(SkuBehaviour(SMALL_CONTRACT), "A")
    first = sends(d.send(StockReading(location="W", on_hand=6, committed=0, read_at=1.0), at=1.0))
    second = sends(d.send(StockReading(location="W", on_hand=8, committed=0, read_at=2.0), at=2.0))
    assert [(s.kind, s.key) for s in first] == [("bundle", "KIT")]
    reports = [s.payload for s in (*first, *second)]
    assert all(isinstance(r, ComponentAvailability) for r in reports)
    assert [r.seq for r in reports] == [1, 2]
    assert dict((v.channel, v.value) for v in reports[1].channels) == {"web": 7}


# --- parking: unknown things are kept and reported, never dropped ------------------------------------------


def parked_alerts(effects: list[Any]) -> list[MessageParked]:
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
    d = Driver(SkuBehaviour(SMALL_CONTRACT), sku)
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


def test_ended_holds_are_forgotten_a_day_after_they_expire() -> None:
    d = stocked()
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=1, expires_at=5_000.0), at=110.0)
    d.send(HoldReleased(hold_id="h1"), at=120.0)
    assert d.state.ended_holds == {"h1": 5_000.0}
    d.send(Resync(), at=5_000.0 + 86_000.0)
    assert "h1" in d.state.ended_holds
    d.send(Resync(), at=5_000.0 + 86_401.0 + 3_600.0)
    assert d.state.ended_holds == {}
    # A placement redelivered even later is past its expiry: still holds nothing.
    d.send(HoldPlaced(hold_id="h1", location="S1", quantity=1, expires_at=5_000.0), at=100_000.0)
    assert d.state.holds == {}
