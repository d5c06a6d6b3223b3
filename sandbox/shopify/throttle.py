"""The per-shop cost bucket (leaky bucket of query points) behind `extensions.cost.throttleStatus`."""

from __future__ import annotations

import time
from collections.abc import Callable


class CostBucket:
    """Holds up to `maximum` points and regains `restore_rate` points per second [reference §1]."""

    def __init__(
        self, maximum: int = 2000, restore_rate: int = 100, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if maximum <= 0 or restore_rate <= 0:
            raise ValueError("bucket size and restore rate must be positive")
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = float(maximum)
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(float(self.maximum), self._available + (now - self._stamp) * self.restore_rate)
        self._stamp = now

    @property
    def available(self) -> float:
        self._refill()
        return self._available

    def try_take(self, cost: int) -> bool:
        """Reserve `cost` points if the bucket holds them; a refused request takes nothing."""
        self._refill()
        if cost > self._available:
            return False
        self._available -= cost
        return True

    def give_back(self, points: int) -> None:
        """Refund the unused part of a reservation (requested − actual)."""
        self._refill()
        self._available = min(float(self.maximum), self._available + max(points, 0))

    def drain(self) -> None:
        """Empty the bucket (fault injection); it refills at the normal rate afterwards."""
        self._refill()
        self._available = 0.0

    def configure(self, maximum: int, restore_rate: int) -> None:
        self._refill()
        self.maximum, self.restore_rate = maximum, restore_rate
        self._available = min(self._available, float(maximum))

    def status(self) -> dict[str, int]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.restore_rate,
        }
