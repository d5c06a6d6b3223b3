"""Checkout holds: units reserved for a cart until it checks out, is released, or expires. Pure."""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta

from .events import EventLog, ShopEvent
from .inventory import hold_for_checkout, release_hold
from .model import CheckoutHold
from .requests import HoldSpec
from .store import ShopState
from .user_errors import DomainRefusal


def create_hold(state: ShopState, spec: HoldSpec, now: datetime) -> tuple[CheckoutHold, list[ShopEvent]]:
    """Reserve units (available → reserved); refused like a checkout when DENY stock is short."""
    if spec.quantity <= 0 or spec.expires_in_seconds <= 0:
        raise DomainRefusal("INVALID_HOLD", "A hold needs a positive quantity and expiry.")
    variant = state.variant_by_sku(spec.sku)
    location = state.location(spec.location)
    level = state.levels.get((variant.inventory_item_id, location.id))
    available = level.quantities["available"] if level else 0
    if level is None or (variant.inventory_policy == "DENY" and spec.quantity > available):
        raise DomainRefusal(
            "INSUFFICIENT_INVENTORY",
            f"Only {available} of '{spec.sku}' available at {location.name}; {spec.quantity} requested.",
            sku=spec.sku,
            requested=spec.quantity,
            available=available,
            location=location.name,
        )
    hold = CheckoutHold(
        state.ids.next(),
        variant.inventory_item_id,
        location.id,
        spec.quantity,
        now + timedelta(seconds=spec.expires_in_seconds),
    )
    hold_for_checkout(level, spec.quantity, now)
    state.holds[hold.id] = hold
    heapq.heappush(state.hold_expiries, (hold.expires_at, hold.id))
    events = EventLog()
    events.add("inventory_levels/update", level)
    return hold, events.events


def release(
    state: ShopState, hold: CheckoutHold, now: datetime, outcome: str = "released"
) -> list[ShopEvent]:
    """Give held units back to available; releasing a hold twice is refused."""
    if hold.state != "held":
        raise DomainRefusal("HOLD_NOT_ACTIVE", f"Hold {hold.id} is already {hold.state}.")
    level = state.levels[(hold.item_id, hold.location_id)]
    release_hold(level, hold.quantity, now)
    hold.state = outcome
    events = EventLog()
    events.add("inventory_levels/update", level)
    return events.events


def expire_holds(state: ShopState, now: datetime) -> list[ShopEvent]:
    """Release every hold whose expiry has passed."""
    due: list[int] = []
    while state.hold_expiries and state.hold_expiries[0][0] <= now:
        due.append(heapq.heappop(state.hold_expiries)[1])
    events: list[ShopEvent] = []
    # Ids rise with creation, so sorting keeps the events in the order holds were placed; holds
    # already released or converted leave the heap here, without an event.
    for hold in (state.holds[hold_id] for hold_id in sorted(due)):
        if hold.state == "held":
            events += release(state, hold, now, outcome="expired")
    return events
