"""A webhook starts the flow's trace: the SKU-actor messages it causes carry that same trace."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
from aiohttp import web
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bus.bus import Bus
from bus.tracing import BusTracer
from contract.config import Contract
from gateways.shopify.router import IngressRouter
from gateways.shopify.webhooks import WEBHOOK_PATH, add_webhook_routes

from .conftest import DEADLINE, StreamReader
from .test_webhook_flow import ORDER_BODY, signed_post
from .world import SECRET, SHOP


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced_inbound(bus: Bus, contract: Contract, spans: InMemorySpanExporter) -> AsyncIterator[str]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    traced = Bus(bus.nc, BusTracer(provider))
    app = web.Application()
    add_webhook_routes(app, traced, contract, {SHOP: SECRET})
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    router = IngressRouter(traced, contract)
    task = asyncio.create_task(router.run())
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        router.stop()
        with anyio.fail_after(DEADLINE):
            await task
        await runner.cleanup()


async def test_the_sku_messages_of_a_webhook_continue_the_trace_the_webhook_started(
    http: aiohttp.ClientSession, traced_inbound: str, spans: InMemorySpanExporter, sku_messages: StreamReader
) -> None:
    headers = signed_post(ORDER_BODY, webhook_id="traced")
    async with http.post(traced_inbound + WEBHOOK_PATH, data=ORDER_BODY, headers=headers) as response:
        assert response.status == 200
    [message] = await sku_messages.wait_for(lambda msgs: len(msgs) == 1)
    [root] = [s for s in spans.get_finished_spans() if s.parent is None]
    assert root.name == "process evt.shopify.{shop}.{topic}"
    assert root.attributes["messaging.destination.name"] == f"evt.shopify.{SHOP}.orders.create"
    assert root.attributes["messaging.message.id"] == "traced"
    trace_id = f"{root.context.trace_id:032x}"
    assert message.headers["traceparent"].split("-")[1] == trace_id
    names = {s.name for s in spans.get_finished_spans() if s.context.trace_id == root.context.trace_id}
    assert {"publish evt.shopify.{shop}.{topic}", "publish act.sku.{key}"} <= names
