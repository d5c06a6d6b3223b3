"""The poller's counters, read by health checks and /metrics."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PollerStats:
    polls: int = 0  # complete polls (every kind swept, cursors moved)
    rows: int = 0  # rows read from SuiteQL
    published: int = 0  # messages acked by JetStream (re-reads that JetStream deduplicated included)
    bad_rows: int = 0  # rows dead-lettered
    errors: int = 0  # failed polls
    consecutive_failures: int = 0
    last_success_at: float | None = None
    last_error: str | None = None
    fresh_as_of: float | None = None  # the view of NetSuite is complete up to here (this process's clock)
    cursors: dict[str, float] = field(default_factory=dict)  # kind → NetSuite time the next sweep starts at

    def lag_s(self, now: float) -> float | None:
        """How old the newest complete view of NetSuite is (None before the first poll)."""
        return None if self.fresh_as_of is None else max(0.0, now - self.fresh_as_of)
