"""Per-shop fault injection: slow or failing API calls, forced throttling, misbehaving webhook delivery."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .requests import FaultSpec


@dataclass(frozen=True)
class DeliveryPlan:
    """How one webhook delivery misbehaves: dropped, sent more than once, or late."""

    copies: int  # 0 = dropped
    delays: tuple[float, ...]  # per copy, seconds before the first attempt


class FaultInjector:
    """Draws every fault from one seeded random stream, so a seeded run misbehaves the same way twice."""

    def __init__(self, spec: FaultSpec | None = None) -> None:
        self.configure(spec or FaultSpec())

    def configure(self, spec: FaultSpec) -> None:
        for rate in (spec.error_rate, spec.webhook_drop_rate, spec.webhook_duplicate_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError("fault rates are probabilities between 0 and 1")
        if spec.latency_seconds < 0 or spec.webhook_delay_seconds < 0 or spec.webhook_reorder_window < 0:
            raise ValueError("fault delays can't be negative")
        self.spec = spec
        self._random = random.Random(spec.seed)

    def api_latency(self) -> float:
        return self.spec.latency_seconds

    def server_error(self) -> int | None:
        """An HTTP status to fail this API call with, or None."""
        if self.spec.error_rate and self._random.random() < self.spec.error_rate:
            return self.spec.error_status
        return None

    def forced_throttle(self) -> bool:
        return self.spec.force_throttle

    def delivery_plan(self) -> DeliveryPlan:
        spec = self.spec
        if spec.webhook_drop_rate and self._random.random() < spec.webhook_drop_rate:
            return DeliveryPlan(0, ())
        copies = (
            2 if spec.webhook_duplicate_rate and self._random.random() < spec.webhook_duplicate_rate else 1
        )
        delays = []
        for _ in range(copies):
            jitter = self._random.uniform(0, spec.webhook_reorder_window) if spec.webhook_reorder else 0.0
            delays.append(spec.webhook_delay_seconds + jitter)
        return DeliveryPlan(copies, tuple(delays))
