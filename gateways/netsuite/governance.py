"""Staying inside NetSuite's governance: the account concurrency limit and retry with backoff (§4)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import msgspec


class NetSuiteConcurrencyGovernor:
    """At most `limit` requests in flight; every NetSuite client of one account must share one.

    The limit is per account and shared by SOAP, REST and RESTlets (§4), so the engine creates one
    governor per account and hands it to the poller and the writer alike.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the concurrency limit must be at least 1, got {limit}")
        self.limit = limit
        self._semaphore = anyio.Semaphore(limit)
        self.in_flight = 0
        self.peak = 0
        self.served = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the account's request slots for the duration of one HTTP exchange."""
        async with self._semaphore:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1
                self.served += 1


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how patiently a failed call is tried again (Oracle: delay, grow, de-synchronise)."""

    attempts: int = 6  # tries in all, the first included
    base_delay_s: float = 0.25
    max_delay_s: float = 15.0
    request_timeout_s: float = 60.0
    # A 401 may be overload in disguise (§7.1): tried again this many times, never more.
    invalid_login_retries: int = 1

    def delay(self, retry: int, jitter: Callable[[], float] = random.random) -> float:
        """Exponential backoff with jitter ("equal jitter": half fixed, half random) for the n-th retry."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, retry - 1))
        return ceiling / 2 + jitter() * ceiling / 2
