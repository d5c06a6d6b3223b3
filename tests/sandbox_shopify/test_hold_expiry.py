"""Hold expiry, driven on the pure core: exact to the instant, once per hold, in placement order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.shopify.holds import create_hold, expire_holds, release
from sandbox.shopify.model import InventoryLevel
from sandbox.shopify.requests import HoldSpec
from sandbox.shopify.store import ShopState, new_shop

from .conftest import seeded_shop_spec

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _reserved(state: ShopState) -> int:
    return sum(level.quantities["reserved"] for level in state.levels.values())


def test_a_hold_expires_exactly_at_its_expiry_and_only_once() -> None:
    state = new_shop(seeded_shop_spec(), NOW)
    hold, _ = create_hold(state, HoldSpec("TEE-S", "Warehouse", 2, expires_in_seconds=10), NOW)
    assert expire_holds(state, NOW + timedelta(seconds=10) - timedelta(microseconds=1)) == []
    assert hold.state == "held" and _reserved(state) == 2
    events = expire_holds(state, NOW + timedelta(seconds=10))
    assert [event.topic for event in events] == ["inventory_levels/update"]
    assert hold.state == "expired" and _reserved(state) == 0
    assert expire_holds(state, NOW + timedelta(hours=1)) == []


def test_released_or_converted_holds_expire_silently_and_leave_the_sweep() -> None:
    state = new_shop(seeded_shop_spec(), NOW)
    released, _ = create_hold(state, HoldSpec("TEE-S", "Warehouse", 1, expires_in_seconds=5), NOW)
    kept, _ = create_hold(state, HoldSpec("TEE-S", "Overflow", 1, expires_in_seconds=5), NOW)
    release(state, released, NOW)
    events = expire_holds(state, NOW + timedelta(seconds=5))
    assert len(events) == 1 and (released.state, kept.state) == ("released", "expired")
    assert state.hold_expiries == []  # nothing left to look at on the next sweep


def test_the_sweep_touches_only_due_holds_and_reports_them_in_placement_order() -> None:
    state = new_shop(seeded_shop_spec(), NOW)
    # Placed with expiries out of order, each at its own location: 30 s, 10 s, 20 s, 40 s.
    plan = [("Overflow", 30), ("Warehouse", 10), ("Downtown Store", 20), ("Warehouse", 40)]
    placed = [
        create_hold(state, HoldSpec("TEE-S", where, 1, expires_in_seconds=span), NOW)[0]
        for where, span in plan
    ]
    events = expire_holds(state, NOW + timedelta(seconds=30))
    assert [hold.state for hold in placed] == ["expired", "expired", "expired", "held"]
    # One level event per hold, in the order the holds were placed, not the order they expired.
    levels = [event.subject for event in events]
    assert [level.location_id for level in levels if isinstance(level, InventoryLevel)] == [
        hold.location_id for hold in placed[:3]
    ]
    assert [hold_id for _, hold_id in state.hold_expiries] == [placed[3].id]
