"""Restart policy as pure objects: restart intensity and exponential backoff.

Nothing here sleeps or reads a clock; the supervisor passes `now` in, so tests drive the
policy on a fake clock. Semantics follow Erlang/OTP (intensity/period) and Akka's
`restartWithBackoff` (min/max/randomFactor/resetBackoffAfter) — see
shared/reference/architecture.md §1.1–§1.2.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable


class RestartIntensity:
    """At most `max_restarts` restarts within any sliding window of `period` seconds."""

    def __init__(self, max_restarts: int, period: float) -> None:
        if max_restarts < 0:
            raise ValueError(f"max_restarts must be >= 0, got {max_restarts}")
        if not period > 0 or math.isinf(period):
            raise ValueError(f"period must be a positive finite number of seconds, got {period}")
        self.max_restarts = max_restarts
        self.period = period
        self._restarts: deque[float] = deque()

    def record(self, now: float) -> bool:
        """Record a restart at `now`; False when it exceeds the allowed intensity."""
        if self._restarts and now < self._restarts[-1]:
            raise ValueError(f"clock went backwards: {now} < {self._restarts[-1]}")
        self._restarts.append(now)
        self._forget_before(now)
        return len(self._restarts) <= self.max_restarts

    def restarts_in_window(self, now: float) -> int:
        """How many recorded restarts still count against the window at `now`."""
        self._forget_before(now)
        return len(self._restarts)

    def reset(self) -> None:
        """Forget the restart history (a fresh supervisor incarnation starts clean, as in OTP)."""
        self._restarts.clear()

    def _forget_before(self, now: float) -> None:
        # A restart counts while it is less than `period` old: with (1, 5.0), restarts at
        # t=0 and t=4.9 exceed the intensity, restarts at t=0 and t=5.0 do not.
        while self._restarts and now - self._restarts[0] >= self.period:
            self._restarts.popleft()


class Backoff:
    """Exponential restart delays with jitter that reset after a stable run."""

    def __init__(
        self,
        min_delay: float,
        max_delay: float,
        jitter: float = 0.2,
        reset_after: float | None = None,
        rng: Callable[[], float] | None = None,
    ) -> None:
        if not 0 <= min_delay <= max_delay or math.isinf(max_delay):
            raise ValueError(f"need 0 <= min_delay <= max_delay < inf, got {min_delay}, {max_delay}")
        if jitter < 0:
            raise ValueError(f"jitter must be >= 0, got {jitter}")
        # Akka's current default: a run of (min+max)/2 seconds counts as stable.
        self.reset_after = (min_delay + max_delay) / 2 if reset_after is None else reset_after
        if self.reset_after < 0:
            raise ValueError(f"reset_after must be >= 0, got {reset_after}")
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.jitter = jitter
        self._rng = rng if rng is not None else random.Random().random
        self._attempt = 0
        self._started_at: float | None = None

    @property
    def attempt(self) -> int:
        """Consecutive restarts since the last reset (0 after a stable run)."""
        return self._attempt

    def base_delay(self, attempt: int) -> float:
        """The delay before jitter for the `attempt`-th consecutive restart (0-based)."""
        if attempt < 0:
            raise ValueError(f"attempt must be >= 0, got {attempt}")
        if self.min_delay == 0:
            return 0.0
        try:
            return min(self.max_delay, math.ldexp(self.min_delay, attempt))
        except OverflowError:  # min_delay * 2**attempt is past any float, so far past max_delay
            return self.max_delay

    def mark_started(self, now: float) -> None:
        """Note that the child (re)started at `now`, so a long enough run resets the backoff."""
        self._started_at = now

    def next_delay(self, now: float) -> float:
        """The delay before the next restart of a child that failed at `now`."""
        if self._started_at is not None and now - self._started_at >= self.reset_after:
            self._attempt = 0
        base = self.base_delay(self._attempt)
        self._attempt += 1
        draw = self._rng()
        if not 0 <= draw <= 1:
            raise ValueError(f"rng must return a number in [0, 1], got {draw}")
        # Jitter only ever adds delay (Akka's randomFactor), so the floor stays min_delay.
        return base * (1 + self.jitter * draw)

    def reset(self) -> None:
        """Start again from `min_delay`."""
        self._attempt = 0
        self._started_at = None

    def fresh(self) -> Backoff:
        """A new Backoff with the same settings and random source but no history."""
        return Backoff(self.min_delay, self.max_delay, self.jitter, self.reset_after, self._rng)
