"""The bundle actor: a bundle's availability is the minimum over its components (DESIGN §5).

With `inventory.kits = "split"` it also shares each Shopify location's units between the kit and
its components (actors/kit_split.py): it asks the components to set the kit's share aside
(`KitReserve`) and shows no more kits than they report set aside.

Each component's SKU actor sends its current per-channel and per-Shopify-location values here.
For every channel (and location) the bundle can sell min over components of
floor(component value / units per bundle); a component that has not reported yet counts as 0.
Values are published like a SKU's: only when they change, with the previous value for
compare-and-set. Orders for a bundle are demand on its components (the gateway explodes them), so
this actor holds no stock of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from actors.behaviour import Effect, Emit, Send
from actors.kit_split import kit_share, kit_value, kits_from
from actors.sku.availability import Availability, all_target_keys, target_key
from actors.sku.demand import PRUNE_EVERY_S
from actors.sku.expected import unexplained
from actors.sku.kit_reserves import kits_sold
from actors.sku.level_check import shortfall_to_recheck
from actors.sku.pool_gate import ceiling, pooled_keys, shared_pools
from actors.sku.publishing import Cause, publish_changes
from actors.sku.shopify_expected import apply_following_shopify
from actors.sku.state import Ceiling, OrderDemand, Shortfall, SkuState
from actors.sku.transitions import target_confirmed
from actors.sku_messages import (
    BUNDLE_KIND,
    SKU_KIND,
    BundleMessage,
    ChannelValue,
    ComponentAvailability,
    KitReserve,
    MessageParked,
    OrderCancelled,
    OrderLine,
    Refund,
    Resync,
    ShortfallRecheck,
    TargetConfirmed,
    TargetValue,
)
from bus.envelope import Envelope, payload_type_name
from bus.subjects import ALERTS
from contract.config import Bundle, Channel, Contract

DAY_S = 86_400.0


class ComponentReport(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    channels: dict[str, int]
    targets: dict[str, int]  # by target_key(shop, location_id), before any kit's reserve
    reserved: dict[str, int] = {}  # by target key: what it set aside for this kit (kits "split")
    reserve_seq: int = 0  # the KitReserve that reserve follows
    kits_sold: dict[str, int] = {}  # by target key: kits it has heard were sold there


class ParkedReport(msgspec.Struct, frozen=True, kw_only=True):
    reason: str
    message_id: str
    payload: ComponentAvailability


class BundleState(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    components: dict[str, ComponentReport] = {}
    published_channels: dict[str, int] = {}
    published_targets: dict[str, int] = {}
    parked: list[ParkedReport] = []
    shares: dict[str, int] = {}  # target key -> the kits last asked of the components (split)
    reserve_seq: int = 0
    # KitReserve seq (as text) -> the shares it asked, while some component has not applied it yet:
    # on its way there, each of them moves that component's reserve, down too.
    asks: dict[str, dict[str, int]] = {}
    # At locations split between shops: the kit's writes not confirmed yet, as for a SKU
    # (pool_gate.py), and the holds last told to the components (KitReserve.holds).
    unconfirmed: dict[str, Ceiling] = {}
    holds: dict[str, int] = {}
    # With kits split, what its own Shopify item sold (the kit's order lines, as a SKU follows its
    # item: shopify_expected.py), so its compare is what Shopify holds and the kits its writer finds
    # sold unheard (shortfalls) stay set aside until the components hear of them.
    orders: dict[str, OrderDemand] = {}
    expected_targets: dict[str, int] = {}
    shortfalls: dict[str, Shortfall] = {}
    pruned_at: float = 0.0


bundle_value = kits_from  # min over components of floor(value / units per bundle); unknown counts as 0


class BundleBehaviour:
    """Behaviour of the `bundle` actor kind."""

    kind = BUNDLE_KIND
    message_type = BundleMessage
    state_type = BundleState

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.split_kits = contract.inventory.kits == "split"  # actors/kit_split.py
        split_pools = contract.inventory.shared_locations == "split"
        self._pooled = pooled_keys(shared_pools(contract)) if split_pools else frozenset()
        self._all_keys = all_target_keys(contract)
        self._retention_s = contract.inventory.order_retention_days * DAY_S

    def initial(self, key: str) -> BundleState:
        return BundleState(sku=key)

    def decide(self, state: BundleState, message: Envelope[Any]) -> tuple[BundleState, Sequence[Effect]]:
        payload = message.payload
        timers: list[Effect] = []
        rewrite: frozenset[str] = frozenset()
        bundle = self.contract.bundle(state.sku)
        if isinstance(payload, ComponentAvailability):
            reason = self._park_reason(bundle, payload)
            if reason is not None:
                return self._park(state, message, payload, reason)
            state = _with_report(state, payload)
            if bundle is not None:
                state = _without_applied_asks(bundle, state)
        elif isinstance(payload, Resync):
            state = self._retry_parked(bundle, state)
        elif isinstance(payload, TargetConfirmed):
            view, timers = target_confirmed(_view(state), payload, message.time)  # shortfall rechecks
            state = _from_view(state, view)
        elif isinstance(payload, ShortfallRecheck):
            # as a SKU's (level_check.py), never given up: the kit's holds live at its components
            rewrite = shortfall_to_recheck(_view(state), payload)
        elif isinstance(payload, OrderLine | OrderCancelled | Refund):
            view, _ = apply_following_shopify(self.contract, _view(state), payload, message.time)
            state = _without_old_orders(_from_view(state, view), message.time, self._retention_s)
        if bundle is None:
            return state, timers
        resync = isinstance(payload, Resync)
        availability = self.availability(bundle, state)
        confirm = self._all_keys if self.split_kits else frozenset()
        state, effects = _publish(self.contract, state, availability, Cause(message.time, message.id),
                                  force=resync, pooled=confirm, rewrite=rewrite)
        effects = [*timers, *effects]
        if self.split_kits:
            # after the kit's own writes: a share that fell is lowered before components release it
            state, reserves = self._ask_reserves(bundle, state, force=resync)
            effects = [*effects, *reserves]
        return state, effects

    def availability(self, bundle: Bundle, state: BundleState) -> Availability:
        """The bundle's values for every channel and Shopify location any component reported."""
        channels: list[ChannelValue] = []
        targets: list[TargetValue] = []
        # kits its own item sold, per location: counted once a turn (kits_sold visits every order)
        sold = kits_sold(self.contract, _view(state), None, 1) if self.split_kits else {}
        for channel in self.contract.channels:
            reported = [r.channels.get(channel.name) for r in state.components.values()]
            if not any(value is not None for value in reported):
                continue  # no component has a value for this channel yet
            values = {sku: _channel_of(state, sku, channel.name) for sku in bundle.components}
            channels.append(ChannelValue(channel.name, bundle_value(bundle, values)))
            targets.extend(self._target_values(bundle, state, channel, sold))
        return Availability(tuple(channels), tuple(targets))

    def _target_values(
        self, bundle: Bundle, state: BundleState, channel: Channel, sold: dict[str, int]
    ) -> list[TargetValue]:
        # Per Shopify location the same minimum. The components' shares of a channel add up to at
        # most their channel value, so the bundle's shares add up to at most the bundle's channel
        # value. Split with the components there: the kit's share, as far as they set it aside.
        if channel.shop is None:
            return []
        values: list[TargetValue] = []
        for gid in channel.publish_to:
            key = target_key(channel.shop, gid)
            per_component = {sku: _target_of(state, sku, key) for sku in bundle.components}
            value = bundle_value(bundle, per_component)
            if self.split_kits:
                reserved = {
                    sku: _counted_on(bundle, state, sku, key, sold.get(key, 0)) for sku in bundle.components
                }
                value = kit_value(bundle, kit_share(value), reserved)
            values.append(TargetValue(channel.name, channel.shop, gid, value))
        return values

    def _ask_reserves(
        self, bundle: Bundle, state: BundleState, *, force: bool
    ) -> tuple[BundleState, list[Effect]]:
        """Tell every component what to set aside for the kit where its share changed (kit_split.py)."""
        shares: dict[str, int] = {}
        for channel in self.contract.channels:
            for gid in channel.publish_to if channel.shop is not None else ():
                key = target_key(channel.shop, gid)
                if self.split_kits and key not in shares:
                    per_component = {sku: _target_of(state, sku, key) for sku in bundle.components}
                    shares[key] = kit_share(bundle_value(bundle, per_component))
        # Set aside no less than the kit's item may still hold (a lower released only once confirmed,
        # never written: unknown), and the kits its writer found sold that no kit sale heard explains:
        # the components may not have heard of them either, and those units are gone.
        view = _view(state)
        asked = {key: max(kits, ceiling(view, key)) - unexplained(view, key) for key, kits in shares.items()}
        holds = {key: ceiling(view, key) for key in shares if key in self._pooled}
        if (asked, holds) == (state.shares, state.holds) and not force:
            return state, []
        seq = state.reserve_seq + 1
        sends: list[Effect] = [
            Send(kind=SKU_KIND, key=sku, payload=KitReserve(
                bundle=bundle.sku, seq=seq, targets={key: units * kits for key, kits in asked.items()},
                holds=holds))
            for sku, units in bundle.components.items()
        ]
        asks = {**state.asks, str(seq): asked}
        state = msgspec.structs.replace(state, shares=asked, holds=holds, reserve_seq=seq, asks=asks)
        return state, sends

    def _park_reason(self, bundle: Bundle | None, report: ComponentAvailability) -> str | None:
        if bundle is None:
            return "not a bundle in the contract's [[bundles]]"
        if report.component not in bundle.components:
            return f"{report.component!r} is not a component of this bundle"
        return None

    def _retry_parked(self, bundle: Bundle | None, state: BundleState) -> BundleState:
        """Apply parked reports the contract now accepts (after the bundle was configured)."""
        still_parked: list[ParkedReport] = []
        for parked in state.parked:
            if self._park_reason(bundle, parked.payload) is None:
                state = _with_report(state, parked.payload)
            else:
                still_parked.append(parked)
        return msgspec.structs.replace(state, parked=still_parked)

    def _park(
        self, state: BundleState, message: Envelope[Any], report: ComponentAvailability, reason: str
    ) -> tuple[BundleState, list[Effect]]:
        if any(p.message_id == message.id for p in state.parked):
            return state, []
        parked = ParkedReport(reason=reason, message_id=message.id, payload=report)
        alert = MessageParked(kind=self.kind, key=state.sku, reason=reason, message_id=message.id,
                              message_type=payload_type_name(report))
        state = msgspec.structs.replace(state, parked=[*state.parked, parked])
        return state, [Emit(subject=ALERTS, key=state.sku, payload=alert)]


def _with_report(state: BundleState, report: ComponentAvailability) -> BundleState:
    known = state.components.get(report.component)
    if known is not None and report.seq <= known.seq:
        return state  # late or redelivered: an older picture of the component
    fresh = ComponentReport(
        seq=report.seq,
        channels={v.channel: v.value for v in report.channels},
        targets={target_key(t.shop, t.location_id): t.value for t in report.targets},
        reserved={target_key(t.shop, t.location_id): t.value for t in report.reserved},
        reserve_seq=report.reserve_seq,
        kits_sold={target_key(t.shop, t.location_id): t.value for t in report.kits_sold},
    )
    return msgspec.structs.replace(state, components={**state.components, report.component: fresh})


def _channel_of(state: BundleState, sku: str, channel: str) -> int | None:
    report = state.components.get(sku)
    return None if report is None else report.channels.get(channel)


def _target_of(state: BundleState, sku: str, key: str) -> int | None:
    report = state.components.get(sku)
    return None if report is None else report.targets.get(key)


def _counted_on(bundle: Bundle, state: BundleState, sku: str, key: str, sold: int) -> int | None:
    """What the kit may count on `sku` having set aside at `key`: its report, less the kits it had
    not heard were sold (of the `sold` the bundle heard of: their units are gone, but still in that
    reserve), and no more than any reserve asked since that it has not applied yet (a lower on its
    way releases units first)."""
    report = state.components.get(sku)
    if report is None:
        return None
    unheard = max(0, sold - report.kits_sold.get(key, 0))
    counted = max(0, report.reserved.get(key, 0) - bundle.components[sku] * unheard)
    for seq, shares in state.asks.items():
        if int(seq) > report.reserve_seq:
            counted = min(counted, bundle.components[sku] * shares.get(key, 0))
    return counted


def _without_applied_asks(bundle: Bundle, state: BundleState) -> BundleState:
    """Forget the asks every component has applied."""
    applied = min((r.reserve_seq if (r := state.components.get(sku)) else 0) for sku in bundle.components)
    asks = {seq: shares for seq, shares in state.asks.items() if int(seq) > applied}
    return state if asks == state.asks else msgspec.structs.replace(state, asks=asks)


def _view(state: BundleState) -> SkuState:
    """The bundle's own item's bookkeeping as a SKU's, for the code they share."""
    return SkuState(sku=state.sku, published_channels=state.published_channels,
                    published_targets=state.published_targets, unconfirmed=state.unconfirmed,
                    orders=state.orders, expected_targets=state.expected_targets, shortfalls=state.shortfalls)


def _from_view(state: BundleState, view: SkuState) -> BundleState:
    return msgspec.structs.replace(
        state, published_channels=view.published_channels, published_targets=view.published_targets,
        unconfirmed=view.unconfirmed, orders=view.orders, expected_targets=view.expected_targets,
        shortfalls=view.shortfalls,
    )


def _without_old_orders(state: BundleState, now: float, retention_s: float) -> BundleState:
    """Forget orders not touched for the retention (once an hour): NetSuite never absorbs a kit's
    order here, so the SKU actor's rule (settled orders only) would keep them all."""
    if now - state.pruned_at < PRUNE_EVERY_S:
        return state
    orders = {k: v for k, v in state.orders.items() if v.last_activity_at >= now - retention_s}
    return msgspec.structs.replace(state, orders=orders, pruned_at=now)


def _publish(
    contract: Contract, state: BundleState, availability: Availability, cause: Cause, *, force: bool,
    pooled: frozenset[str], rewrite: frozenset[str] = frozenset(),
) -> tuple[BundleState, list[Effect]]:
    # The bundle publishes exactly like a SKU (same events and outbox commands), so reuse that code
    # on a SKU-shaped view of the bundle's published values. Its compare is the value it last
    # published, moved by its own item's sales when kits are split (the router sends it the kit's
    # order lines then; else a kit sold in Shopify shows as drift at its next write). Its writes at
    # `pooled` locations (with kits split: all) are confirmed back to it, as a SKU's.
    view, effects = publish_changes(contract, _view(state), availability, cause, force=force, pooled=pooled,
                                    rewrite=rewrite, kind=BUNDLE_KIND)
    return _from_view(state, view), effects
