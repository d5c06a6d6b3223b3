"""Raising one shop's share of a shared location only once another shop's lower has landed.

With `inventory.shared_locations = "split"` (shared_pool.py) the shops selling from one NetSuite
location get shares that add up to no more than its free units. Shares move at every turn: a sale
in shop A lowers the free units, so A's share is refilled from B's. The two writes go to two shops'
writers and land in any order; if A's raise lands first, for a moment both A's new share and B's
old one stand in Shopify, and B can sell units A also offers. So per pool (the Shopify locations
showing one NetSuite location) the actor keeps, for every member, a *ceiling*: the most Shopify may
hold there now. That is the value it expects there (its last write, moved by the sales it has
seen), or higher while a lower is on its way: the value before it (moved by those sales too),
until the writer confirms the write (TargetConfirmed, applied in transitions.py). A location
never written holds whatever was there before: unknown.

    Σ ceilings over the pool ≤ Σ values computed for the pool (≤ the location's free units)

is kept by granting raises only out of the headroom between the two, in contract order; the rest
of a raise waits for a confirmation (or a sale) to free room, and the next turn grants it. Lowers
are always sent at once. Sales Tandem has not heard of lower Shopify and the real free units alike,
so the bound holds for what Shopify really shows too.

Only locations that are a target's sole source are pooled: a Shopify location showing the sum of
several NetSuite locations is split as before (availability.split_over_targets), ungated.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from actors.sku.availability import Availability, target_key
from actors.sku.expected import expected_at, unexplained
from actors.sku.shopify_expected import UNKNOWN
from actors.sku.state import Ceiling, Shortfall, SkuState
from contract.config import Contract

Pools = dict[str, tuple[str, ...]]  # NetSuite location id -> target keys of the shops showing it


def shared_pools(contract: Contract) -> Pools:
    """Per NetSuite location that two or more targets show as their only source: those targets."""
    pools: dict[str, list[str]] = {}
    for channel in contract.channels:
        if channel.shop is None:
            continue
        sources: dict[str, list[str]] = {}  # target GID -> the channel's locations mapped to it
        for location_id in channel.locations:
            location = contract.location(location_id)
            gid = location.shopify.get(channel.shop) if location is not None else None
            if gid is not None and gid in channel.publish_to:
                sources.setdefault(gid, []).append(location_id)
        for gid, locations in sources.items():
            if len(locations) == 1:
                key = target_key(channel.shop, gid)
                members = pools.setdefault(locations[0], [])
                if key not in members:
                    members.append(key)
    return {location: tuple(keys) for location, keys in pools.items() if len(keys) >= 2}


def pooled_keys(pools: Pools) -> frozenset[str]:
    return frozenset(key for keys in pools.values() for key in keys)


def ceiling(state: SkuState, key: str) -> int:
    """The most Shopify may hold at a target right now (module docstring)."""
    expected = expected_at(state, key)
    base = UNKNOWN if expected is None else expected
    held = state.unconfirmed.get(key)
    return base if held is None else max(base, held.value)


def gate_raises(
    pools: Pools, state: SkuState, availability: Availability, held_elsewhere: Mapping[str, int] | None = None
) -> Availability:
    """`availability` with each pooled raise cut to what fits under the pool's ceilings.

    Units a shop sold unheard beyond a lowered value (the writer's reported drift) are gone from
    the location though Shopify cannot show them below 0: they come off the capacity, and that
    shop's ceiling counts from them. The values are cut in what Shopify should really show, and
    given back in the actor's terms (those units added): the writer takes the same units off each
    row of that location (its known drift), and taking them off here too would hide them twice,
    until the sale's webhook explained them. `held_elsewhere`: units of this SKU that other
    Shopify items may hold at a target (a kit's, with kits split: kit_reserves.kits_held), on top
    of its own.
    """
    extra = held_elsewhere or {}
    if not pools:
        return availability
    targets = list(availability.targets)
    index = {target_key(t.shop, t.location_id): i for i, t in enumerate(targets)}
    for keys in pools.values():
        missing = {key: -unexplained(state, key) for key in keys}
        capacity = sum(targets[index[key]].value for key in keys if key in index) - sum(missing.values())
        ceilings = {key: max(0, ceiling(state, key) - missing[key]) + extra.get(key, 0) for key in keys}
        headroom = capacity - sum(ceilings.values())
        for key in keys:
            if key not in index:
                continue
            target = targets[index[key]]
            if target.value <= ceilings[key]:
                continue  # a lower, or a raise within what may stand there anyway: costs no room
            granted = min(target.value, ceilings[key] + max(0, headroom))
            headroom -= max(0, granted - ceilings[key])
            targets[index[key]] = msgspec.structs.replace(target, value=granted)
        for key in keys:
            if key in index and missing[key]:
                # what Shopify should show, in the actor's terms: the writer takes its known drift
                # (these same units) off every row of this key, so they are added back here
                target = targets[index[key]]
                targets[index[key]] = msgspec.structs.replace(target, value=target.value + missing[key])
    return msgspec.structs.replace(availability, targets=tuple(targets))


def held_until_confirmed(state: SkuState, key: str, value: int, cause_id: str) -> Ceiling:
    """The ceiling to keep once a write of `value` to pooled `key` is sent, until it is confirmed.
    Every pooled write asks: its confirmation also brings the writer's drift (units sold unheard)."""
    return Ceiling(value=max(ceiling(state, key), value), last_cause=cause_id)


def rebased(state: SkuState, key: str, value: int) -> Shortfall | None:
    """The target's shortfall as of a new value published there (what is unexplained now)."""
    missing = unexplained(state, key)
    if missing >= 0:
        return None
    old = state.shortfalls.get(key)
    return Shortfall(drift=missing, published=value, since=old.since if old is not None else None)
