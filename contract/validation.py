"""Checks of the contract that span fields: references between sections, uniqueness, dict entries.

Each check yields `Issue(key, problem)` with the key spelled as in the file (`channels[1].locations[0]`),
so an integrator can go straight to the line. All issues are collected, not just the first.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from typing import get_args

import msgspec

from contract.config import Channel, Contract
from contract.ownership import DEFAULT_OWNERSHIP, FIXED_OWNERSHIP, Owner

_GID = re.compile(r"^gid://shopify/Location/[0-9]+$")
_OWNERS: tuple[str, ...] = get_args(Owner)


class Issue(msgspec.Struct, frozen=True):
    key: str
    problem: str


def find_issues(contract: Contract) -> list[Issue]:
    """Every cross-field problem in the contract, in file order."""
    return [
        *_time_zone(contract),
        *_duplicates(contract),
        *_location_map(contract),
        *(issue for i, channel in enumerate(contract.channels) for issue in _channel(contract, i, channel)),
        *_publish_targets_unique(contract),
        *_bundles(contract),
        *_ownership(contract),
    ]


def _time_zone(contract: Contract) -> Iterator[Issue]:
    try:
        zoneinfo.ZoneInfo(contract.netsuite.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield Issue("netsuite.time_zone", f"expected an IANA time zone like America/New_York, "
                    f"got {contract.netsuite.time_zone!r}")


def _duplicates(contract: Contract) -> Iterator[Issue]:
    sections: list[tuple[str, str, list[str]]] = [
        ("shops", "name", [s.name for s in contract.shops]),
        ("locations", "netsuite_id", [loc.netsuite_id for loc in contract.locations]),
        ("channels", "name", [c.name for c in contract.channels]),
        ("bundles", "sku", [b.sku for b in contract.bundles]),
    ]
    for section, field, values in sections:
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                yield Issue(f"{section}[{i}].{field}", f"duplicate {value!r}: each must be unique")
            seen.add(value)


def _location_map(contract: Contract) -> Iterator[Issue]:
    shops = [s.name for s in contract.shops]
    first_with: dict[tuple[str, str], int] = {}  # (shop, gid) -> index of the first location mapped to it
    for i, location in enumerate(contract.locations):
        for shop, gid in location.shopify.items():
            key = f"locations[{i}].shopify.{shop}"
            if shop not in shops:
                yield Issue(key, f"unknown shop {shop!r} (known: {', '.join(shops)})")
            if not _GID.match(gid):
                yield Issue(key, f"expected a Shopify location GID (gid://shopify/Location/1), got {gid!r}")
            first = first_with.setdefault((shop, gid), i)
            # Several NetSuite locations may feed one Shopify location (published as their sum), but a
            # POS sale there must map back to exactly one NetSuite location.
            if first != i and (location.pos or contract.locations[first].pos):
                yield Issue(key, f"{gid} is also mapped from locations[{first}]; a POS location's Shopify "
                            "location must be its own")


def _channel(contract: Contract, i: int, channel: Channel) -> Iterator[Issue]:
    key = f"channels[{i}]"
    known_shops = [s.name for s in contract.shops]
    if channel.shop is None:
        if channel.kind != "marketplace" or channel.publish_to:
            yield Issue(f"{key}.shop", f"required for a {channel.kind} channel that publishes to Shopify")
    elif channel.shop not in known_shops:
        yield Issue(f"{key}.shop", f"unknown shop {channel.shop!r} (known: {', '.join(known_shops)})")
    yield from _channel_locations(contract, key, channel)
    if channel.kind in ("storefront", "pos") and not channel.publish_to:
        yield Issue(f"{key}.publish_to", f"expected a Shopify location for a {channel.kind} channel")
    if channel.shop in known_shops:
        yield from _channel_targets(contract, key, channel)


def _channel_locations(contract: Contract, key: str, channel: Channel) -> Iterator[Issue]:
    known = [loc.netsuite_id for loc in contract.locations]
    for j, netsuite_id in enumerate(channel.locations):
        location = contract.location(netsuite_id)
        if location is None:
            yield Issue(f"{key}.locations[{j}]",
                        f"unknown NetSuite location {netsuite_id!r} (known: {', '.join(known)})")
        elif channel.kind == "pos" and not location.pos:
            yield Issue(f"{key}.locations[{j}]",
                        f"a pos channel sells from POS locations; {netsuite_id!r} has pos = false")
        if netsuite_id in channel.locations[:j]:
            yield Issue(f"{key}.locations[{j}]", f"duplicate location {netsuite_id!r}")


def _channel_targets(contract: Contract, key: str, channel: Channel) -> Iterator[Issue]:
    assert channel.shop is not None
    shop_gids = {loc.shopify[channel.shop] for loc in contract.locations if channel.shop in loc.shopify}
    for j, gid in enumerate(channel.publish_to):
        if gid not in shop_gids:
            yield Issue(f"{key}.publish_to[{j}]",
                        f"{gid} is not mapped to any location of shop {channel.shop!r} in [[locations]]")
    if len(channel.publish_to) < 2:
        return
    # With several targets each channel location must feed exactly one of them (its mapped GID),
    # otherwise its stock would be published nowhere or twice.
    for j, netsuite_id in enumerate(channel.locations):
        location = contract.location(netsuite_id)
        if location is not None and location.shopify.get(channel.shop) not in channel.publish_to:
            yield Issue(f"{key}.locations[{j}]",
                        f"location {netsuite_id!r} is not mapped to any of this channel's publish_to "
                        f"locations in shop {channel.shop!r}")


def _publish_targets_unique(contract: Contract) -> Iterator[Issue]:
    # Shopify holds one `available` per item and location: two channels writing it would fight.
    owners: dict[tuple[str, str], str] = {}
    for i, channel in enumerate(contract.channels):
        for j, gid in enumerate(channel.publish_to):
            target = (channel.shop or "", gid)
            if target in owners:
                yield Issue(f"channels[{i}].publish_to[{j}]",
                            f"{gid} in shop {channel.shop!r} is already published by "
                            f"channel {owners[target]!r}")
            else:
                owners[target] = channel.name


def _bundles(contract: Contract) -> Iterator[Issue]:
    bundle_skus = {b.sku for b in contract.bundles}
    for i, bundle in enumerate(contract.bundles):
        if not contract.sku_allowed(bundle.sku):
            yield Issue(f"bundles[{i}].sku", f"{bundle.sku!r} is not allowed by catalog.allowed_skus")
        for component, quantity in bundle.components.items():
            key = f"bundles[{i}].components.{component}"
            if not isinstance(quantity, int) or quantity <= 0:
                yield Issue(key, f"expected int > 0 units per bundle, got {quantity!r}")
            if component == bundle.sku:
                yield Issue(key, "a bundle cannot contain itself")
            elif component in bundle_skus:
                yield Issue(key, f"{component!r} is itself a bundle; nested bundles are not supported")
            elif not contract.sku_allowed(component):
                yield Issue(key, f"{component!r} is not allowed by catalog.allowed_skus")


def _ownership(contract: Contract) -> Iterator[Issue]:
    for data, owner in contract.ownership.items():
        key = f"ownership.{data}"
        if data not in DEFAULT_OWNERSHIP:
            yield Issue(key, f"unknown data {data!r} (known: {', '.join(DEFAULT_OWNERSHIP)})")
        elif owner not in _OWNERS:
            yield Issue(key, f"expected one of {', '.join(_OWNERS)}, got {owner!r}")
        elif data in FIXED_OWNERSHIP and owner != DEFAULT_OWNERSHIP[data]:
            yield Issue(key, f"{data} is always owned by {DEFAULT_OWNERSHIP[data]}: the inventory model "
                        "depends on it (DESIGN §2, §5)")
