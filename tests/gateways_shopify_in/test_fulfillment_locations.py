"""Where Shopify fills a web order, in the sandbox world: the eu shop sells online from the Central
Warehouse and the Rotterdam 3PL, the us shop from the warehouse alone.

Real parts throughout: both emulators (sandbox/world.py), the webhook receiver, nats-server, the
router with its own Shopify clients reading fulfillment orders over Admin GraphQL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import anyio
import pytest
from aiohttp import web
from graphql import parse

from actors.runtime.host import ActorHost, HostConfig
from actors.sku.behaviour import SkuBehaviour
from actors.sku_messages import SKU_KIND, OrderLine, StockReading
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import STREAM_DLQ, STREAM_INGRESS, actor
from bus.tracing import BusTracer
from gateways.shopify.fulfillment_orders import (
    FO_LINES_PAGE,
    FULFILLMENT_ORDER_SHIPMENTS,
    LINES_PER_PAGE,
    ORDER_FULFILLMENT_ORDERS,
    ORDER_QUERY_COST,
    ORDERS_PER_PAGE,
    SHIPMENTS_PER_PAGE,
    SHIPMENTS_QUERY_COST,
    SHIPPED_LINES_PAGE,
    SHIPPED_PER_PAGE,
    fulfillment_line_locations,
)
from gateways.shopify.graphql import RetryPolicy, ShopifyGraphQL, shopify_clients
from gateways.shopify.inventory_writer import InventoryWriter, WriterConfig
from gateways.shopify.router import DURABLE, IngressRouter, RouterConfig
from gateways.shopify.webhooks import WEBHOOK_PATH, add_webhook_routes, webhook_secrets_from_env
from sandbox.shopify.cost import query_cost
from sandbox.shopify.schema import admin_schema
from sandbox.world import World, WorldSpec, build_world

from .conftest import DEADLINE, StreamReader, read_stream, sku_payloads, stored_count, subscribe_webhooks

WAREHOUSE, THREEPL = "Central Warehouse", "Rotterdam 3PL"
QUICK_RETRY = RetryPolicy(attempts=2, base_delay=0.02, max_delay=0.05, timeout=2.0)


@dataclass
class Engine:
    world: World
    router: IngressRouter
    clients: dict[str, ShopifyGraphQL]
    sku_messages: StreamReader

    def netsuite(self, site: str) -> str:
        return str(self.world.location_ids[site])

    def lines(self, sku: str) -> list[OrderLine]:
        return sku_payloads(self.sku_messages.messages, OrderLine, sku)

    async def lines_of(self, order: dict[str, object], sku: str, count: int) -> list[OrderLine]:
        """The first `count` OrderLines of `order` for `sku` (its parts), once they arrived."""

        def of_order() -> list[OrderLine]:
            return [line for line in self.lines(sku) if line.order_id == str(order["id"])]

        await self.sku_messages.wait_for(lambda _: len(of_order()) >= count)
        return of_order()[:count]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    built = await build_world(WorldSpec(skus=3, seed=4))
    try:
        yield built
    finally:
        await built.stop()


@pytest.fixture
async def engine(bus: Bus, world: World, http: aiohttp.ClientSession) -> AsyncIterator[Engine]:
    """Webhooks of both shops → receiver → JetStream → the router, as `tandem run` wires them."""
    app = web.Application()
    add_webhook_routes(app, bus, world.contract, webhook_secrets_from_env(world.contract, world.env))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    for shop in ("us", "eu"):
        await subscribe_webhooks(http, world.shopify.shop_info(shop), f"http://{host}:{port}{WEBHOOK_PATH}")
    clients = shopify_clients(world.contract, world.env, http, BusTracer(None), retry=QUICK_RETRY)
    config = RouterConfig(consumer_check_every=0.3, lookup_retry_delay=0.2)
    router = IngressRouter(bus, world.contract, config, shopify=clients)
    task = asyncio.create_task(router.run())
    try:
        yield Engine(world, router, clients, await read_stream(bus, "act.sku.>"))
    finally:
        router.stop()
        with anyio.fail_after(DEADLINE):
            await task
        await runner.cleanup()


def web_order(world: World, shop: str, sku: str, quantity: int) -> dict[str, object]:
    return world.shopify.place_order(shop, {"lines": [{"sku": sku, "quantity": quantity}]})


def parts(lines: list[OrderLine]) -> dict[str, tuple[str, int]]:
    """Line id (of the part) → (NetSuite location, quantity)."""
    return {line.line_id: (line.location, line.quantity) for line in lines}


async def test_a_web_order_filled_at_the_3pl_is_demand_at_the_3pls_netsuite_location(engine: Engine) -> None:
    world, sku = engine.world, engine.world.skus[0]
    world.shopify.set_stock("eu", {"sku": sku, "location": WAREHOUSE, "available": 0})
    order = web_order(world, "eu", sku, 2)
    [line_item] = order["line_items"]  # type: ignore[misc]
    line_id = str(line_item["id"])
    three_pl_gid = world.shop_locations[("eu", "3pl")]
    assert parts(await engine.lines_of(order, sku, 2)) == {
        line_id: (engine.netsuite("3pl"), 2),
        f"{line_id}@{three_pl_gid}": (engine.netsuite("3pl"), 0),
    }
    assert engine.router.lookups >= 1


async def test_a_line_split_over_the_warehouse_and_the_3pl_is_demand_at_both(engine: Engine) -> None:
    world, sku = engine.world, engine.world.skus[1]
    world.shopify.set_stock("eu", {"sku": sku, "location": WAREHOUSE, "available": 1})
    world.shopify.set_stock("eu", {"sku": sku, "location": THREEPL, "available": 5})
    order = web_order(world, "eu", sku, 3)
    [line_item] = order["line_items"]  # type: ignore[misc]
    line_id = str(line_item["id"])
    assert parts(await engine.lines_of(order, sku, 2)) == {
        line_id: (engine.netsuite("warehouse"), 1),
        f"{line_id}@{world.shop_locations[('eu', '3pl')]}": (engine.netsuite("3pl"), 2),
    }


async def test_orders_in_a_shop_selling_online_from_one_location_cost_no_graphql_call(
    engine: Engine,
) -> None:
    world, sku = engine.world, engine.world.skus[0]
    before = world.shopify.runtime("us").bucket.requests  # type: ignore[attr-defined]
    order = web_order(world, "us", sku, 1)
    pos = world.shopify.place_order(
        "us", {"lines": [{"sku": sku, "quantity": 1}], "source": "pos", "location": "Brooklyn Store"}
    )
    assert parts(await engine.lines_of(order, sku, 1)) == {
        str(order["line_items"][0]["id"]): (engine.netsuite("warehouse"), 1)  # type: ignore[index]
    }
    await engine.lines_of(pos, sku, 1)
    assert (engine.router.lookups, engine.clients["us"].stats.calls, engine.clients["eu"].stats.calls) == (
        0,
        0,
        0,
    )
    assert world.shopify.runtime("us").bucket.requests == before  # type: ignore[attr-defined]


async def test_when_shopify_cannot_answer_the_webhook_waits_and_then_lands_at_the_3pl(
    bus: Bus, engine: Engine
) -> None:
    world, sku = engine.world, engine.world.skus[2]
    world.shopify.set_stock("eu", {"sku": sku, "location": WAREHOUSE, "available": 0})
    world.shopify.set_faults("eu", {"error_rate": 1.0})  # every GraphQL call answered 503
    order = web_order(world, "eu", sku, 1)
    with anyio.fail_after(DEADLINE):
        while engine.router.lookups_failed < 2:  # nak'ed, and nak'ed again on redelivery
            await anyio.sleep(0.02)
    assert [line for line in engine.lines(sku) if line.order_id == str(order["id"])] == []
    world.shopify.set_faults("eu", {})
    [main, _share] = await engine.lines_of(order, sku, 2)
    assert (main.location, main.quantity) == (engine.netsuite("3pl"), 1)
    assert await stored_count(bus, STREAM_DLQ, "dlq.>") == 0


async def eventually(condition: Callable[[], bool], what: str) -> None:
    with anyio.move_on_after(DEADLINE):
        while not condition():
            await anyio.sleep(0.01)
    assert condition(), f"timed out waiting for {what}"


async def test_a_sale_shopify_fills_at_the_3pl_is_followed_there_by_the_compare_and_set(
    bus: Bus, engine: Engine
) -> None:
    """With the SKU actor and the eu writer: Tandem expects the units gone where Shopify took them, so
    the next write at the 3PL compares against what Shopify holds there (with the web location, it
    was refused as drift and the 3PL corrected too low)."""
    world, sku = engine.world, engine.world.skus[0]

    def eu_available() -> dict[str, int]:
        return {level["location"]: int(level["available"]) for level in world.shopify.inventory("eu", sku)}

    for site in (WAREHOUSE, THREEPL):  # above NetSuite's: Tandem's first writes lower them
        world.shopify.set_stock("eu", {"sku": sku, "location": site, "available": 9})
    writer = InventoryWriter(bus, engine.clients["eu"], WriterConfig(coalesce_window=0.02))
    host = ActorHost(bus, SkuBehaviour(world.contract), HostConfig(idle_after=3600))

    async def read_netsuite(site: str, on_hand: int) -> None:
        reading = StockReading(
            location=engine.netsuite(site), on_hand=on_hand, committed=0, read_at=time.time()
        )
        await bus.publish(Outgoing(subject=actor(SKU_KIND, sku), envelope=make_envelope(reading, key=sku)))

    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        await tg.start(writer.run)
        for site, on_hand in (("warehouse", 4), ("3pl", 5), ("brooklyn", 0), ("manhattan", 0)):
            await read_netsuite(site, on_hand)
        first = lambda: eu_available()[THREEPL] == 5 and 1 <= eu_available()[WAREHOUSE] < 9  # noqa: E731
        await eventually(first, "the first values in Shopify")

        # The warehouse's share for eu runs out: Shopify takes the rest of the order at the 3PL.
        at_warehouse = eu_available()[WAREHOUSE]
        order = web_order(world, "eu", sku, at_warehouse + 2)
        assert eu_available() == {WAREHOUSE: 0, THREEPL: 3}
        await engine.lines_of(order, sku, 2)  # stored for the actor before the reading below

        # NetSuite receives 2 at the 3PL: the write compares against the 3 Shopify holds after the sale.
        await read_netsuite("3pl", 7)
        await eventually(lambda: eu_available()[THREEPL] == 5, "the received units in Shopify")
        writes = [
            w for w in world.shopify.quantity_writes("eu") if w.sku == sku and w.location_name == THREEPL
        ]
        assert (writes[-1].change_from_quantity, writes[-1].after) == (3, 5)
        assert (writer.stats.drift, writer.stats.stale_batches) == (0, 0)
        writer.stop()
        host.stop()


FULFILLMENT_ORDERS = """
query Lines($id: ID!) { order(id: $id) { fulfillmentOrders(first: 8) { nodes {
  id lineItems(first: 30) { nodes { id remainingQuantity lineItem { id } } } } } } }"""
FULFILL = """
mutation Ship($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id } userErrors { message } } }"""


async def ship(
    client: ShopifyGraphQL, order_id: object, line_ids: list[object] | None = None, *, together: bool = False
) -> None:
    """Ship every unit left of `line_ids` (all lines: None) as a warehouse app would through Admin
    GraphQL: one fulfillment per fulfillment order, or one for them all (`together`: one location)."""
    data = await client.execute(
        "lines", FULFILLMENT_ORDERS, {"id": f"gid://shopify/Order/{order_id}"}, cost=600
    )
    wanted = None if line_ids is None else {f"gid://shopify/LineItem/{line}" for line in line_ids}
    entries = []
    for fo in data["order"]["fulfillmentOrders"]["nodes"]:
        rows = [
            {"id": row["id"], "quantity": row["remainingQuantity"]}
            for row in fo["lineItems"]["nodes"]
            if row["remainingQuantity"] and (wanted is None or row["lineItem"]["id"] in wanted)
        ]
        if rows:
            entries.append({"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": rows})
    for group in [entries] if together else [[entry] for entry in entries]:
        variables = {"fulfillment": {"lineItemsByFulfillmentOrder": group}}
        created = await client.execute("ship", FULFILL, variables, cost=10)
        assert created["fulfillmentCreate"]["userErrors"] == []


async def routed_everything(bus: Bus) -> None:
    """Wait until the router has acked every ingress message stored so far."""
    with anyio.fail_after(DEADLINE):
        while True:
            last = (await bus.js.stream_info(STREAM_INGRESS)).state.last_seq
            if (await bus.js.consumer_info(STREAM_INGRESS, DURABLE)).ack_floor.stream_seq >= last:
                return
            await anyio.sleep(0.02)


async def test_units_shipped_from_the_3pl_stay_demand_at_the_3pl(bus: Bus, engine: Engine) -> None:
    world, sku = engine.world, engine.world.skus[0]
    world.shopify.set_stock("eu", {"sku": sku, "location": WAREHOUSE, "available": 1})
    order = web_order(world, "eu", sku, 3)  # 1 at the warehouse, 2 at the 3PL
    [line_item] = order["line_items"]  # type: ignore[misc]
    line_id = str(line_item["id"])
    warehouse, three_pl = world.shop_locations[("eu", "warehouse")], world.shop_locations[("eu", "3pl")]
    await engine.lines_of(order, sku, 2)
    await ship(engine.clients["eu"], order["id"])  # its orders/updated webhook is translated again
    assert await fulfillment_line_locations(engine.clients["eu"], str(order["id"])) == {
        line_id: {warehouse: 1, three_pl: 2}
    }
    with anyio.fail_after(DEADLINE):
        await world.shopify.wait_for_webhooks()
    await routed_everything(bus)
    # Every state sent for the line, shipped or not, has its units where Shopify took them (a state
    # equal to an earlier one within the same second is the same message, stored once).
    lines = [line for line in engine.lines(sku) if line.order_id == str(order["id"])]
    assert {(line.line_id, line.location, line.quantity) for line in lines} == {
        (line_id, engine.netsuite("warehouse"), 1),
        (f"{line_id}@{three_pl}", engine.netsuite("3pl"), 2),
    }


async def test_every_page_of_fulfillment_orders_fulfillments_and_their_lines_is_read(
    http: aiohttp.ClientSession,
) -> None:
    world = await build_world(WorldSpec(skus=LINES_PER_PAGE + ORDERS_PER_PAGE + 2, seed=5))
    try:
        client = shopify_clients(world.contract, world.env, http, BusTracer(None), retry=QUICK_RETRY)["eu"]
        first = world.skus[: LINES_PER_PAGE + 1]  # one fulfillment order with more lines than a page
        order = world.shopify.place_order("eu", {"lines": [{"sku": sku, "quantity": 1} for sku in first]})
        for sku in world.skus[LINES_PER_PAGE + 1 :]:  # each added line: a fulfillment order of its own
            world.shopify.edit_order("eu", order["id"], {"add_lines": [{"sku": sku, "quantity": 1}]})
        [placed] = [o for o in world.shopify.orders("eu") if o["id"] == order["id"]]
        line_ids = [line["id"] for line in placed["line_items"]]
        # The first fulfillment order ships in more fulfillments than a page, the first of them with
        # more lines than a page; the rest stay unshipped.
        await ship(client, order["id"], line_ids[: SHIPPED_PER_PAGE + 1])
        for line in line_ids[SHIPPED_PER_PAGE + 1 : SHIPPED_PER_PAGE + 1 + SHIPMENTS_PER_PAGE]:
            await ship(client, order["id"], [line])
        calls = client.stats.calls
        assigned = await fulfillment_line_locations(client, str(order["id"]))
        warehouse = world.shop_locations[("eu", "warehouse")]
        assert assigned == {str(line): {warehouse: 1} for line in line_ids}
        assert len(assigned) == LINES_PER_PAGE + ORDERS_PER_PAGE + 2
        # Fulfillment orders: 2 pages + 1 more page of lines; fulfillments: 2 pages + 1 more of lines.
        assert client.stats.calls - calls == 6
    finally:
        await world.stop()


async def test_a_fulfillment_of_two_fulfillment_orders_counts_its_units_once(engine: Engine) -> None:
    world, client = engine.world, engine.clients["eu"]
    order = web_order(world, "eu", world.skus[0], 1)
    world.shopify.edit_order("eu", order["id"], {"add_lines": [{"sku": world.skus[1], "quantity": 2}]})
    await ship(client, order["id"], together=True)  # both fulfillment orders are at the warehouse
    [placed] = [o for o in world.shopify.orders("eu") if o["id"] == order["id"]]
    warehouse = world.shop_locations[("eu", "warehouse")]
    assert await fulfillment_line_locations(client, str(order["id"])) == {
        str(line["id"]): {warehouse: line["quantity"]} for line in placed["line_items"]
    }


def test_the_cost_estimates_are_what_shopifys_calculator_asks() -> None:
    schema = admin_schema()
    queries = [
        (ORDER_FULFILLMENT_ORDERS, ORDER_QUERY_COST),
        (FULFILLMENT_ORDER_SHIPMENTS, SHIPMENTS_QUERY_COST),
        (FO_LINES_PAGE.query, FO_LINES_PAGE.cost),
        (SHIPPED_LINES_PAGE.query, SHIPPED_LINES_PAGE.cost),
    ]
    for query, estimate in queries:
        assert (
            query_cost(schema, parse(query), None, {"id": "gid://shopify/Order/1", "after": None}) == estimate
        )
