"""Demand NetSuite has not absorbed yet: pending order lines and live holds, per location.

A Shopify/POS order line counts as pending until NetSuite has provably absorbed it (DESIGN §5):
its sales order exists, and a stock reading of the line's location was taken after the version of
that sales order which contains the line. Until then NetSuite's `committed`/`on_hand` do not reflect
it and Tandem subtracts it itself; from then on NetSuite does, and Tandem must not subtract it again.

Which sales-order version contains a line:
- a line as placed, or edited before the sales order was created: the creation;
- a line edited after creation: a modification at or after the edit. Until the poller reports
  one, the whole line counts as pending again (NetSuite may still commit the old quantity: this
  counts some units twice, which can only under-publish, and resolves once NetSuite catches up).

Refunds (Shopify restock types): `restock` units (cancel: never left; return: came back) stop being
demand at once. Before absorption that is exact: NetSuite's stock still has them. After absorption
the line is no longer subtracted by Tandem, so the refund changes nothing here and the units become
sellable when NetSuite records the return (its reading shows on_hand up). Units refunded without
restock stay demand: they left with the customer, and NetSuite takes them off when it absorbs the
order (if they never left the shelf, counting them only under-publishes until then). A cancelled
order is no demand (if NetSuite still commits it, that only under-publishes).
"""

from __future__ import annotations

import msgspec

from actors.sku.state import DemandLine, LocationStock, OrderDemand, SkuState

NEVER_READ = LocationStock()


def containing_version(order: OrderDemand, line: DemandLine) -> float | None:
    """Time of the sales-order version that contains `line`, or None if none is known yet."""
    created = order.sales_order_created_at
    if created is None:
        return None
    if line.edited_at is None or line.edited_at <= created:
        return created
    changed = order.sales_order_changed_at
    if changed is not None and changed >= line.edited_at:
        return changed
    return None


def is_absorbed(order: OrderDemand, line: DemandLine, stock: dict[str, LocationStock]) -> bool:
    """Whether NetSuite's newest applied reading at the line's location already counts it."""
    version = containing_version(order, line)
    read_at = stock.get(line.location, NEVER_READ).read_at
    return version is not None and read_at is not None and read_at > version


def line_demand(order: OrderDemand, line_id: str, line: DemandLine) -> int:
    """Units this line still asks of its location (0 once cancelled; restocked refunds taken off)."""
    if order.cancelled_at is not None:
        return 0
    restocked = sum(
        refund_line.quantity
        for refund in order.refunds.values()
        for refund_line in refund
        if refund_line.line_id == line_id and refund_line.restock
    )
    return max(0, line.quantity - restocked)


def order_pending(order: OrderDemand, stock: dict[str, LocationStock]) -> dict[str, int]:
    """Units of this order's demand NetSuite has not absorbed, per location (non-zero only)."""
    pending: dict[str, int] = {}
    for line_id, line in order.lines.items():
        if not is_absorbed(order, line, stock):
            units = line_demand(order, line_id, line)
            if units:
                pending[line.location] = pending.get(line.location, 0) + units
    return pending


# The state keeps each order's pending units (`SkuState.pending`) so a turn costs O(open orders),
# not O(every order remembered for retention). A change can only alter the pending units of the
# order it names, or, for a stock reading, of the orders pending at the location it read.


def with_pending_of(state: SkuState, order_ids: list[str]) -> SkuState:
    """State with the cached pending units of `order_ids` recomputed."""
    pending = dict(state.pending)
    for order_id in order_ids:
        order = state.orders.get(order_id)
        units = order_pending(order, state.stock) if order is not None else {}
        if units:
            pending[order_id] = units
        else:
            pending.pop(order_id, None)
    return msgspec.structs.replace(state, pending=pending)


def with_pending_at(state: SkuState, location: str) -> SkuState:
    """State with the pending units of the orders pending at `location` recomputed (after a reading)."""
    affected = [order_id for order_id, units in state.pending.items() if location in units]
    return with_pending_of(state, affected)


def with_all_pending(state: SkuState) -> SkuState:
    """State with the cache rebuilt from every order (on Resync; the reference the cache must equal)."""
    pending: dict[str, dict[str, int]] = {}
    for order_id, order in state.orders.items():
        units = order_pending(order, state.stock)
        if units:
            pending[order_id] = units
    return msgspec.structs.replace(state, pending=pending)


def pending_by_location(state: SkuState) -> dict[str, int]:
    """Units of demand NetSuite has not absorbed, per location."""
    totals: dict[str, int] = {}
    for units in state.pending.values():
        for location, count in units.items():
            totals[location] = totals.get(location, 0) + count
    return totals


def holds_by_location(state: SkuState, now: float) -> dict[str, int]:
    """Units held per location by holds not yet expired at `now`."""
    held: dict[str, int] = {}
    for hold in state.holds.values():
        if hold.expires_at > now and hold.quantity:  # 0: a release whose placement is still to come
            held[hold.location] = held.get(hold.location, 0) + hold.quantity
    return held


def is_settled(order: OrderDemand, stock: dict[str, LocationStock]) -> bool:
    """Nothing of this order is pending any more (it is kept only to recognise late messages)."""
    return order.cancelled_at is not None or all(
        is_absorbed(order, line, stock) for line in order.lines.values()
    )


PRUNE_EVERY_S = 3_600.0
# A hold's placement redelivered later than this after the hold ended (and expired) is implausible;
# and one that still arrives is past its expiry, so it is ignored anyway.
HOLD_MEMORY_S = 86_400.0


def without_expired_records(state: SkuState, now: float, retention_s: float) -> SkuState:
    """Forget settled orders not touched for `retention_s`, and ended holds after a day (bounded state).

    Sweeps at most once an hour of message time: a sweep costs as much as a whole turn.
    """
    if now - state.pruned_at < PRUNE_EVERY_S:
        return state
    horizon = now - retention_s
    stale_orders = [
        order_id
        for order_id, order in state.orders.items()
        if order.last_activity_at < horizon
        and order_id not in state.pending
        and is_settled(order, state.stock)
    ]
    stale_holds = [hold_id for hold_id, since in state.ended_holds.items() if since < now - HOLD_MEMORY_S]
    # holds over long ago that no timer removes (they arrived after their expiry: transitions.py)
    long_over = [k for k, hold in state.holds.items() if hold.expires_at < now - HOLD_MEMORY_S]
    if not stale_orders and not stale_holds and not long_over:
        return msgspec.structs.replace(state, pruned_at=now)
    orders = {k: v for k, v in state.orders.items() if k not in frozenset(stale_orders)}
    ended = {k: v for k, v in state.ended_holds.items() if k not in frozenset(stale_holds)}
    holds = {k: v for k, v in state.holds.items() if k not in frozenset(long_over)}
    return msgspec.structs.replace(state, orders=orders, ended_holds=ended, holds=holds, pruned_at=now)
