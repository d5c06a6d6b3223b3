"""Fixtures: the emulator with a seeded shop, the inbound HTTP app and router on real NATS, stream readers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import anyio
import msgspec
import pytest
from aiohttp import web
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from actors.sku_messages import SkuMessage
from bus.bus import Bus
from bus.envelope import Envelope
from contract.config import Contract
from gateways.pos.holds import add_pos_routes
from gateways.shopify.router import IngressRouter, RouterConfig
from gateways.shopify.webhooks import WEBHOOK_PATH, add_webhook_routes
from sandbox.shopify import ShopifySandbox, ShopInfo

from .world import SECRET, SHOP, contract_for, shop_spec

DEADLINE = 10.0
ROUTED_TOPICS = ("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "REFUNDS_CREATE")
SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id } userErrors { field message } } }"""


@pytest.fixture
async def sandbox() -> AsyncIterator[ShopifySandbox]:
    box = ShopifySandbox(
        webhook_timeout=2.0, webhook_retry_delays=[0.2, 0.4, 0.8, 1.6], hold_sweep_interval=0.1
    )
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
def shop(sandbox: ShopifySandbox) -> ShopInfo:
    return sandbox.add_shop(shop_spec())


@pytest.fixture
def contract(sandbox: ShopifySandbox, shop: ShopInfo) -> Contract:
    return contract_for(sandbox, shop, base_url=f"{sandbox.base_url}/shops/{SHOP}")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def inbound(bus: Bus, contract: Contract) -> AsyncIterator[str]:
    """The webhook receiver and the POS endpoint on one loopback server; yields its base URL."""
    app = web.Application()
    add_webhook_routes(app, bus, contract, {SHOP: SECRET})
    add_pos_routes(app, bus, contract)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def router(bus: Bus, contract: Contract) -> AsyncIterator[IngressRouter]:
    the_router = IngressRouter(bus, contract, RouterConfig(consumer_check_every=0.3))
    # A task owned by this fixture (setup and teardown run in different tasks, so no task group here).
    task = asyncio.create_task(the_router.run())
    try:
        yield the_router
    finally:
        the_router.stop()
        with anyio.fail_after(DEADLINE):
            await task


async def subscribe_webhooks(
    http: aiohttp.ClientSession, shop: ShopInfo, uri: str, topics: tuple[str, ...] = ROUTED_TOPICS
) -> None:
    """Register the receiver with the emulator through Admin GraphQL, as an app would."""
    for topic in topics:
        async with http.post(
            shop.graphql_url,
            json={"query": SUBSCRIBE, "variables": {"topic": topic, "sub": {"uri": uri, "format": "JSON"}}},
            headers={"X-Shopify-Access-Token": shop.access_token},
        ) as response:
            body = await response.json()
        assert body["data"]["webhookSubscriptionCreate"]["userErrors"] == [], body


@pytest.fixture
async def webhooks_to_tandem(http: aiohttp.ClientSession, shop: ShopInfo, inbound: str) -> str:
    await subscribe_webhooks(http, shop, inbound + WEBHOOK_PATH)
    return inbound


@dataclass
class StreamReader:
    """Every message stored under a subject filter, from the start of the stream, as it arrives."""

    messages: list[Msg] = field(default_factory=list)
    arrived: anyio.Event = field(default_factory=anyio.Event)

    async def on_message(self, msg: Msg) -> None:
        self.messages.append(msg)
        self.arrived.set()
        self.arrived = anyio.Event()

    async def wait_for(self, predicate: Callable[[list[Msg]], bool], deadline: float = DEADLINE) -> list[Msg]:
        with anyio.fail_after(deadline):
            while not predicate(self.messages):
                await self.arrived.wait()
        return self.messages


async def read_stream(bus: Bus, subject: str) -> StreamReader:
    reader = StreamReader()
    await bus.js.subscribe(
        subject, cb=reader.on_message, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    return reader


@pytest.fixture
async def sku_messages(bus: Bus) -> StreamReader:
    return await read_stream(bus, "act.sku.>")


_sku_decoder = msgspec.json.Decoder(Envelope[SkuMessage])


def sku_payloads(messages: list[Msg], kind: type | None = None, sku: str | None = None) -> list[Any]:
    """Decoded SKU-actor payloads (optionally of one type, to one SKU's subject)."""
    found = []
    for msg in messages:
        if sku is not None and msg.subject != f"act.sku.{sku}":
            continue
        payload = _sku_decoder.decode(msg.data).payload
        if kind is None or isinstance(payload, kind):
            found.append(payload)
    return found


async def stored_count(bus: Bus, stream: str, subject_filter: str) -> int:
    info = await bus.js.stream_info(stream, subjects_filter=subject_filter)
    return sum((info.state.subjects or {}).values())
