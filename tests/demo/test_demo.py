"""cli/demo.py: webhooks reach a receiver; holds reach the POS endpoint; the demo runs, prints, stops."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import aiohttp
import anyio
import msgspec
import pytest
from aiohttp import web

from cli import demo
from cli.demo import DemoOptions, register_webhooks, run_demo
from cli.settings import RunSettings
from sandbox.shopify import OrderLineSpec, OrderSpec, sign
from sandbox.traffic import PosHoldEndpoint, TrafficSpec, plan_traffic, run_traffic
from sandbox.world import World


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.arrived = anyio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path_qs, dict(request.headers), await request.read()))
        self.arrived.set()
        return web.Response(status=202 if request.method != "POST" or "pos" in request.path else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    spy = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", spy.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield spy, f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_registered_webhooks_deliver_signed_orders_to_the_receiver(
    world: World, session: aiohttp.ClientSession, receiver: tuple[Receiver, str]
) -> None:
    spy, url = receiver
    assert await register_webhooks(world, session, f"{url}/webhooks/shopify") == 12
    world.shopify.place_order("eu", OrderSpec(lines=[OrderLineSpec(world.skus[0], 1)]))
    with anyio.fail_after(5):
        while not any(r[2].get("X-Shopify-Topic") == "orders/create" for r in spy.requests):
            await spy.arrived.wait()
            spy.arrived = anyio.Event()
    method, path, headers, body = next(
        r for r in spy.requests if r[2].get("X-Shopify-Topic") == "orders/create"
    )
    assert (method, path, headers["X-Shopify-Shop-Domain"]) == (
        "POST",
        "/webhooks/shopify",
        "eu.myshopify.com",
    )
    assert headers["X-Shopify-Hmac-Sha256"] == sign(body, world.env["SHOPIFY_EU_WEBHOOK_SECRET"])


async def test_holds_are_announced_to_the_pos_endpoint_and_released_on_checkout(
    world: World, session: aiohttp.ClientSession, receiver: tuple[Receiver, str]
) -> None:
    spy, url = receiver
    plan = plan_traffic(world, TrafficSpec(seed=4, rate=150, duration_s=1.5, hold_seconds=(0.5, 1.0)))
    endpoint = PosHoldEndpoint(session, f"{url}/pos/holds")
    record = await run_traffic(world, plan, endpoint)
    posts = [r for r in spy.requests if r[0] == "POST"]
    deletes = [r for r in spy.requests if r[0] == "DELETE"]
    assert len(posts) == record.count("hold") > 0
    assert len(deletes) == record.count("checkout")
    assert endpoint.failures == 0
    held = {msgspec.json.decode(r[3])["hold_id"] for r in posts}
    assert all(r[1].split("?")[0].removeprefix("/pos/holds/") in held for r in deletes)


async def test_the_demo_prints_where_to_look_and_stops_after_its_duration() -> None:
    printed: list[str] = []
    with anyio.fail_after(60):
        await run_demo(DemoOptions(duration=3, skus=4, rate=10, import_interval=0.5), out=printed.append)
    text = "\n".join(printed)
    for expected in (
        "NATS                    nats://127.0.0.1:",
        "evt.tandem.available.>",
        "/_sandbox/shops",
        "/services/rest",
        "GraphQL http://127.0.0.1:",
    ):
        assert expected in text


async def test_an_engine_edge_that_listens_gets_the_webhooks_and_the_holds(
    world: World, session: aiohttp.ClientSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Receiver()

    async def fake_engine(settings: RunSettings, _world: World, env: Mapping[str, str]) -> None:
        # stands in for the engine: its HTTP edge listens where running_engine told it to
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", spy.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, settings.http_host, settings.http_port).start()
        assert env["SHOPIFY_US_ACCESS_TOKEN"] == world.env["SHOPIFY_US_ACCESS_TOKEN"]
        try:
            await anyio.sleep_forever()
        finally:
            await runner.cleanup()

    monkeypatch.setattr(demo, "_engine", fake_engine)
    async with demo.running_engine(world, tmp_path, session) as engine:
        assert engine.edge_url is not None and engine.holds_url == f"{engine.edge_url}/pos/holds"
        assert engine.nats_url.startswith("nats://127.0.0.1:")
        assert world.env["SHOPIFY_US_ACCESS_TOKEN"] not in engine.contract_path.read_text()
        world.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec(world.skus[1], 1)]))
        with anyio.fail_after(5):
            while not any(r[1] == "/webhooks/shopify" for r in spy.requests):
                await spy.arrived.wait()
                spy.arrived = anyio.Event()
    assert "SHOPIFY_US_ACCESS_TOKEN" not in os.environ  # secrets go to the engine, not the process


async def test_a_hold_endpoint_that_is_down_is_counted_not_raised(session: aiohttp.ClientSession) -> None:
    from cli.demo import _free_port

    endpoint = PosHoldEndpoint(session, f"http://127.0.0.1:{_free_port()}/pos/holds")
    await endpoint.placed("gid://shopify/CheckoutHold/7", "us", "gid://shopify/Location/1", "SKU", 1, 0.0)
    await endpoint.released("gid://shopify/CheckoutHold/7", "us", "SKU")
    assert endpoint.failures == 2


FAKE_ENGINE = """
import json, os, sys
from aiohttp import web
names = ("NATS_URL", "TANDEM_CONTRACT", "TANDEM_DATA_DIR", "SHOPIFY_EU_ACCESS_TOKEN")
seen = {name: os.environ.get(name) for name in names}
open(sys.argv[1], "w").write(json.dumps({**seen, "pid": os.getpid()}))
app = web.Application()
app.router.add_post("/webhooks/shopify", lambda request: web.json_response({}))
web.run_app(app, host=os.environ["TANDEM_HTTP_HOST"], port=int(os.environ["TANDEM_HTTP_PORT"]), print=None)
"""


async def test_an_engine_process_is_configured_like_tandem_run_and_stopped_at_the_end(
    world: World, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    import json
    import sys

    report = tmp_path / "seen.json"
    command = [sys.executable, "-c", FAKE_ENGINE, str(report)]
    async with demo.running_engine(world, tmp_path / "engine", session, process=command) as engine:
        assert engine.edge_url is not None
        seen = json.loads(report.read_text())
        assert seen["NATS_URL"] == engine.nats_url and seen["TANDEM_CONTRACT"] == str(engine.contract_path)
        assert seen["SHOPIFY_EU_ACCESS_TOKEN"] == world.env["SHOPIFY_EU_ACCESS_TOKEN"]
        assert sum(len(world.shopify.runtime(s).state.webhooks) for s in ("us", "eu")) == 12
    with pytest.raises(ProcessLookupError):
        os.kill(seen["pid"], 0)  # SIGTERM ended it when the block ended
