"""Turn newly computed availability into effects, only where a value changed.

Per channel an `AvailableChanged` event; per Shopify location an `InventorySet` outbox command
carrying, for compare-and-set, the value Shopify is expected to hold there (shopify_expected.py);
and, when anything changed, the SKU's current values to every bundle that contains it. Coalescing
and batching are the writer gateway's job.
"""

from __future__ import annotations

import msgspec

from actors.behaviour import Effect, Emit, Outbox, Send
from actors.sku.availability import Availability, target_key
from actors.sku.expected import expected_at
from actors.sku.kit_reserves import Reserved, kits_sold, reserved_values, reserves_to_report
from actors.sku.pool_gate import held_until_confirmed, rebased
from actors.sku.state import SkuState
from actors.sku_messages import (
    BUNDLE_KIND,
    INVENTORY_SET_OP,
    SKU_KIND,
    AvailableChanged,
    ComponentAvailability,
    InventorySet,
    available_subject,
)
from bus.subjects import outbox_shopify
from contract.config import Contract

RECENT_VALUES = 4  # values remembered per target to tell our echoes from edits (level_check.py)


class Cause(msgspec.Struct, frozen=True):
    """The message that caused a change: its time and id travel with every published value."""

    time: float
    message_id: str


def publish_changes(
    contract: Contract,
    state: SkuState,
    availability: Availability,
    cause: Cause,
    *,
    force: bool = False,
    pooled: frozenset[str] = frozenset(),
    rewrite: frozenset[str] = frozenset(),
    unreserved: Availability | None = None,
    reserved: Reserved | None = None,
    kind: str = SKU_KIND,
) -> tuple[SkuState, list[Effect]]:
    """Effects for every value that differs from what was last published (all of them if `force`;
    the `rewrite` target keys even if unchanged: level_check.py found Shopify above them).

    Writes to `pooled` target keys (pool_gate.py, and a kit component's split locations) keep a
    lowered value's old height as a ceiling and ask the writer for a confirmation. With kits split
    (kit_reserves.py), `availability` is what the component's items show, `unreserved` what it has
    before the kits' reserves, and `reserved` what each kit got: the bundles hear of the first and
    of what each kit may count on, also when only the latter changed (a confirmation).
    """
    channels, channel_effects = _channel_changes(contract, state, availability, cause, force)
    state, target_effects = _target_changes(state, availability, cause, force, pooled, rewrite, kind)
    state = msgspec.structs.replace(state, published_channels=channels)
    effects = [*channel_effects, *target_effects]
    reported, told_more = {}, False
    if reserved is not None:  # after the writes: whether they await confirmation decides (kit_reserves.py)
        state, reported, told_more = reserves_to_report(contract, state, reserved)
    if effects or told_more:
        state, sends = _report_to_bundles(contract, state, unreserved or availability, cause, reported)
        effects.extend(sends)
    return state, effects


def _channel_changes(
    contract: Contract, state: SkuState, availability: Availability, cause: Cause, force: bool
) -> tuple[dict[str, int], list[Effect]]:
    published = dict(state.published_channels)
    effects: list[Effect] = []
    for channel_value in availability.channels:
        name, value = channel_value.channel, channel_value.value
        previous = published.get(name)
        if force or previous != value:
            channel = contract.channel(name)
            event = AvailableChanged(
                sku=state.sku, channel=name, shop=channel.shop if channel else None, value=value,
                previous=previous, changed_at=cause.time, cause_id=cause.message_id,
            )
            effects.append(Emit(subject=available_subject(name), key=state.sku, payload=event))
            published[name] = value
    return published, effects


def _target_changes(
    state: SkuState,
    availability: Availability,
    cause: Cause,
    force: bool,
    pooled: frozenset[str],
    rewrite: frozenset[str],
    kind: str,
) -> tuple[SkuState, list[Effect]]:
    published = dict(state.published_targets)
    expected = dict(state.expected_targets)
    unconfirmed = dict(state.unconfirmed)
    shortfalls = dict(state.shortfalls)
    recent = dict(state.recent_targets)
    effects: list[Effect] = []
    for target in availability.targets:
        key = target_key(target.shop, target.location_id)
        compare = expected_at(state, key)
        # Also when the value did not change but Shopify moved away from it (a restock Tandem does
        # not count as sellable yet, a sale at a value held at 0): Tandem owns this number.
        if force or key in rewrite or published.get(key) != target.value or compare != target.value:
            confirm = key in pooled  # a pooled write counts at its old height until confirmed
            if confirm:
                unconfirmed[key] = held_until_confirmed(state, key, target.value, cause.message_id)
                shortfall = rebased(state, key, target.value)
                if shortfall is None:
                    shortfalls.pop(key, None)
                else:
                    shortfalls[key] = shortfall
            command = InventorySet(
                sku=state.sku, shop=target.shop, channel=target.channel, location_id=target.location_id,
                quantity=target.value, compare_quantity=compare, changed_at=cause.time,
                cause_id=cause.message_id, confirm=confirm, verify=key in rewrite, kind=kind,
            )
            subject = outbox_shopify(target.shop, INVENTORY_SET_OP)
            effects.append(Outbox(subject=subject, key=state.sku, payload=command))
            published[key] = expected[key] = target.value
            recent[key] = (*recent.get(key, ())[1 - RECENT_VALUES :], target.value)
    state = msgspec.structs.replace(
        state,
        published_targets=published,
        expected_targets=expected,
        unconfirmed=unconfirmed,
        shortfalls=shortfalls,
        recent_targets=recent,
    )
    return state, effects


def _report_to_bundles(
    contract: Contract, state: SkuState, availability: Availability, cause: Cause, reserved: Reserved
) -> tuple[SkuState, list[Effect]]:
    bundles = contract.bundles_containing(state.sku)
    if not bundles:
        return state, []
    seq = state.bundle_seq + 1
    sends: list[Effect] = []
    for bundle in bundles:
        reserve = state.kit_reserves.get(bundle.sku)
        if not reserved:
            sold = {}
        elif reserve is not None:
            sold = reserve.reported_sold  # counted just now (kit_reserves.reserves_to_report)
        else:
            sold = kits_sold(contract, state, bundle.sku, bundle.components[state.sku])
        report = ComponentAvailability(
            component=state.sku, seq=seq, channels=availability.channels, targets=availability.targets,
            changed_at=cause.time, reserved=reserved_values(availability, reserved.get(bundle.sku, {})),
            reserve_seq=state.kit_reserves[bundle.sku].seq if bundle.sku in state.kit_reserves else 0,
            kits_sold=reserved_values(availability, sold),
        )
        sends.append(Send(kind=BUNDLE_KIND, key=bundle.sku, payload=report))
    return msgspec.structs.replace(state, bundle_seq=seq), sends
