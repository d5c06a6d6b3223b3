"""Available-to-sell per channel and per Shopify location: the formula of DESIGN §5.

    available(C) = max(0, Σ_{L∈S} (on_hand − committed − pending − holds + [in_transit if C counts it]) − b)

A channel publishing to one Shopify location writes available(C) there. A channel publishing to
several (Shopify sums a storefront's locations) splits available(C) by where the stock is: each
location gets the positive part of what its mapped NetSuite locations contribute, taken in
`publish_to` order until available(C) is used up. So the published locations never add up to more
than available(C), even when one location is oversold (negative) and another is not.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from actors.sku.demand import NEVER_READ, holds_by_location, pending_by_location
from actors.sku.shared_pool import share_of
from actors.sku.state import SkuState
from actors.sku_messages import ChannelValue, TargetValue
from contract.config import Channel, Contract


class LocationNet(msgspec.Struct, frozen=True):
    """What a location can give: NetSuite's free stock minus Tandem-known demand; and its in-transit."""

    net: int
    in_transit: int


class Availability(msgspec.Struct, frozen=True):
    channels: tuple[ChannelValue, ...]  # in contract order
    targets: tuple[TargetValue, ...]  # in contract order


def target_key(shop: str, location_id: str) -> str:
    return f"{shop}|{location_id}"


def all_target_keys(contract: Contract) -> frozenset[str]:
    """Every Shopify location some channel publishes to, as target keys."""
    return frozenset(
        target_key(channel.shop, gid)
        for channel in contract.channels
        if channel.shop is not None
        for gid in channel.publish_to
    )


def location_nets(state: SkuState, now: float) -> dict[str, LocationNet]:
    """Per location known to the state: on_hand − committed − pending − holds, and in_transit."""
    pending = pending_by_location(state)
    held = holds_by_location(state, now)
    nets: dict[str, LocationNet] = {}
    for location in sorted({*state.stock, *pending, *held}):
        stock = state.stock.get(location, NEVER_READ)
        free = stock.on_hand - stock.committed - pending.get(location, 0) - held.get(location, 0)
        nets[location] = LocationNet(net=free, in_transit=stock.in_transit)
    return nets


def _contribution(channel: Channel, nets: Mapping[str, LocationNet], location: str) -> int:
    net = nets.get(location, LocationNet(0, 0))
    return net.net + (net.in_transit if channel.counts_in_transit else 0)


def channel_available(channel: Channel, buffer: int, nets: Mapping[str, LocationNet]) -> int:
    """available(C) for one channel with the given safety buffer."""
    total = sum(_contribution(channel, nets, location) for location in channel.locations)
    return max(0, total - buffer)


def split_over_targets(
    contract: Contract, channel: Channel, available: int, nets: Mapping[str, LocationNet]
) -> list[TargetValue]:
    """Per Shopify location of the channel's shop: its share of `available` (module docstring)."""
    if channel.shop is None or not channel.publish_to:
        return []
    if len(channel.publish_to) == 1:
        return [TargetValue(channel.name, channel.shop, channel.publish_to[0], available)]
    remaining = available
    values: list[TargetValue] = []
    for gid in channel.publish_to:
        raw = 0
        for location_id in channel.locations:
            location = contract.location(location_id)
            if location is not None and location.shopify.get(channel.shop) == gid:
                raw += _contribution(channel, nets, location_id)
        share = min(max(0, raw), remaining)
        remaining -= share
        values.append(TargetValue(channel.name, channel.shop, gid, share))
    return values


def shared_nets(
    contract: Contract, channel: Channel, nets: Mapping[str, LocationNet]
) -> dict[str, LocationNet]:
    """`nets` as `channel` counts them when shared locations are split (shared_pool.py)."""
    return {
        location: LocationNet(
            net=share_of(contract, channel, location, net.net),
            in_transit=share_of(contract, channel, location, net.in_transit),
        )
        for location, net in nets.items()
    }


def compute_availability(
    contract: Contract, state: SkuState, now: float, *, split_shared: bool = False
) -> Availability:
    """Every channel's and Shopify location's value for this SKU at `now` (channels NetSuite has read).

    With `split_shared`, a location several channels sell from is split between them (shared_pool.py).
    """
    every_net = location_nets(state, now)
    channels: list[ChannelValue] = []
    targets: list[TargetValue] = []
    for channel in contract.channels:
        if not any(location in state.stock for location in channel.locations):
            # NetSuite owns stock: until it has reported one of the channel's locations there is no
            # number to give. Writing 0 instead would take the whole catalog off sale at start-up.
            continue
        nets = shared_nets(contract, channel, every_net) if split_shared else every_net
        buffer = state.buffer_overrides.get(channel.name, channel.buffer)
        available = channel_available(channel, buffer, nets)
        channels.append(ChannelValue(channel.name, available))
        targets.extend(split_over_targets(contract, channel, available, nets))
    return Availability(tuple(channels), tuple(targets))
