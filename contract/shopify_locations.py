"""Shopify locations as the contract maps them, and where a web order line counts (pure).

The rules, with their why, are contract/shopify_orders.py's ("Location", "Split lines"); this module
holds the location lookups they use, so the translation module stays about order bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from contract.config import Contract

SHOPIFY_LOCATION_GID = "gid://shopify/Location/{}"
Id = int | str  # REST ids are numbers; accept strings too so a hand-made body is not rejected for it


def location_gid(location_id: Id) -> str:
    """A REST numeric location id (or a GID already) as the GID the contract maps."""
    text = str(location_id)
    return text if text.startswith("gid://") else SHOPIFY_LOCATION_GID.format(text)


def unmapped_location(shop: str, shopify_location: str) -> str:
    """The location of a message whose Shopify location the contract does not map (parked by the actor)."""
    return f"unmapped:{shop}:{shopify_location}"


def netsuite_location(contract: Contract, shop: str, shopify_location: Id) -> str:
    """The NetSuite location id mapped to a Shopify location of `shop`, else an unmapped marker."""
    gid = location_gid(shopify_location)
    for location in contract.locations:
        if location.shopify.get(shop) == gid:
            return location.netsuite_id
    return unmapped_location(shop, gid)


def web_location(contract: Contract, shop: str) -> str:
    """Where a web order's demand counts (see the module docstring for why)."""
    mapped = {loc.netsuite_id for loc in contract.locations if shop in loc.shopify}
    for channel in contract.channels:
        if channel.kind == "storefront" and channel.shop == shop:
            for netsuite_id in channel.locations:
                if netsuite_id in mapped:
                    return netsuite_id
    for location in contract.locations:
        if shop in location.shopify and not location.pos:
            return location.netsuite_id
    return unmapped_location(shop, "web")


def split_locations(contract: Contract, shop: str) -> list[str]:
    """Shopify location GIDs the shop's storefront channels sell from, the web location's first."""
    gids: list[str] = []
    for channel in contract.channels:
        if channel.kind != "storefront" or channel.shop != shop:
            continue
        for netsuite_id in channel.locations:
            location = contract.location(netsuite_id)
            gid = location.shopify.get(shop) if location is not None else None
            if gid is not None and gid not in gids:
                gids.append(gid)
    return gids


class LinePart(NamedTuple):
    suffix: str  # "" for the main part (the line's own id), else "@<Shopify location GID>"
    location: str  # NetSuite location id (or an unmapped marker)
    quantity: int


def line_parts(contract: Contract, shop: str, quantity: int, taken: Mapping[str, int]) -> list[LinePart]:
    """A web line's `quantity` split by where Shopify holds its units taken (`taken`: units per
    Shopify location GID); the rule is contract/shopify_orders.py's "Split lines"."""
    candidates = split_locations(contract, shop)
    units = {gid: count for gid, count in taken.items() if count > 0}
    ranked = [*candidates, *(gid for gid in units if gid not in candidates)]
    main = candidates[0]
    if units and not units.get(main):
        # max() keeps the first of equals: the contract's order, then Shopify's.
        main = max(ranked, key=lambda gid: units.get(gid, 0))
    left = quantity - min(units.get(main, 0), quantity)
    shares = []
    for gid in candidates[1:]:
        share = 0 if gid == main else min(units.get(gid, 0), left)
        left -= share
        shares.append(LinePart(f"@{gid}", netsuite_location(contract, shop, gid), share))
    rest = quantity - sum(share.quantity for share in shares)
    return [LinePart("", netsuite_location(contract, shop, main), rest), *shares]


def resolve_location(contract: Contract, shop: str, given: str) -> str:
    """A POS/hold location given as a NetSuite id or a Shopify location GID, as a NetSuite id."""
    if contract.location(given) is not None:
        return given
    return netsuite_location(contract, shop, given)
