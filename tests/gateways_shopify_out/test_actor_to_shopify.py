"""End to end on the outbound side: a SKU actor's InventorySet reaches the emulator through the writer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from actors.runtime.host import ActorHost, HostConfig
from actors.sku.behaviour import SkuBehaviour
from actors.sku_messages import SKU_KIND, OrderLine, StockReading
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.connection import connect
from bus.envelope import make_envelope
from bus.streams import provision
from bus.tracing import BusTracer
from contract.loading import parse_contract
from gateways.shopify.inventory_writer import InventoryWriter, WriterConfig
from sandbox.shopify import OrderLineSpec, OrderSpec

from .conftest import SHOP, World, eventually, inventory_set, publish


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
    # The first publish is compared against the value read just before it, then against the expected one
    assert writes == [(20, 8, 20), (8, 5, 8)]
    assert writer.stats.drift == 0 and writer.stats.throttled == 0


async def test_the_write_continues_the_trace_of_the_change_that_caused_it(
    world: World, nats_url: str
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = Bus(await connect(nats_url), BusTracer(provider))
    await provision(traced.js)
    try:
        writer = InventoryWriter(traced, world.client(tracer=BusTracer(provider)))
        async with anyio.create_task_group() as tg:
            await tg.start(writer.run)
            await publish(traced, [inventory_set("SKU-022", world.locations["Warehouse"], 4, 20)])
            await eventually(lambda: writer.stats.rows_written == 1, what="write")
            writer.stop()
    finally:
        await traced.close()
    spans = {span.name: span for span in exporter.get_finished_spans()}
    publish_span, process, call = (
        spans[f"publish {writer.subject}"],
        spans[f"process {writer.subject}"],
        spans["shopify inventorySetQuantities"],
    )
    assert process.context is not None and publish_span.context is not None and call.context is not None
    assert process.context.trace_id == publish_span.context.trace_id == call.context.trace_id
    assert call.parent is not None and call.parent.span_id == process.context.span_id


async def test_an_order_the_actor_has_seen_is_not_drift_and_shopify_keeps_its_value(
    world: World, bus: Bus
) -> None:
    """Shopify consumed 3 with the order; the actor, hearing of it, expects exactly that: no write."""
    async with engine(world, bus) as writer:
        await send_reading(bus, "SKU-021", 9)
        await eventually(lambda: world.available("SKU-021") == 8, what="first value in Shopify")
        world.sandbox.place_order(SHOP, OrderSpec(lines=[OrderLineSpec("SKU-021", 3)]))
        line = OrderLine(
            order_id="o1", line_id="l1", location="W", quantity=3, version_at=time.time(), shop=SHOP
        )
        subject = subjects.actor(SKU_KIND, "SKU-021")
        await bus.publish(Outgoing(subject=subject, envelope=make_envelope(line, key="SKU-021")))
        await eventually(
            lambda: writer.stats.messages == 2 and not writer.metrics()["pending_rows"], what="seen"
        )
    assert world.available("SKU-021") == 5
    assert writer.stats.drift == 0
