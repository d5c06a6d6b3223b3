"""Everything one hosted shop needs at run time: its state, cost bucket, idempotency keys and faults."""

from __future__ import annotations

from dataclasses import dataclass, field

from .faults import FaultInjector
from .idempotency import IdempotencyStore
from .store import ShopState
from .throttle import CostBucket


@dataclass
class ShopRuntime:
    state: ShopState
    bucket: CostBucket
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    faults: FaultInjector = field(default_factory=FaultInjector)

    @property
    def name(self) -> str:
        return self.state.config.name
