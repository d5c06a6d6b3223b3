"""End to end on the outbound side: a SKU actor's InventorySet reaches the emulator through the writer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from actors.runtime.host import ActorHost, HostConfig
from actors.sku.behaviour import SkuBehaviour
from actors.sku_messages import SKU_KIND, StockReading
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from contract.loading import parse_contract
from gateways.shopify.inventory_writer import InventoryWriter, WriterConfig

from .conftest import SHOP, World, eventually


def contract_text(world: World) -> str:
    return f"""
[netsuite]
account_id = "TSTDRV1"
base_url = "http://127.0.0.1:9"
time_zone = "UTC"
concurrency_limit = 2
consumer_key_env = "NS_CK"
consumer_secret_env = "NS_CS"
token_id_env = "NS_TI"
token_secret_env = "NS_TS"

[[shops]]
name = "{SHOP}"
domain = "{SHOP}.myshopify.com"
base_url = "{world.shop.base_url}"
currency = "USD"
access_token_env = "ALPHA_TOKEN"
webhook_secret_env = "ALPHA_SECRET"

[[locations]]
netsuite_id = "W"
name = "warehouse"
shopify = {{ {SHOP} = "{world.locations["Warehouse"]}" }}

[[channels]]
name = "web"
kind = "storefront"
shop = "{SHOP}"
locations = ["W"]
buffer = 1
publish_to = ["{world.locations["Warehouse"]}"]
"""


@asynccontextmanager
async def engine(world: World, bus: Bus) -> AsyncIterator[InventoryWriter]:
    """The SKU actors and the shop's writer, as `tandem run` would wire them."""
    contract = parse_contract(contract_text(world))
    host = ActorHost(bus, SkuBehaviour(contract), HostConfig(idle_after=3600))
    writer = InventoryWriter(bus, world.client(), WriterConfig(coalesce_window=0.02))
    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        await tg.start(writer.run)
        try:
            yield writer
        finally:
            writer.stop()
            host.stop()


async def send_reading(bus: Bus, sku: str, on_hand: int) -> None:
    reading = StockReading(location="W", on_hand=on_hand, committed=0, read_at=time.time())
    subject = subjects.actor(SKU_KIND, sku)
    await bus.publish(Outgoing(subject=subject, envelope=make_envelope(reading, key=sku)))


async def test_netsuite_stock_reaches_shopify_minus_the_channel_buffer(world: World, bus: Bus) -> None:
    async with engine(world, bus) as writer:
        await send_reading(bus, "SKU-020", 9)
        await eventually(lambda: world.available("SKU-020") == 8, what="first value in Shopify")
        await send_reading(bus, "SKU-020", 6)
        await eventually(lambda: world.available("SKU-020") == 5, what="second value in Shopify")

    writes = [(w.before, w.after, w.change_from_quantity) for w in world.writes("SKU-020")]
    assert writes == [(20, 8, None), (8, 5, 8)]  # first publish unconditional, then compare-and-set
    assert writer.stats.drift == 0 and writer.stats.throttled == 0
