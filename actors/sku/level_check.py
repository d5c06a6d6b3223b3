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

A run of unexplained units is looked at again after as long as it has lasted (2 s, then up to a
minute) and given up after SHORTFALL_GIVE_UP_S (`give_up_shortfall`): by then the reconciler has
brought any sale whose webhooks never came, so what is still missing is no sale but a write that
took away units Shopify had given back before the actor heard of it (a lapse or restock heard
late). Shopify's value becomes the expected one and a verify row writes the target again; without
that the units stayed off sale for good. Never while a hold of that shop lives there: Shopify may
hold its units reserved, and gives them back on its own when it lapses (`held_targets`). When such
a hold ends, what is missing there is a new run, and the target is written again a while after
(`hold_ended`): the units a lapse gave back are found at once, not after a minute's backoff.

Not drift, so not written: a location this SKU does not publish to; a pooled location whose lowered
value may still stand in Shopify until its write is confirmed (pool_gate.py), up to that old height;
and one of the last values we wrote there (`recent_targets`): Shopify echoes every write, often
after sales the actor has already heard of moved its expectation below it. (A hand edit to exactly
such a value is left to the next write's compare; an older echo costs one compare-and-set that
finds Shopify already holding the value.)
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec

from actors.behaviour import StartTimer
from actors.sku.availability import target_key
from actors.sku.expected import expected_at, unexplained
from actors.sku.state import Hold, SkuState
from actors.sku.transitions import SHORTFALL_GIVE_UP_S
from actors.sku_messages import ShopifyLevelSeen, ShortfallRecheck
from contract.config import Contract


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
    if key not in state.published_targets or (unexplained(state, key) >= 0 and not recheck.verify):
        return frozenset()
    return frozenset({key})


def give_up_shortfall(
    state: SkuState, recheck: ShortfallRecheck, now: float, held: Collection[str] = ()
) -> SkuState:
    """State that expects Shopify's own value at the target, if its units have been unexplained
    for SHORTFALL_GIVE_UP_S (module docstring) and no hold lives there (`held`: `held_targets`);
    the verify row shortfall_to_recheck asks for then writes the target with that compare (the
    writer gives back its known drift)."""
    key = recheck.target
    shortfall = state.shortfalls.get(key)
    missing = unexplained(state, key)
    expected = expected_at(state, key)
    if shortfall is None or shortfall.since is None or missing >= 0 or expected is None:
        return state
    if key in held:
        return state
    if now - shortfall.since < SHORTFALL_GIVE_UP_S:
        return state
    shortfalls = {k: v for k, v in state.shortfalls.items() if k != key}
    return msgspec.structs.replace(
        state, shortfalls=shortfalls, expected_targets={**state.expected_targets, key: expected + missing}
    )


# Long enough for Shopify to have let the hold lapse on its own clock (its sweep), so the verify row
# does not meet the units still reserved.
HOLD_END_CHECK_S = 2.0


def hold_target(contract: Contract, hold: Hold) -> str | None:
    """The target key of the Shopify location where a hold's shop holds it (None: none known)."""
    location = contract.location(hold.location)
    gid = location.shopify.get(hold.shop) if location is not None and hold.shop is not None else None
    return None if gid is None or hold.shop is None else target_key(hold.shop, gid)


def held_targets(contract: Contract, state: SkuState, now: float) -> frozenset[str]:
    """Target keys where a live hold's shop may hold its units reserved."""
    keys = (hold_target(contract, hold) for hold in state.holds.values() if hold.expires_at > now)
    return frozenset(key for key in keys if key is not None)


def hold_ended(state: SkuState, key: str, now: float) -> tuple[SkuState, StartTimer]:
    """A hold of the shop at `key` ended: whatever is missing there is a new run (a reservation's
    units come back, or an order's line explains them), and the target is written again a while
    after (a verify row: module docstring)."""
    timer = StartTimer(
        timer_id=f"hold_end:{key}",
        at=now + HOLD_END_CHECK_S,
        payload=ShortfallRecheck(target=key, verify=True),
    )
    shortfall = state.shortfalls.get(key)
    if shortfall is None or shortfall.since is None:
        return state, timer
    fresh = msgspec.structs.replace(shortfall, since=None)
    return msgspec.structs.replace(state, shortfalls={**state.shortfalls, key: fresh}), timer
