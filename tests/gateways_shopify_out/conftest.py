"""A real Shopify emulator (over HTTP) and a real nats-server, wired to the outbound gateways."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
import anyio
import pytest

from actors.sku_messages import INVENTORY_SET_OP, InventorySet
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import outbox_shopify
from bus.tracing import BusTracer
from contract.config import Shop
from gateways.shopify.graphql import RetryPolicy, ShopifyGraphQL
from gateways.shopify.inventory_writer import InventoryWriter, WriterConfig
from gateways.shopify.throttle import CostThrottle
from sandbox.shopify import LocationSpec, ProductSpec, ShopifySandbox, ShopSpec, VariantSpec
from sandbox.shopify.ids import gid

SHOP = "alpha"
TOKEN = "shpat_alpha_test"
SKUS = [f"SKU-{n:03d}" for n in range(300)]


@dataclass
class World:
    sandbox: ShopifySandbox
    shop: Shop
    session: aiohttp.ClientSession
    locations: dict[str, str]  # name -> Location GID

    def client(
        self,
        *,
        retry: RetryPolicy | None = None,
        throttle: CostThrottle | None = None,
        tracer: BusTracer | None = None,
    ) -> ShopifyGraphQL:
        return ShopifyGraphQL(
            self.session,
            self.shop,
            TOKEN,
            tracer=tracer or BusTracer(None),
            throttle=throttle or CostThrottle(),
            retry=retry or RetryPolicy(base_delay=0.02, max_delay=0.2, timeout=2.0),
        )

    def available(self, sku: str, location: str = "Warehouse") -> int:
        (level,) = [lv for lv in self.sandbox.inventory(SHOP, sku) if lv["location"] == location]
        return int(level["available"])

    def writes(self, sku: str | None = None) -> list[Any]:
        return [w for w in self.sandbox.quantity_writes(SHOP) if sku is None or w.sku == sku]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with ShopifySandbox() as sandbox:
        sandbox.add_shop(
            ShopSpec(
                name=SHOP,
                access_token=TOKEN,
                bucket_size=400,
                restore_rate=200,
                locations=[LocationSpec("Warehouse"), LocationSpec("Store", fulfills_online_orders=False)],
                products=[
                    ProductSpec(f"Product {sku}", [VariantSpec(sku, Decimal("10"), stock={"Warehouse": 20})])
                    for sku in SKUS
                ],
            )
        )
        state = sandbox.runtime(SHOP).state
        locations = {loc.name: gid("Location", loc.id) for loc in state.locations.values()}
        shop = Shop(
            name=SHOP,
            domain=f"{SHOP}.myshopify.com",
            base_url=f"{sandbox.base_url}/shops/{SHOP}",
            currency="USD",
            access_token_env="ALPHA_TOKEN",
            webhook_secret_env="ALPHA_SECRET",
        )
        async with aiohttp.ClientSession() as session:
            yield World(sandbox, shop, session, locations)


def inventory_set(
    sku: str, location_id: str, quantity: int, compare: int | None, *, at: float = 0.0, cause: str = "c"
) -> InventorySet:
    return InventorySet(
        sku=sku,
        shop=SHOP,
        channel="web",
        location_id=location_id,
        quantity=quantity,
        compare_quantity=compare,
        changed_at=at,
        cause_id=cause,
    )


async def publish(bus: Bus, commands: Iterable[InventorySet]) -> None:
    subject = outbox_shopify(SHOP, INVENTORY_SET_OP)
    await bus.publish_many(
        [Outgoing(subject=subject, envelope=make_envelope(c, key=c.sku)) for c in commands]
    )


async def eventually(
    condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition"
) -> None:
    """Wait for `condition` with a deadline, checking after every short pause."""
    with anyio.move_on_after(timeout):
        while not condition():
            await anyio.sleep(0.01)
    assert condition(), f"timed out waiting for {what}"


@asynccontextmanager
async def run_writer(
    world: World, bus: Bus, config: WriterConfig | None = None, **client_args: Any
) -> AsyncIterator[InventoryWriter]:
    """A started writer; stopped (pending rows written first) and joined on exit."""
    writer = InventoryWriter(bus, world.client(**client_args), config)
    async with anyio.create_task_group() as tg:
        await tg.start(writer.run)
        try:
            yield writer
        finally:
            writer.stop()
