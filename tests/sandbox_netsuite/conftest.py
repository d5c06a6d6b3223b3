from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.netsuite.config import NetSuiteSandboxConfig
from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient


@pytest.fixture
def config() -> NetSuiteSandboxConfig:
    return NetSuiteSandboxConfig(concurrency_limit=5)


@pytest.fixture
async def sandbox(config: NetSuiteSandboxConfig) -> AsyncIterator[NetSuiteSandbox]:
    instance = NetSuiteSandbox(config, random_seed=7)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.stop()


@pytest.fixture
def demo(sandbox: NetSuiteSandbox) -> dict[str, Any]:
    return sandbox.seed_demo()


@pytest.fixture
async def client(sandbox: NetSuiteSandbox) -> AsyncIterator[TbaClient]:
    async with aiohttp.ClientSession() as session:
        yield TbaClient(session, sandbox.base_url, sandbox.credentials)
