"""Fixtures: a seeded NetSuite sandbox over HTTP, a contract pointing at it, and clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from contract.config import Channel, Contract, Location, NetSuiteAccount, Shop
from gateways.netsuite.auth import TokenCredentials, TokenSigner
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy
from sandbox.netsuite.config import NetSuiteSandboxConfig
from sandbox.netsuite.sandbox import NetSuiteSandbox

TIME_ZONE = "America/Los_Angeles"


@pytest.fixture
def sandbox_config() -> NetSuiteSandboxConfig:
    """The emulated account's settings; a test overrides it with `@pytest.mark.parametrize`."""
    return NetSuiteSandboxConfig(concurrency_limit=5, time_zone=TIME_ZONE)


@pytest.fixture
async def sandbox(sandbox_config: NetSuiteSandboxConfig) -> AsyncIterator[NetSuiteSandbox]:
    the_sandbox = NetSuiteSandbox(sandbox_config)
    await the_sandbox.start()
    try:
        yield the_sandbox
    finally:
        await the_sandbox.stop()


@pytest.fixture
def demo(sandbox: NetSuiteSandbox) -> dict[str, Any]:
    return sandbox.seed_demo()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as the_session:
        yield the_session


def sandbox_contract(
    sandbox: NetSuiteSandbox, location_ids: list[int], *, polling_interval_s: float = 0.2
) -> Contract:
    """A contract for the sandbox account: every given NetSuite location, one storefront selling them all."""
    account = NetSuiteAccount(
        account_id=sandbox.credentials.account,
        base_url=sandbox.base_url,
        time_zone=sandbox.config.time_zone,
        concurrency_limit=sandbox.config.concurrency_limit,
        consumer_key_env="NS_CK",
        consumer_secret_env="NS_CS",
        token_id_env="NS_TI",
        token_secret_env="NS_TS",
    )
    locations = [Location(netsuite_id=str(i), name=f"location {i}") for i in location_ids]
    shop = Shop(
        name="us",
        domain="us.myshopify.com",
        currency="USD",
        access_token_env="SHOP_TOKEN",
        webhook_secret_env="SHOP_SECRET",
    )
    channel = Channel(name="online", kind="storefront", shop="us", locations=[str(i) for i in location_ids])
    return Contract(
        polling_interval_s=polling_interval_s,
        netsuite=account,
        shops=[shop],
        locations=locations,
        channels=[channel],
    )


def sandbox_env(sandbox: NetSuiteSandbox) -> dict[str, str]:
    c = sandbox.credentials
    return {"NS_CK": c.consumer_key, "NS_CS": c.consumer_secret, "NS_TI": c.token_id, "NS_TS": c.token_secret}


@pytest.fixture
def make_client(sandbox: NetSuiteSandbox, session: aiohttp.ClientSession) -> Callable[..., NetSuiteClient]:
    def make(
        *, governor: NetSuiteConcurrencyGovernor | None = None, retry: RetryPolicy | None = None
    ) -> NetSuiteClient:
        c = sandbox.credentials
        credentials = TokenCredentials(
            account_id=c.account,
            consumer_key=c.consumer_key,
            consumer_secret=c.consumer_secret,
            token_id=c.token_id,
            token_secret=c.token_secret,
        )
        return NetSuiteClient(
            session,
            rest_url=sandbox.rest_url,
            signer=TokenSigner(credentials),
            governor=governor or NetSuiteConcurrencyGovernor(sandbox.config.concurrency_limit),
            retry=retry or RetryPolicy(base_delay_s=0.02, max_delay_s=0.2),
        )

    return make
