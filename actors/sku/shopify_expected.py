"""What Shopify's own `available` should be at each published target: the compare of the next write.

Shopify moves `available` itself (reference/shopify.md §2, §5, §7; sandbox/shopify/inventory.py):
an order takes its units at its location (available → committed; a POS carry-out takes them out at
once), an order edit up takes more, and a refund with restock puts units back (restock type
`cancel`: unshipped units, which is also how an edit down and a cancel with restock are booked;
`return`: units back from the customer). Fulfilment and refunds without restock leave it alone.
If the writer's compare-and-set expected only Tandem's last published value, every write after a
sale would be refused as stale and "corrected" downwards (contract/shopify_inventory.py).

So per target (shop, Shopify location GID) the state keeps `expected_targets`: the value last
published there, moved by each Shopify-side movement the actor applies. A movement is the change
in an order's *footprint* (the units Shopify holds taken for it, per NetSuite location: its lines
minus their restocked refunds) from before a message to after it. Only what the message changed in
the state counts: a redelivered, duplicated or older message changes nothing, so it moves nothing,
and a refund that arrives before its line moves Shopify once the line (and so its location) is known.

Deliberately not followed:
- a message without a shop (sent before messages carried one): nothing to attribute it to;
- holds: Shopify reserves nothing at checkout (reference/shopify.md §7) and `/pos/holds` cannot say
  whether a device's hold reserved units in Shopify, so a hold is Tandem's own bookkeeping. The
  two mistakes are not alike: following a hold Shopify did not make would expect the lowered
  value, skip the write (Tandem's value is lowered by the hold too) and leave Shopify selling the
  held units; not following one it did make costs one drift and the writer's conservative
  correction. (The demo's traffic generator reserves in the emulator too: there a hold's first
  write is one drift, the writer subtracts the held units once more, and the value is exact again
  once the hold turns into an order or expires.)
- a bundle's component lines: Tandem writes a bundle's own value to its own Shopify item
  (actors/bundle.py), so a bundle sale takes that item's units, not the components';
- a cancellation as such: what Shopify puts back comes as the cancel's refund (restock `cancel`);
- a parked message applied later on Resync: by then the writer has met the movement as drift and
  re-read Shopify;
- where Shopify fills a web order beyond what the translation says: in a shop whose storefronts
  sell from several locations, a web line arrives in parts, one per location, with the units
  Shopify holds there (contract/shopify_orders.py, "Split lines"), so its footprint is followed
  there. Without that read (one online location, or a router with no Shopify client) a web line
  counts at the shop's web location, and units Shopify takes elsewhere show as drift there.
"""

from __future__ import annotations

from typing import Any

import msgspec

from actors.behaviour import Effect
from actors.sku import transitions
from actors.sku.availability import target_key
from actors.sku.expected import expected_at
from actors.sku.state import OrderDemand, SkuState
from actors.sku_messages import OrderCancelled, OrderLine, Refund
from contract.config import Contract

ShopifyOrderMessage = OrderLine | OrderCancelled | Refund
UNKNOWN = 1 << 40  # a location never written may hold anything (pool_gate.py)


def footprint(order: OrderDemand | None) -> dict[str, int]:
    """Units of this SKU's Shopify item taken for this order, per NetSuite location (lines −
    restocked refunds; lines sold as a bundle took the bundle's item instead)."""
    taken: dict[str, int] = {}
    if order is None:
        return taken
    for line in order.lines.values():
        if line.bundle is None:
            taken[line.location] = taken.get(line.location, 0) + line.quantity
    for refund_lines in order.refunds.values():
        for refund_line in refund_lines:
            refunded = order.lines.get(refund_line.line_id)
            if refund_line.restock and refunded is not None and refunded.bundle is None:
                taken[refunded.location] = taken.get(refunded.location, 0) - refund_line.quantity
    return taken


def available_moves(before: OrderDemand | None, after: OrderDemand | None) -> dict[str, int]:
    """How Shopify's `available` moved per NetSuite location between two states of one order."""
    old, new = footprint(before), footprint(after)
    moves = {location: old.get(location, 0) - new.get(location, 0) for location in {*old, *new}}
    return {location: delta for location, delta in moves.items() if delta}


def with_available_moved(contract: Contract, state: SkuState, shop: str, moves: dict[str, int]) -> SkuState:
    """State whose expected values follow `moves` at the shop's Shopify locations it published to."""
    expected = dict(state.expected_targets)
    unconfirmed = dict(state.unconfirmed)
    for location_id, delta in sorted(moves.items()):
        location = contract.location(location_id)
        gid = location.shopify.get(shop) if location is not None else None
        if gid is None:
            continue  # not a location of this shop: Shopify holds nothing Tandem writes there
        key = target_key(shop, gid)
        current = expected_at(state, key)
        if current is not None:  # never published there: no compare to keep yet
            expected[key] = current + delta
        held = unconfirmed.get(key)
        if held is not None and held.value < UNKNOWN:  # a lowered value's old height moves too
            unconfirmed[key] = msgspec.structs.replace(held, value=held.value + delta)
    return msgspec.structs.replace(state, expected_targets=expected, unconfirmed=unconfirmed)


def apply_following_shopify(
    contract: Contract, state: SkuState, payload: Any, now: float
) -> tuple[SkuState, list[Effect]]:
    """Apply a message (transitions.apply) and move the expected values by what it did in Shopify."""
    if not isinstance(payload, ShopifyOrderMessage) or payload.shop is None:
        return transitions.apply(state, payload, now)
    before = state.orders.get(payload.order_id)
    state, effects = transitions.apply(state, payload, now)
    moves = available_moves(before, state.orders.get(payload.order_id))
    if moves:
        state = with_available_moved(contract, state, payload.shop, moves)
    return state, effects
