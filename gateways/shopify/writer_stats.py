"""What the inventory writer counts for /metrics: its counters and the change → accepted latencies."""

from __future__ import annotations

from collections import deque
from typing import Any

import msgspec

from gateways.shopify.graphql import ClientStats


class LatencyHistogram:
    """The last `size` change → accepted latencies (seconds), enough for p50/p99 on a dashboard."""

    def __init__(self, size: int = 4096) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def observe(self, seconds: float) -> None:
        self._samples.append(max(0.0, seconds))

    def percentile(self, p: float) -> float | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class WriterStats(msgspec.Struct, kw_only=True):
    """Counters for /metrics; `client_stats` holds calls, retries and THROTTLED answers per request."""

    client_stats: ClientStats
    messages: int = 0  # InventorySet messages taken in
    calls: int = 0  # inventorySetQuantities calls
    rows_written: int = 0
    coalesced_away: int = 0  # messages that needed no row of their own
    skipped_unchanged: int = 0  # rows not written: Shopify already held the value
    drift: int = 0
    stale_batches: int = 0
    batch_failures: int = 0
    dead_lettered: int = 0
    last_success: float | None = None  # epoch seconds of the last accepted write
    latency: LatencyHistogram = msgspec.field(default_factory=LatencyHistogram)

    @property
    def throttled(self) -> int:
        return self.client_stats.throttled

    def snapshot(self) -> dict[str, Any]:
        """Plain numbers: every counter, p50/p99 latency in milliseconds."""
        numbers = {
            f: getattr(self, f) for f in self.__struct_fields__ if f not in ("client_stats", "latency")
        }
        p50, p99 = self.latency.percentile(50), self.latency.percentile(99)
        return {
            **numbers,
            "throttled": self.throttled,
            "api_requests": self.client_stats.requests,
            "api_retries": self.client_stats.retries,
            "latency_p50_ms": None if p50 is None else round(p50 * 1000, 1),
            "latency_p99_ms": None if p99 is None else round(p99 * 1000, 1),
        }
