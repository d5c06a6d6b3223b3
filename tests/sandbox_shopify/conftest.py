"""Fixtures: a running ShopifySandbox with a seeded shop, a GraphQL caller, and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
import anyio
import pytest
from aiohttp import web

from sandbox.shopify import (
    DiscountCodeSpec,
    GiftCardSpec,
    LocationSpec,
    ProductSpec,
    ShopifySandbox,
    ShopInfo,
    ShopSpec,
    VariantSpec,
)

API_VERSION = "2026-04"


def seeded_shop_spec(name: str = "alpha", **overrides: Any) -> ShopSpec:
    """Two online warehouses, a POS store, three SKUs (one CONTINUE), a code, a gift card."""
    spec = ShopSpec(
        name=name,
        currency="USD",
        tax_rate=Decimal("0.10"),
        exchange_rates={"EUR": Decimal("0.90")},
        locations=[
            LocationSpec("Warehouse"),
            LocationSpec("Overflow"),
            LocationSpec("Downtown Store", pos=True, fulfills_online_orders=False, tax_rate=Decimal("0.05")),
        ],
        products=[
            ProductSpec(
                "Tee",
                [
                    VariantSpec(
                        "TEE-S",
                        Decimal("20.00"),
                        title="S",
                        stock={"Warehouse": 5, "Overflow": 2, "Downtown Store": 3},
                    ),
                    VariantSpec("TEE-M", Decimal("20.00"), title="M", stock={"Warehouse": 1}),
                ],
            ),
            ProductSpec(
                "Mug",
                [VariantSpec("MUG", Decimal("12.50"), inventory_policy="CONTINUE", stock={"Warehouse": 0})],
            ),
            ProductSpec(
                "Gift Card",
                [VariantSpec("GIFT-25", Decimal("25.00"), taxable=False, requires_shipping=False)],
                gift_card=True,
            ),
        ],
        discount_codes=[
            DiscountCodeSpec("TENOFF", "percentage", Decimal("10")),
            DiscountCodeSpec("FIVE", "fixed_amount", Decimal("5")),
        ],
        gift_cards=[GiftCardSpec("GC-1234", Decimal("15.00"))],
    )
    return (
        spec
        if not overrides
        else ShopSpec(**{**{f: getattr(spec, f) for f in spec.__struct_fields__}, **overrides})
    )


@pytest.fixture
async def sandbox() -> AsyncIterator[ShopifySandbox]:
    box = ShopifySandbox(
        webhook_timeout=1.0,
        webhook_retry_delays=[0.05, 0.1, 0.2],
        delete_after_failures=4,
        hold_sweep_interval=0.05,
    )
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
def shop(sandbox: ShopifySandbox) -> ShopInfo:
    return sandbox.add_shop(seeded_shop_spec())


GraphQL = Callable[..., Any]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def gql(http: aiohttp.ClientSession, shop: ShopInfo) -> GraphQL:
    """POST a query to the shop's Admin GraphQL endpoint; returns the decoded body (asserting HTTP 200)."""

    async def call(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        expect_status: int = 200,
    ) -> Any:
        async with http.post(
            shop.graphql_url,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token or shop.access_token},
        ) as response:
            assert response.status == expect_status, await response.text()
            return await response.json()

    return call


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


DEADLINE = 5.0  # seconds any test waits for something to happen before failing


async def settle(sandbox: ShopifySandbox) -> None:
    """Wait (with a deadline) until every webhook delivery has finished."""
    with anyio.fail_after(DEADLINE):
        await sandbox.wait_for_webhooks()


@dataclass
class WebhookReceiver:
    """A small aiohttp server that records deliveries and answers with scripted statuses."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)  # statuses to answer first; then 200
    delay: float = 0.0
    arrived: anyio.Event = field(default_factory=anyio.Event)

    def topics(self) -> list[str]:
        return [r.headers["X-Shopify-Topic"] for r in self.received]

    def record(self, delivery: Received) -> None:
        self.received.append(delivery)
        self.arrived.set()
        self.arrived = anyio.Event()

    async def wait_for(self, predicate: Callable[[list[Received]], bool]) -> None:
        """Wait, with a deadline, until the deliveries received so far satisfy `predicate`."""
        with anyio.fail_after(DEADLINE):
            while not predicate(self.received):
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    state = WebhookReceiver()

    async def handle(request: web.Request) -> web.Response:
        state.record(Received(dict(request.headers), await request.read()))
        if state.delay:
            await anyio.sleep(state.delay)
        status = state.script.pop(0) if state.script else 200
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hooks", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.url = f"http://{host}:{port}/hooks"
    try:
        yield state
    finally:
        await runner.cleanup()


SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format }
    userErrors { field message }
  }
}"""


async def subscribe(gql: GraphQL, topic: str, uri: str) -> str:
    body = await gql(SUBSCRIBE, {"topic": topic, "sub": {"uri": uri, "format": "JSON"}})
    payload = body["data"]["webhookSubscriptionCreate"]
    assert payload["userErrors"] == []
    return str(payload["webhookSubscription"]["id"])


async def ids_of(gql: GraphQL, sku: str, location: str) -> tuple[str, str]:
    """(inventory item GID, location GID) for a SKU at a named location."""
    body = await gql(
        """query($q: String!) { productVariants(first: 1, query: $q) { nodes { inventoryItem { id } } }
                        locations(first: 10) { nodes { id name } } }""",
        {"q": f"sku:{sku}"},
    )
    item = body["data"]["productVariants"]["nodes"][0]["inventoryItem"]["id"]
    location_id = next(n["id"] for n in body["data"]["locations"]["nodes"] if n["name"] == location)
    return item, location_id
