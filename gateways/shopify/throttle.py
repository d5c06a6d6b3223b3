"""The per-shop GraphQL cost bucket as this process believes it is, so calls never run it dry.

Shopify reserves a query's requested cost up front and refunds the unused part; the bucket refills at
`restoreRate` points per second up to `maximumAvailable` (reference/shopify.md §1). Every response
reports `extensions.cost.throttleStatus`; between responses the model refills locally by the clock.

The model is conservative on both sides: a reported level is reduced by the estimates of calls still
in flight (the server may not have charged them yet), and a call is only started when the bucket can
pay for it and still keep a safety margin, which leaves room for estimation error and for other
clients of the same app (the reconciler) sharing the bucket. `CostBucketModel` is pure (time is an
argument); `CostThrottle` adds the waiting, with the clock and sleep injected.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import msgspec

# Until the first response tells us the bucket's size, only one call at a time goes out.
UNKNOWN_POLL_SECONDS = 0.05
MIN_SLEEP = 0.001  # a wait shorter than this could leave a float clock where it was: spin forever


class ThrottleStatus(msgspec.Struct, frozen=True):
    maximum_available: float
    currently_available: float
    restore_rate: float

    @classmethod
    def from_extensions(cls, extensions: Mapping[str, Any] | None) -> ThrottleStatus | None:
        """The status in a response's `extensions`, or None when it has none (or a malformed one)."""
        cost = (extensions or {}).get("cost")
        status = cost.get("throttleStatus") if isinstance(cost, Mapping) else None
        if not isinstance(status, Mapping):
            return None
        try:
            parsed = cls(
                float(status["maximumAvailable"]),
                float(status["currentlyAvailable"]),
                float(status["restoreRate"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return parsed if parsed.maximum_available > 0 and parsed.restore_rate > 0 else None


class CostBucketModel:
    """Pure bookkeeping of one shop's bucket: level, refill, in-flight reservations, safety margin."""

    def __init__(self, *, margin_ratio: float = 0.1, min_margin: float = 20.0) -> None:
        if not 0 <= margin_ratio < 1 or min_margin < 0:
            raise ValueError("margin_ratio must be in [0, 1) and min_margin >= 0")
        self.margin_ratio = margin_ratio
        self.min_margin = min_margin
        self.maximum: float | None = None
        self.restore_rate = 0.0
        self._level = 0.0
        self._stamp = 0.0
        self.in_flight = 0.0  # sum of the estimates of calls not answered yet

    @property
    def known(self) -> bool:
        return self.maximum is not None

    def level(self, now: float) -> float:
        """Points believed available at `now` (refilled since the last report, capped at the maximum)."""
        if self.maximum is None:
            return 0.0
        return min(self.maximum, self._level + max(0.0, now - self._stamp) * self.restore_rate)

    def margin_for(self, cost: float) -> float:
        """The reserve to keep after paying `cost`; never so large that the call could never start."""
        assert self.maximum is not None
        wanted = max(self.min_margin, self.margin_ratio * self.maximum)
        return max(0.0, min(wanted, self.maximum - cost))

    def delay_for(self, cost: float, now: float) -> float | None:
        """Seconds until a call of `cost` may start (0: now); None while the bucket is still unknown
        and another call is in flight (wait for its report)."""
        if cost < 0:
            raise ValueError(f"a query cost cannot be negative, got {cost}")
        if self.maximum is None:
            return 0.0 if self.in_flight == 0 else None
        if cost > self.maximum:
            raise ValueError(f"query cost {cost} exceeds the bucket size {self.maximum}: split the call")
        missing = cost + self.margin_for(cost) - self.level(now)
        return 0.0 if missing <= 0 else missing / self.restore_rate

    def take(self, cost: float, now: float) -> None:
        """Reserve `cost` for a call that starts now."""
        if self.maximum is not None:
            self._level = self.level(now) - cost
            self._stamp = now
        self.in_flight += cost

    def observe(self, status: ThrottleStatus | None, reserved: float, now: float) -> None:
        """A call that reserved `reserved` was answered (with or without a status).

        Without a status (a 5xx, a timeout) the server may or may not have charged: keep the charge.
        """
        self.in_flight = max(0.0, self.in_flight - reserved)
        if status is None:
            return
        self.maximum = status.maximum_available
        self.restore_rate = status.restore_rate
        self._level = status.currently_available - self.in_flight
        self._stamp = now

    def snapshot(self, now: float) -> dict[str, float | None]:
        return {"maximum": self.maximum, "restore_rate": self.restore_rate, "level": self.level(now)}


class CostThrottle:
    """Waits until the modelled bucket can afford a call; one per shop, shared by its clients."""

    def __init__(
        self,
        model: CostBucketModel | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.model = model or CostBucketModel()
        self._clock = clock
        self._sleep = sleep
        self._lock = anyio.Lock()  # first come, first served: a big call is not starved by small ones
        self._reported = anyio.Event()
        self.waited_seconds = 0.0

    async def acquire(self, estimated_cost: float) -> None:
        """Return once a call of `estimated_cost` can start without dipping into the safety margin."""
        async with self._lock:
            while True:
                delay = self.model.delay_for(estimated_cost, self._clock())
                if delay == 0:
                    break
                if delay is None:
                    with anyio.move_on_after(UNKNOWN_POLL_SECONDS):
                        await self._reported.wait()
                    continue
                self.waited_seconds += delay
                await self._sleep(min(max(delay, MIN_SLEEP), 1.0) if math.isfinite(delay) else 1.0)
            self.model.take(estimated_cost, self._clock())

    def settle(self, status: ThrottleStatus | None, reserved: float) -> None:
        """Record the answer of a call that acquired `reserved` (status None: no report came back)."""
        self.model.observe(status, reserved, self._clock())
        self._reported.set()
        self._reported = anyio.Event()

    async def wait_throttled(self, status: ThrottleStatus | None, requested: float) -> float:
        """After a THROTTLED answer: wait (requested − available) / restoreRate; returns the wait."""
        if status is None or status.restore_rate <= 0:
            delay = 1.0
        else:
            delay = max(0.0, (requested - status.currently_available) / status.restore_rate)
        self.waited_seconds += delay
        await self._sleep(delay)
        return delay
