"""The drift check on Shopify's own `available` (DESIGN §2: Tandem is its only writer).

Shopify announces every change of a level (inventory_levels/update, via contract/shopify_levels.py).
Most are Tandem's own writes or sales the actor hears of anyway. A number *above* what the actor
expects there is one nothing of Tandem's explains — a hand edit in admin, another app, a restock
not yet heard of — and the store could sell units that are not there: the target is written again
at once (`verify`: sent even though the value is unchanged), compare-and-set against the expected
value, so the writer finds the difference, logs it with both values, counts it and overwrites it
(contract/shopify_inventory.replan_stale). A number
*below* it is left to the next write's compare: it is what a sale in flight looks like, and selling
less is the safe side.

Units the writer found *missing* at a pooled target (a shortfall, pool_gate.py) that no sale heard
since explains are looked at again a while later (`ShortfallRecheck`): Shopify takes units out of
`available` for a reservation (a draft order's `reserveInventoryUntil`, reference/shopify.md §7)
and puts them back when it lapses, and no webhook of an order ever explains those. The verify
row's compare finds them back, the writer drops that much of its known drift
(contract/shopify_inventory.replan_stale) and the confirmation clears the shortfall; without it
the pool would keep those units off sale until the next sale there.

Not drift, so not written: a location this SKU does not publish to; a pooled location whose lowered
value may still stand in Shopify until its write is confirmed (pool_gate.py), up to that old height;
and one of the last values we wrote there (`recent_targets`): Shopify echoes every write, often
after sales the actor has already heard of moved its expectation below it. (A hand edit to exactly
such a value is left to the next write's compare; an older echo costs one compare-and-set that
finds Shopify already holding the value.)
"""

from __future__ import annotations

from actors.sku.availability import target_key
from actors.sku.pool_gate import unexplained
from actors.sku.shopify_expected import expected_at
from actors.sku.state import SkuState
from actors.sku_messages import ShopifyLevelSeen, ShortfallRecheck


def targets_to_correct(state: SkuState, seen: ShopifyLevelSeen) -> frozenset[str]:
    """The target key to write again now, if Shopify shows more there than the actor can explain."""
    key = target_key(seen.shop, seen.location_id)
    expected = expected_at(state, key)
    if expected is None:  # never published there
        return frozenset()
    ceiling = state.unconfirmed.get(key)
    explained = max(expected, ceiling.value if ceiling is not None else expected)
    if seen.available <= explained or seen.available in state.recent_targets.get(key, ()):
        return frozenset()
    return frozenset({key})


def shortfall_to_recheck(state: SkuState, recheck: ShortfallRecheck) -> frozenset[str]:
    """The target to write again (verify) if units found missing there are still unexplained."""
    key = recheck.target
    if key not in state.published_targets or unexplained(state, key) >= 0:
        return frozenset()
    return frozenset({key})
