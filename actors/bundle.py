"""The bundle actor: a bundle's availability is the minimum over its components (DESIGN §5).

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

from actors.behaviour import Effect, Emit
from actors.sku.availability import Availability, target_key
from actors.sku.publishing import Cause, publish_changes
from actors.sku.state import SkuState
from actors.sku_messages import (
    BUNDLE_KIND,
    BundleMessage,
    ChannelValue,
    ComponentAvailability,
    MessageParked,
    Resync,
    TargetValue,
)
from bus.envelope import Envelope, payload_type_name
from bus.subjects import ALERTS
from contract.config import Bundle, Channel, Contract


class ComponentReport(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    channels: dict[str, int]
    targets: dict[str, int]  # by target_key(shop, location_id)


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


def bundle_value(bundle: Bundle, values: dict[str, int | None]) -> int:
    """min over components of floor(value / units per bundle); an unknown value counts as 0."""
    return min(max(0, values.get(sku) or 0) // units for sku, units in bundle.components.items())


class BundleBehaviour:
    """Behaviour of the `bundle` actor kind."""

    kind = BUNDLE_KIND
    message_type = BundleMessage
    state_type = BundleState

    def __init__(self, contract: Contract) -> None:
        self.contract = contract

    def initial(self, key: str) -> BundleState:
        return BundleState(sku=key)

    def decide(self, state: BundleState, message: Envelope[Any]) -> tuple[BundleState, Sequence[Effect]]:
        payload = message.payload
        bundle = self.contract.bundle(state.sku)
        if isinstance(payload, ComponentAvailability):
            reason = self._park_reason(bundle, payload)
            if reason is not None:
                return self._park(state, message, payload, reason)
            state = _with_report(state, payload)
        elif isinstance(payload, Resync):
            state = self._retry_parked(bundle, state)
        if bundle is None:
            return state, []
        availability = self.availability(bundle, state)
        return _publish(self.contract, state, availability, Cause(message.time, message.id),
                        force=isinstance(payload, Resync))

    def availability(self, bundle: Bundle, state: BundleState) -> Availability:
        """The bundle's values for every channel and Shopify location any component reported."""
        channels: list[ChannelValue] = []
        targets: list[TargetValue] = []
        for channel in self.contract.channels:
            reported = [r.channels.get(channel.name) for r in state.components.values()]
            if not any(value is not None for value in reported):
                continue  # no component has a value for this channel yet
            values = {sku: _channel_of(state, sku, channel.name) for sku in bundle.components}
            channels.append(ChannelValue(channel.name, bundle_value(bundle, values)))
            targets.extend(_target_values(bundle, state, channel))
        return Availability(tuple(channels), tuple(targets))

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
    )
    return msgspec.structs.replace(state, components={**state.components, report.component: fresh})


def _target_values(bundle: Bundle, state: BundleState, channel: Channel) -> list[TargetValue]:
    # Per Shopify location the same minimum. The components' shares of a channel add up to at most
    # their channel value, so the bundle's shares add up to at most the bundle's channel value.
    if channel.shop is None:
        return []
    values: list[TargetValue] = []
    for gid in channel.publish_to:
        key = target_key(channel.shop, gid)
        per_component = {sku: _target_of(state, sku, key) for sku in bundle.components}
        values.append(TargetValue(channel.name, channel.shop, gid, bundle_value(bundle, per_component)))
    return values


def _channel_of(state: BundleState, sku: str, channel: str) -> int | None:
    report = state.components.get(sku)
    return None if report is None else report.channels.get(channel)


def _target_of(state: BundleState, sku: str, key: str) -> int | None:
    report = state.components.get(sku)
    return None if report is None else report.targets.get(key)


def _publish(
    contract: Contract, state: BundleState, availability: Availability, cause: Cause, *, force: bool
) -> tuple[BundleState, list[Effect]]:
    # The bundle publishes exactly like a SKU (same events and outbox commands), so reuse that code
    # on a SKU-shaped view of the bundle's published values. Its compare is the value it last
    # published: it hears of no sale of the bundle's own Shopify item (its order lines go to the
    # components' actors), so a bundle sold in Shopify shows as drift at its next write.
    view = SkuState(sku=state.sku, published_channels=state.published_channels,
                    published_targets=state.published_targets)
    view, effects = publish_changes(contract, view, availability, cause, force=force)
    state = msgspec.structs.replace(state, published_channels=view.published_channels,
                                    published_targets=view.published_targets)
    return state, effects
