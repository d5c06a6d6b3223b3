"""How each message changes a SKU actor's state: one pure function per message type.

`apply(state, payload, now)` returns the new state and the effects of the change itself (timers);
publishing what the change does to availability is behaviour.py's job. Every function is idempotent
for a redelivered message and ignores one that is older than what it already knows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from actors.behaviour import CancelTimer, Effect, StartTimer
from actors.sku.availability import target_key
from actors.sku.demand import with_pending_at, with_pending_of
from actors.sku.expected import unexplained
from actors.sku.state import DemandLine, Hold, LocationStock, OrderDemand, Reserve, Shortfall, SkuState
from actors.sku_messages import (
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    KitReserve,
    OrderCancelled,
    OrderLine,
    Refund,
    SalesOrderSeen,
    SetChannelBuffer,
    ShopifyLevelSeen,
    ShortfallRecheck,
    StockReading,
    TargetConfirmed,
)

Result = tuple[SkuState, list[Effect]]
replace = msgspec.structs.replace


def hold_timer_id(hold_id: str) -> str:
    return f"hold:{hold_id}"


def stock_reading(state: SkuState, reading: StockReading, now: float) -> Result:
    """Apply a reading unless one taken at the same time or later is already applied (late/stale)."""
    current = state.stock.get(reading.location)
    if current is not None and current.read_at is not None and reading.read_at <= current.read_at:
        return state, []
    stock = LocationStock(
        on_hand=reading.on_hand, committed=reading.committed, in_transit=reading.in_transit,
        read_at=reading.read_at,
    )
    state = replace(state, stock={**state.stock, reading.location: stock})
    return with_pending_at(state, reading.location), []


def _with_order(state: SkuState, order_id: str, order: OrderDemand, now: float) -> SkuState:
    order = replace(order, last_activity_at=max(order.last_activity_at, now))
    return with_pending_of(replace(state, orders={**state.orders, order_id: order}), [order_id])


def sales_order_seen(state: SkuState, seen: SalesOrderSeen, now: float) -> Result:
    """Remember the sales order's creation and newest modification (never moving either back)."""
    order = state.orders.get(seen.order_id, OrderDemand())
    created = order.sales_order_created_at
    # If two sightings disagree on the creation time, the later one is the safe one: it needs a
    # later reading before the lines stop counting.
    created = seen.created_at if created is None else max(created, seen.created_at)
    version = seen.modified_at if seen.modified_at is not None else seen.created_at
    changed = order.sales_order_changed_at
    changed = version if changed is None else max(changed, version)
    if (created, changed) == (order.sales_order_created_at, order.sales_order_changed_at):
        return state, []
    order = replace(order, sales_order_created_at=created, sales_order_changed_at=changed)
    return _with_order(state, seen.order_id, order, now), []


def order_line(state: SkuState, line: OrderLine, now: float) -> Result:
    """Create or edit a line; an older version of it than the one known changes nothing."""
    order = state.orders.get(line.order_id, OrderDemand())
    known = order.lines.get(line.line_id)
    if known is not None and line.version_at < known.version_at:
        return state, []
    demand = _newer_line(known, line)
    if demand == known:
        return state, []
    order = replace(order, lines={**order.lines, line.line_id: demand}, shop=order.shop or line.shop)
    return without_holds_converted_to(_with_order(state, line.order_id, order, now), line.order_id)


def _newer_line(known: DemandLine | None, line: OrderLine) -> DemandLine:
    fresh = DemandLine(location=line.location, quantity=line.quantity, version_at=line.version_at,
                       edited_at=line.edited_at, bundle=line.bundle)
    if known is None:
        return fresh
    changed = (known.quantity, known.location) != (line.quantity, line.location)
    if line.version_at == known.version_at:
        if not changed:
            return known  # a redelivery
        # Two states with one version (Shopify times are whole seconds): which is newer cannot be
        # told, so keep the one asking more (any order of delivery gives the same) and treat it as
        # an edit, so that only a sales order changed afterwards can absorb it.
        larger = max((known.quantity, known.location), (line.quantity, line.location))
        fresh = DemandLine(location=larger[1], quantity=larger[0], version_at=line.version_at,
                           bundle=line.bundle)
    edited_at = fresh.edited_at
    if edited_at is None and changed:
        edited_at = line.version_at  # changed without an edit time: assume as late as possible
    if known.edited_at is not None:
        edited_at = known.edited_at if edited_at is None else max(edited_at, known.edited_at)
    return replace(fresh, edited_at=edited_at)


def order_cancelled(state: SkuState, cancel: OrderCancelled, now: float) -> Result:
    order = state.orders.get(cancel.order_id, OrderDemand())
    if order.cancelled_at is not None:
        return state, []
    state = _with_order(state, cancel.order_id, replace(order, cancelled_at=cancel.cancelled_at), now)
    return without_holds_converted_to(state, cancel.order_id)


def refund(state: SkuState, refunded: Refund, now: float) -> Result:
    order = state.orders.get(refunded.order_id, OrderDemand())
    if refunded.refund_id in order.refunds:
        return state, []
    order = replace(order, refunds={**order.refunds, refunded.refund_id: refunded.lines})
    return _with_order(state, refunded.order_id, order, now), []


def hold_placed(state: SkuState, placed: HoldPlaced, now: float) -> Result:
    """Hold stock until released or expired; a hold already ended stays ended (late redelivery)."""
    if placed.hold_id in state.ended_holds:
        early = state.holds.get(placed.hold_id)
        if early is None or early.quantity:
            return state, []
        # released into an order before this placement arrived: it counts until the order's lines do
        filled = replace(early, location=placed.location, quantity=placed.quantity, shop=placed.shop)
        return replace(state, holds={**state.holds, placed.hold_id: filled}), []
    if placed.expires_at <= now:
        # Over before it arrived: it holds nothing, but is kept (ended) in case a checkout turned it
        # into an order before its expiry and that release is still to come (hold_released).
        over = Hold(location=placed.location, quantity=placed.quantity, expires_at=placed.expires_at,
                    shop=placed.shop)
        holds = {**state.holds, placed.hold_id: over}
        return replace(state, holds=holds, ended_holds={**state.ended_holds, placed.hold_id: now}), [
            CancelTimer(timer_id=hold_timer_id(placed.hold_id))
        ]
    hold = Hold(location=placed.location, quantity=placed.quantity, expires_at=placed.expires_at,
                shop=placed.shop)
    timer = StartTimer(timer_id=hold_timer_id(placed.hold_id), at=placed.expires_at,
                       payload=HoldExpired(hold_id=placed.hold_id))
    return replace(state, holds={**state.holds, placed.hold_id: hold}), [timer]


def _end_hold(state: SkuState, hold_id: str, now: float) -> SkuState:
    hold = state.holds.get(hold_id)
    remember_from = now if hold is None else max(now, hold.expires_at)
    holds = {k: v for k, v in state.holds.items() if k != hold_id}
    return replace(state, holds=holds, ended_holds={**state.ended_holds, hold_id: remember_from})


# How long a hold released into an order keeps counting when the order's lines do not arrive (a lost
# webhook): the reconciler finds a missed order well within this.
CONVERTED_HOLD_GRACE_S = 600.0


def hold_released(state: SkuState, released: HoldReleased, now: float) -> Result:
    hold_id, order_id = released.hold_id, released.order_id
    hold = state.holds.get(hold_id)
    # Ended already, unless it ended by arriving after its expiry and this says a checkout took it.
    over_on_arrival = hold is not None and hold.converted_to is None and hold_id in state.ended_holds
    if hold_id in state.ended_holds and not (order_id is not None and over_on_arrival):
        return state, []
    if order_id is not None and not _demand_heard(state, order_id):
        # A checkout: the device says so at once, the order's webhook comes later. Dropping the hold
        # now would count the units as free in between; it hands them over when the lines arrive.
        # (Released before its placement arrived: an empty hold the placement fills in.)
        hold = hold or Hold(location="", quantity=0, expires_at=now)
        until = max(hold.expires_at, now + CONVERTED_HOLD_GRACE_S)
        kept = replace(hold, expires_at=until, converted_to=order_id)
        state = replace(state, holds={**state.holds, hold_id: kept},
                        ended_holds={**state.ended_holds, hold_id: until})
        return state, [StartTimer(timer_id=hold_timer_id(hold_id), at=until,
                                  payload=HoldExpired(hold_id=hold_id))]
    # Recorded even if the placement has not arrived yet, so a late placement does not revive it.
    return _end_hold(state, hold_id, now), [CancelTimer(timer_id=hold_timer_id(hold_id))]


def _demand_heard(state: SkuState, order_id: str) -> bool:
    """Whether the actor knows what the order asks: its lines, or that it was cancelled."""
    order = state.orders.get(order_id)
    return order is not None and (bool(order.lines) or order.cancelled_at is not None)


def without_holds_converted_to(state: SkuState, order_id: str) -> Result:
    """The order's demand is known now (its lines, or its cancellation): holds released into it end."""
    converted = [k for k, hold in state.holds.items() if hold.converted_to == order_id]
    if not converted:
        return state, []
    holds = {k: v for k, v in state.holds.items() if k not in converted}
    return replace(state, holds=holds), [CancelTimer(timer_id=hold_timer_id(k)) for k in converted]


def hold_expired(state: SkuState, expired: HoldExpired, now: float) -> Result:
    hold = state.holds.get(expired.hold_id)
    if hold is None or hold.expires_at > now:
        return state, []  # released already, or extended: its newer timer will fire later
    return _end_hold(state, expired.hold_id, now), []


def set_channel_buffer(state: SkuState, command: SetChannelBuffer, now: float) -> Result:
    overrides = {**state.buffer_overrides, command.channel: command.buffer}
    return replace(state, buffer_overrides=overrides), []


def target_confirmed(state: SkuState, message: TargetConfirmed, now: float) -> Result:
    """The writer is done with a pooled target's writes up to `message.cause_id` (pool_gate.py): if
    that was the last one sent there, Shopify holds at most the expected value again."""
    key = target_key(message.shop, message.location_id)
    held = state.unconfirmed.get(key)
    if held is None or held.last_cause != message.cause_id:
        return state, []  # unknown, or a later write is still on its way: its confirmation will come
    unconfirmed = {k: v for k, v in state.unconfirmed.items() if k != key}
    shortfalls = {k: v for k, v in state.shortfalls.items() if k != key}
    timer = shortfall_timer_id(key)
    if message.drift >= 0:
        effects: list[Effect] = [CancelTimer(timer_id=timer)] if key in state.shortfalls else []
        return replace(state, unconfirmed=unconfirmed, shortfalls=shortfalls), effects
    old = state.shortfalls.get(key)
    # still the same run of unexplained units: look again less and less often
    since = old.since if old is not None and old.since is not None and unexplained(state, key) < 0 else now
    shortfalls[key] = Shortfall(drift=message.drift, published=message.quantity, since=since)
    delay = min(SHORTFALL_RECHECK_MAX_S, max(SHORTFALL_RECHECK_S, now - since))
    recheck = StartTimer(timer_id=timer, at=now + delay, payload=ShortfallRecheck(target=key))
    return replace(state, unconfirmed=unconfirmed, shortfalls=shortfalls), [recheck]


# Units the writer finds missing at a pooled target are mostly sales whose webhooks are in flight,
# explained within a second. What stays unexplained this long is looked at again (level_check.py):
# a reservation Shopify made, then let lapse, looks like a sale no webhook ever explains. The same
# run is looked at again after as long as it has lasted (at most a minute), and given up after
# SHORTFALL_GIVE_UP_S (level_check.give_up_shortfall).
SHORTFALL_RECHECK_S = 2.0
SHORTFALL_RECHECK_MAX_S = 60.0
# Longer than the Shopify reconciler takes to find an order whose webhooks never came (its interval
# and overlap: gateways/shopify/reconciler.py), so a sale is found before its units are given up.
SHORTFALL_GIVE_UP_S = 300.0


def shortfall_timer_id(key: str) -> str:
    return f"shortfall:{key}"


def shortfall_recheck(state: SkuState, recheck: ShortfallRecheck, now: float) -> Result:
    """Nothing to remember: whether to write the target again is level_check.py's, in the turn."""
    return state, []


def shopify_level_seen(state: SkuState, seen: ShopifyLevelSeen, now: float) -> Result:
    """Nothing to remember: the check against the expected value is level_check.py's, in the turn."""
    return state, []


def kit_reserve(state: SkuState, reserve: KitReserve, now: float) -> Result:
    """Keep a kit's newest reserve (actors/kit_split.py); an older one, delivered late, changes nothing."""
    known = state.kit_reserves.get(reserve.bundle)
    if known is not None and known.seq >= reserve.seq:
        return state, []
    kept = Reserve(seq=reserve.seq, targets=reserve.targets, holds=reserve.holds,
                   reported=known.reported if known else {}, reported_seq=known.reported_seq if known else 0)
    reserves = {**state.kit_reserves, reserve.bundle: kept}
    return replace(state, kit_reserves=reserves), []


TRANSITIONS: dict[type[Any], Callable[[SkuState, Any, float], Result]] = {
    StockReading: stock_reading,
    SalesOrderSeen: sales_order_seen,
    OrderLine: order_line,
    OrderCancelled: order_cancelled,
    Refund: refund,
    HoldPlaced: hold_placed,
    HoldReleased: hold_released,
    HoldExpired: hold_expired,
    SetChannelBuffer: set_channel_buffer,
    TargetConfirmed: target_confirmed,
    ShopifyLevelSeen: shopify_level_seen,
    KitReserve: kit_reserve,
    ShortfallRecheck: shortfall_recheck,
}


def apply(state: SkuState, payload: Any, now: float) -> Result:
    """The transition for `payload`'s type."""
    return TRANSITIONS[type(payload)](state, payload, now)
