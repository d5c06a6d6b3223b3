"""Fixtures: a small sandbox world (both emulators running) and an HTTP session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.world import World, WorldSpec, build_world


@pytest.fixture
async def world() -> AsyncIterator[World]:
    built = await build_world(WorldSpec(skus=6, seed=11))
    try:
        yield built
    finally:
        await built.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client
