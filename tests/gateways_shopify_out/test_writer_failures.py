"""The writer under failure: 5xx, lost answers, rows Shopify refuses, and acks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import msgspec
from aiohttp import web

from bus.bus import Bus
from gateways.shopify.inventory_writer import WriterConfig
from sandbox.shopify.requests import FaultSpec, StockSpec

from .conftest import SHOP, World, eventually, inventory_set, publish, run_writer

FAST = WriterConfig(coalesce_window=0.01, retry_min=0.02, retry_max=0.1)


async def test_5xx_answers_are_retried_until_the_write_lands_once(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    world.sandbox.set_faults(SHOP, FaultSpec(error_rate=1.0, error_status=503))
    await publish(bus, [inventory_set("SKU-010", warehouse, 6, 20)])
    async with run_writer(world, bus, FAST) as writer:
        await eventually(lambda: writer.client.stats.retries >= 3, what="retries on 503")
        assert world.writes("SKU-010") == []
        world.sandbox.set_faults(SHOP, FaultSpec())
        await eventually(lambda: writer.stats.rows_written == 1, what="write after recovery")
    assert [(w.before, w.after) for w in world.writes("SKU-010")] == [(20, 6)]
    assert writer.stats.drift == 0


@asynccontextmanager
async def answer_losing_proxy(world: World, lose: int, after: int = 0) -> AsyncIterator[World]:
    """A loopback hop in front of the emulator that forwards every call but answers `lose` inventory
    writes (after the first `after`) with 502, as a load balancer does when the upstream's answer is lost."""
    lost = passed = 0

    async def forward(request: web.Request) -> web.Response:
        nonlocal lost, passed
        body = await request.read()
        async with world.session.post(
            f"{world.sandbox.base_url}{request.path}", data=body, headers=dict(request.headers)
        ) as upstream:
            answer = await upstream.read()
        if b"inventorySetQuantities" in body:
            if passed < after:
                passed += 1
            elif lost < lose:
                lost += 1
                return web.Response(status=502, text="Bad Gateway")
        return web.Response(status=upstream.status, body=answer, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    shop = msgspec.structs.replace(world.shop, base_url=f"http://{host}:{port}/shops/{SHOP}")
    try:
        yield World(world.sandbox, shop, world.session, world.locations)
    finally:
        await runner.cleanup()


async def test_a_lost_answer_is_retried_under_the_same_key_and_not_applied_twice(
    world: World, bus: Bus
) -> None:
    """Shopify applies the write but its answer is lost (502): the retry gets the first answer replayed."""
    warehouse = world.locations["Warehouse"]
    await publish(bus, [inventory_set("SKU-011", warehouse, 5, 20)])
    # 6 lost answers: more than the client's 5 attempts, so the writer retries the batch as well
    async with answer_losing_proxy(world, lose=6) as proxied, run_writer(proxied, bus, FAST) as writer:
        await eventually(lambda: writer.stats.rows_written == 1, what="the write accepted")

    (write,) = world.writes("SKU-011")  # applied once, by the first attempt
    assert (write.before, write.after) == (20, 5)
    assert writer.stats.batch_failures == 1 and writer.client.stats.retries == 5
    assert writer.stats.drift == 0 and writer.stats.stale_batches == 0
    assert world.available("SKU-011") == 5


async def test_a_corrected_write_whose_answer_is_lost_is_not_corrected_twice(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    world.sandbox.set_stock(SHOP, StockSpec("SKU-015", "Warehouse", 17, merchant_edit=True))
    await publish(bus, [inventory_set("SKU-015", warehouse, 15, 20)])
    # the first call is answered (stale); the corrected one is applied but its answers are lost
    async with (
        answer_losing_proxy(world, lose=6, after=1) as proxied,
        run_writer(proxied, bus, FAST) as writer,
    ):
        await eventually(lambda: writer.stats.rows_written == 1, what="the corrected write accepted")

    ours = [w for w in world.writes("SKU-015") if w.mutation == "inventorySetQuantities"]
    assert [(w.before, w.after) for w in ours] == [(17, 12)]  # 3 unexplained units subtracted once
    assert writer.stats.drift == 1 and writer.stats.batch_failures == 1
    assert world.available("SKU-015") == 12


async def test_a_row_not_stocked_at_its_location_is_dead_lettered_and_the_batch_written(
    world: World, bus: Bus
) -> None:
    warehouse, store = world.locations["Warehouse"], world.locations["Store"]
    await publish(bus, [inventory_set("SKU-012", store, 3, None), inventory_set("SKU-013", warehouse, 8, 20)])
    async with run_writer(world, bus, FAST) as writer:
        await eventually(lambda: writer.stats.rows_written == 1, what="the stocked row written")
        await eventually(lambda: writer.stats.dead_lettered == 1, what="the unstocked row parked")
    assert world.available("SKU-013") == 8
    dead = await bus.js.get_last_msg("TANDEM_DLQ", "dlq.>")
    # A first write (no compare) reads the level before writing: the read finds none there
    assert dead.headers is not None and dead.headers["Tandem-Dlq-Reason"] == "not_stocked"
    assert "no inventory level" in dead.headers["Tandem-Dlq-Error"]


async def test_messages_are_acked_after_the_write_and_not_redelivered(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    await publish(bus, [inventory_set("SKU-014", warehouse, n, n + 1) for n in range(19, 9, -1)])
    async with run_writer(world, bus, FAST) as writer:
        await eventually(lambda: world.available("SKU-014") == 10, what="the last value written")
        await eventually(lambda: writer.stats.messages == 10, what="all taken in")
    # acks are applied by the server asynchronously: wait for the consumer to show none outstanding
    with anyio.fail_after(5):
        while (info := await bus.js.consumer_info("TANDEM_OUTBOX", writer.durable)).num_ack_pending:
            await anyio.sleep(0.01)
    assert info.num_pending == 0
    assert writer.stats.rows_written == 1 and writer.stats.coalesced_away == 9

    async with run_writer(world, bus, FAST) as again:  # a restart finds nothing left to do
        await publish(bus, [inventory_set("SKU-014", warehouse, 9, 10)])
        await eventually(lambda: again.stats.rows_written == 1, what="the next change")
    assert again.stats.messages == 1
    assert [w.after for w in world.writes("SKU-014")] == [10, 9]
