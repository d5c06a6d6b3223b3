"""The SKU actor: available-to-sell for one SKU across every channel (DESIGN §5).

One turn: check the message against the contract (park it if it names something unknown), apply
it (transitions.py; following what a Shopify order did to Shopify's own `available`:
shopify_expected.py), forget long-settled records, recompute availability (availability.py) and
publish what changed (publishing.py). Pure: time comes only from the envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from actors.behaviour import Effect, Emit
from actors.sku import transitions
from actors.sku.availability import compute_availability
from actors.sku.demand import with_all_pending, without_expired_records
from actors.sku.kit_reserves import kits_held, reserve_for_kits, split_keys
from actors.sku.level_check import (
    give_up_shortfall,
    held_targets,
    hold_ended,
    hold_target,
    shortfall_to_recheck,
    targets_to_correct,
)
from actors.sku.pool_gate import gate_raises, pooled_keys, shared_pools
from actors.sku.publishing import Cause, publish_changes
from actors.sku.shopify_expected import apply_following_shopify
from actors.sku.state import Parked, SkuState
from actors.sku_messages import (
    SKU_KIND,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    MessageParked,
    OrderLine,
    Resync,
    SetChannelBuffer,
    ShopifyLevelSeen,
    ShortfallRecheck,
    SkuMessage,
    StockReading,
)
from bus.envelope import Envelope, payload_type_name
from bus.subjects import ALERTS
from contract.config import Contract

DAY_S = 86_400.0


class SkuBehaviour:
    """Behaviour of the `sku` actor kind; the contract is given, never global."""

    kind = SKU_KIND
    message_type = SkuMessage
    state_type = SkuState

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        # inventory.shared_locations: shared_pool.py and pool_gate.py say what "split" changes.
        self.split_shared_pools = contract.inventory.shared_locations == "split"
        self.pools = shared_pools(contract) if self.split_shared_pools else {}
        self._pooled = pooled_keys(self.pools)
        self._retention_s = contract.inventory.order_retention_days * DAY_S
        self.split_kits = contract.inventory.kits == "split"  # actors/kit_split.py
        self._split_keys: dict[str, frozenset[str]] = {}  # per component SKU (kit_reserves.split_keys)

    def initial(self, key: str) -> SkuState:
        return SkuState(sku=key)

    def decide(self, state: SkuState, message: Envelope[Any]) -> tuple[SkuState, Sequence[Effect]]:
        payload, now = message.payload, message.time
        unmanaged = self.unmanaged_reason(state.sku)
        ending = None  # the hold this message may end
        if isinstance(payload, Resync):
            state, effects = self._retry_parked(state)
            state = with_all_pending(state)
        else:
            reason = unmanaged or self.park_reason(payload)
            if reason is not None:
                return self._park(state, message, reason)
            if isinstance(payload, HoldExpired | HoldReleased):
                ending = state.holds.get(payload.hold_id)
            state, effects = apply_following_shopify(self.contract, state, payload, now)
        rewrite: frozenset[str] = frozenset()
        if isinstance(payload, ShopifyLevelSeen):
            rewrite = targets_to_correct(state, payload)
        elif isinstance(payload, ShortfallRecheck):
            rewrite = shortfall_to_recheck(state, payload)
            held = held_targets(self.contract, state, now)
            state = give_up_shortfall(state, payload, now, held)  # before the pool gate counts it missing
        elif ending is not None and payload.hold_id not in state.holds:
            # units Shopify reserved for it are back in `available` (or an order's): look a while
            # after whether Shopify shows what the actor expects (level_check.hold_ended)
            key = hold_target(self.contract, ending)
            if key is not None and key in self._pooled and key in state.published_targets:
                state, timer = hold_ended(state, key, now)
                effects = [*effects, timer]
        if unmanaged is not None:
            return state, effects  # never write values for a SKU Tandem does not manage
        state = without_expired_records(state, now, self._retention_s)
        availability = compute_availability(self.contract, state, now, split_shared=self.split_shared_pools)
        unreserved, reserved, confirm = availability, None, self._pooled
        if self.split_kits and self._kit_keys(state.sku):
            # the pool gate counts what the kits' items may hold too, then the kits take their part
            held = kits_held(self.contract, state, self._pooled)
            unreserved = availability = gate_raises(self.pools, state, availability, held)
            availability, reserved = reserve_for_kits(self.contract, state, availability)
            confirm = self._pooled | self._kit_keys(state.sku)
        else:
            unreserved = availability = gate_raises(self.pools, state, availability)
        cause = Cause(time=now, message_id=message.id)
        state, published = publish_changes(
            self.contract, state, availability, cause, force=isinstance(payload, Resync), pooled=confirm,
            rewrite=rewrite, unreserved=unreserved, reserved=reserved,
        )
        return state, [*effects, *published]

    def _kit_keys(self, sku: str) -> frozenset[str]:
        keys = self._split_keys.get(sku)
        if keys is None:
            keys = self._split_keys[sku] = split_keys(self.contract, sku)
        return keys

    def unmanaged_reason(self, sku: str) -> str | None:
        """Why this SKU's messages cannot be applied at all, if so."""
        if not self.contract.sku_allowed(sku):
            return f"SKU {sku!r} is not allowed by catalog.allowed_skus"
        if self.contract.bundle(sku) is not None:
            return f"{sku!r} is a bundle: its order lines belong to its components' SKU actors"
        return None

    def park_reason(self, payload: Any) -> str | None:
        """Why this message names something the contract does not know, if it does."""
        located = isinstance(payload, StockReading | OrderLine | HoldPlaced)
        if located and self.contract.location(payload.location) is None:
            return f"unknown NetSuite location {payload.location!r}"
        if isinstance(payload, SetChannelBuffer) and self.contract.channel(payload.channel) is None:
            return f"unknown channel {payload.channel!r}"
        return None

    def _park(self, state: SkuState, message: Envelope[Any], reason: str) -> tuple[SkuState, list[Effect]]:
        """Keep the message in state and report it; a redelivery is not parked twice."""
        if any(p.message_id == message.id for p in state.parked):
            return state, []
        parked = Parked(reason=reason, message_id=message.id, time=message.time, payload=message.payload)
        alert = MessageParked(
            kind=self.kind, key=state.sku, reason=reason, message_id=message.id,
            message_type=payload_type_name(message.payload),
        )
        state = msgspec.structs.replace(state, parked=[*state.parked, parked])
        return state, [Emit(subject=ALERTS, key=state.sku, payload=alert)]

    def _retry_parked(self, state: SkuState) -> tuple[SkuState, list[Effect]]:
        """Apply parked messages the contract now accepts (after an operator fixed the mapping)."""
        if not state.parked or self.unmanaged_reason(state.sku) is not None:
            return state, []
        effects: list[Effect] = []
        still_parked: list[Parked] = []
        state_without = msgspec.structs.replace(state, parked=[])
        for parked in state.parked:
            if self.park_reason(parked.payload) is not None:
                still_parked.append(parked)
                continue
            state_without, applied = transitions.apply(state_without, parked.payload, parked.time)
            effects.extend(applied)
        return msgspec.structs.replace(state_without, parked=still_parked), effects
