"""A component's side of the kit split (actors/kit_split.py): set the kits' reserves aside, and tell
each kit what it may count on.

What a kit may count on is less than what was set aside while that is not sure to be in Shopify:
- the write that lowered the component's own item by the reserve may not have landed yet: until
  the writer confirms it (every write at a split location asks: TargetConfirmed), the kit counts on
  no more than it was told before, less the units of the kits sold since (those took them: the
  reserve the kit asks for again is refilled from units the item may still be showing);
- the component's item may have sold units the actor has not heard of (the writer's drift, reported
  with the confirmation and not yet explained by a sale heard since: pool_gate.unexplained): those
  units are gone, and they come off the kit's reserve.

At a location split between shops the pool gate counts, with the component's own item, what the
kits' items may still hold there (`kits_held`).
"""

from __future__ import annotations

import msgspec

from actors.kit_split import set_aside
from actors.sku.availability import Availability, all_target_keys, target_key
from actors.sku.demand import line_demand
from actors.sku.expected import unexplained
from actors.sku.shopify_expected import UNKNOWN
from actors.sku.state import SkuState
from actors.sku_messages import TargetValue
from contract.config import Contract

Reserved = dict[str, dict[str, int]]  # bundle SKU -> target key -> units it really got


def reserve_for_kits(
    contract: Contract, state: SkuState, availability: Availability
) -> tuple[Availability, Reserved]:
    """What this component's own items show once every kit containing it took its reserve (in
    contract order), and what each kit got per target."""
    bundles = [b.sku for b in contract.bundles_containing(state.sku)]
    got: Reserved = {bundle: {} for bundle in bundles}
    if not state.kit_reserves:
        return availability, got
    shown: list[TargetValue] = []
    for target in availability.targets:
        key = target_key(target.shop, target.location_id)
        wanted = [
            (bundle, state.kit_reserves[bundle].targets.get(key, 0))
            for bundle in bundles
            if bundle in state.kit_reserves
        ]
        left, took = set_aside(target.value, wanted)
        for bundle, units in took.items():
            got[bundle][key] = units
        shown.append(msgspec.structs.replace(target, value=left))
    return Availability(availability.channels, tuple(shown)), got


def reserved_values(availability: Availability, got: dict[str, int]) -> tuple[TargetValue, ...]:
    """One kit's reserves as the report's target values."""
    return tuple(
        msgspec.structs.replace(target, value=got[key])
        for target in availability.targets
        if (key := target_key(target.shop, target.location_id)) in got
    )


def reserves_to_report(
    contract: Contract, state: SkuState, got: Reserved
) -> tuple[SkuState, Reserved, bool]:
    """What each kit may count on per target now (module docstring), the state remembering it, and
    whether that changed since the last report."""
    reported: Reserved = {}
    reserves = dict(state.kit_reserves)
    changed = False
    for bundle, per_key in got.items():
        reserve = state.kit_reserves.get(bundle)
        told = reserve.reported if reserve is not None else {}
        kit = contract.bundle(bundle)
        per_kit = kit.components.get(state.sku, 1) if kit is not None else 1
        sold = kits_sold(contract, state, bundle, per_kit)
        sold_then = reserve.reported_sold if reserve is not None else {}
        now: dict[str, int] = {}
        for key, units in per_key.items():
            if key in state.unconfirmed:
                since = max(0, sold.get(key, 0) - sold_then.get(key, 0))
                units = min(units, max(0, told.get(key, 0) - per_kit * since))
            now[key] = max(0, units + unexplained(state, key))
        reported[bundle] = now
        # also a newer reserve that changed nothing: the kit waits to hear it was applied
        newer = now != told or (reserve is not None and reserve.reported_seq != reserve.seq)
        if reserve is not None and (newer or sold != sold_then):
            reserves[bundle] = msgspec.structs.replace(
                reserve, reported=now, reported_seq=reserve.seq, reported_sold=sold
            )
            changed = changed or newer
    return msgspec.structs.replace(state, kit_reserves=reserves), reported, changed


def split_keys(contract: Contract, sku: str) -> frozenset[str]:
    """Target keys where this component is split with its kits (every Shopify location a channel
    publishes to, as for any SKU): its writes there ask for confirmation."""
    return all_target_keys(contract) if contract.bundles_containing(sku) else frozenset()


def kits_held(contract: Contract, state: SkuState, pooled: frozenset[str]) -> dict[str, int]:
    """Units of this component the kits' items may hold at each pooled target right now: as many
    kits as the bundle says its item may hold (an unconfirmed lower counts at its old height), or as
    the kit was told it may count on, whichever is more; unknown before the bundle said. The pool
    gate adds them to the component's own ceilings (pool_gate.py)."""
    held: dict[str, int] = {}
    for bundle in contract.bundles_containing(state.sku):
        per_kit = bundle.components[state.sku]
        reserve = state.kit_reserves.get(bundle.sku)
        for key in pooled:
            if reserve is None:
                kits = UNKNOWN
            else:
                kits = max(reserve.holds.get(key, UNKNOWN), reserve.reported.get(key, 0) // per_kit)
            held[key] = held.get(key, 0) + per_kit * kits
    return held


def kits_sold(contract: Contract, state: SkuState, bundle: str | None, per_kit: int) -> dict[str, int]:
    """Kits sold that these order lines say, per target key: lines sold as `bundle` (a component's
    view), or the state's own item lines (None: the bundle actor's view of its kit), counted alike on
    both sides (cancellations and restocked refunds taken off), so the two can be compared."""
    units: dict[str, int] = {}
    for order in state.orders.values():
        if order.shop is None:
            continue
        for line_id, line in order.lines.items():
            location = contract.location(line.location) if line.bundle == bundle else None
            gid = location.shopify.get(order.shop) if location is not None else None
            if gid is not None:
                key = target_key(order.shop, gid)
                units[key] = units.get(key, 0) + line_demand(order, line_id, line)
    return {key: sold // per_kit for key, sold in units.items()}
