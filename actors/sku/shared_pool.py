"""Splitting a shared location's free units between the channels that sell from it
(`inventory.shared_locations = "split"`; "whole", the default, gives each channel all of it).

DESIGN §5 gives every channel the whole of each location it sells from. When two storefronts in
different shops share a warehouse, each Shopify then shows all of it and sells it down on its own:
until Tandem has heard of one shop's sale (webhook, turn, write) the other shop still offers the same
units. In the flash-sale bench that race was most of Tandem's oversold units.

The remedy: each channel that claims a location gets a share of the location's free units (and of
its in-transit), the shares adding up to no more than the location holds, so that each Shopify
enforces its own share and a sale one shop made, unheard of yet, cannot take units another shop
shows. A location in deficit is the whole deficit for every claimant (it must not add to any).
The cost: one channel cannot sell another's share until the next turn rebalances them, so a shop
may refuse the last unit while the other still shows it.

Shares are recomputed from the current free units at every turn, so a sale in one shop also lowers
the other's share (and raises the seller's back towards half of what is left). That rebalance would
leave a window for a race (the raise landing before the other shop's lower): pool_gate.py closes it
by raising a share only once the lowers it depends on are confirmed.
"""

from __future__ import annotations

from contract.config import Channel, Contract


def shares(free: int, claimants: int) -> list[int]:
    """`free` split over `claimants` as evenly as whole units allow, earlier claimants getting the
    remainder; a deficit (free < 0) is the whole deficit for each (no claimant may count on it)."""
    if claimants < 1:
        raise ValueError(f"claimants must be at least 1, got {claimants}")
    if free < 0:
        return [free] * claimants
    base, remainder = divmod(free, claimants)
    return [base + (1 if index < remainder else 0) for index in range(claimants)]


def claimants_of(contract: Contract, location: str) -> list[str]:
    """Names of the channels selling from `location`, in contract order."""
    return list(_claimants(contract).get(location, ()))


# Every turn asks for every location: computed once per contract (kept alive with its entry, so
# the id is never reused while cached).
_CACHE: dict[int, tuple[Contract, dict[str, tuple[str, ...]]]] = {}


def _claimants(contract: Contract) -> dict[str, tuple[str, ...]]:
    cached = _CACHE.get(id(contract))
    if cached is None or cached[0] is not contract:
        by_location: dict[str, list[str]] = {}
        for channel in contract.channels:
            for location in dict.fromkeys(channel.locations):
                by_location.setdefault(location, []).append(channel.name)
        cached = _CACHE[id(contract)] = (contract, {k: tuple(v) for k, v in by_location.items()})
    return cached[1]


def share_of(contract: Contract, channel: Channel, location: str, units: int) -> int:
    """What `channel` may count of `units` at `location`: all of them unless it shares it."""
    claimants = _claimants(contract).get(location, ())
    if channel.name not in claimants or len(claimants) < 2:
        return units
    return shares(units, len(claimants))[claimants.index(channel.name)]
