"""Shared fixtures: a real nats-server with JetStream per test, and a provisioned Bus on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bus.bus import Bus
from bus.connection import connect
from bus.embedded import embedded_nats
from bus.streams import provision
from bus.tracing import BusTracer


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    async with embedded_nats(tmp_path / "nats") as url:
        yield url


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    nc = await connect(nats_url)
    the_bus = Bus(nc, BusTracer(None))
    await provision(the_bus.js)
    try:
        yield the_bus
    finally:
        await the_bus.close()
