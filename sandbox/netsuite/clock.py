"""The sandbox's notion of "now", shiftable so tests and demos can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Wall-clock UTC time plus an adjustable offset (never goes backwards on its own)."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        """Current time, timezone-aware UTC, truncated to whole milliseconds like NetSuite."""
        moment = datetime.now(UTC) + self._offset
        return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward (e.g. to age records past a fulfillment delay)."""
        self._offset += timedelta(seconds=seconds)
