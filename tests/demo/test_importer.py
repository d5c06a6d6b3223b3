"""The order importer: one NetSuite sales order per Shopify order, at the mapped locations, never twice."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox.importer import NetSuiteRestClient, OrderImporter, ShopifyOrderFeed
from sandbox.shopify import OrderLineSpec, OrderSpec
from sandbox.world import World


def _importer(world: World, session: aiohttp.ClientSession) -> OrderImporter:
    return OrderImporter(
        ShopifyOrderFeed(world.shopify, ["us", "eu"]),
        NetSuiteRestClient(session, world.contract, world.env),
        world.contract,
        interval=1.0,
    )


def _committed(world: World, sku: str, site: str) -> int:
    return int(world.netsuite.stock(world.item_ids[sku], world.location_ids[site]).committed)


async def test_each_order_becomes_one_sales_order_at_its_location(
    world: World, session: aiohttp.ClientSession
) -> None:
    sku, other = world.skus[0], world.skus[1]
    web = world.shopify.place_order("eu", OrderSpec(lines=[OrderLineSpec(sku, 1), OrderLineSpec(other, 1)]))
    pos = world.shopify.place_order(
        "us", OrderSpec(lines=[OrderLineSpec(sku, 1)], source="pos", location="Brooklyn Store")
    )
    importer = _importer(world, session)
    assert await importer.import_new() == 2
    assert world.netsuite.external_id_counts("salesOrder") == {str(web["id"]): 1, str(pos["id"]): 1}
    assert _committed(world, sku, "warehouse") == 1 and _committed(world, other, "warehouse") == 1
    assert _committed(world, sku, "brooklyn") == 1
    order = world.netsuite.get("salesOrder", f"eid:{web['id']}")
    assert [line["quantity"] for line in order["item"]["items"]] == [1, 1]
    assert importer.stats.imported == 2 and importer.stats.failed == 0


async def test_a_second_round_and_a_second_importer_import_nothing_twice(
    world: World, session: aiohttp.ClientSession
) -> None:
    placed = [
        world.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec(world.skus[2], 1)])) for _ in range(3)
    ]
    first = _importer(world, session)
    assert await first.import_new() == 3
    assert await first.import_new() == 0
    assert await _importer(world, session).import_new() == 3  # a restarted importer upserts again
    assert world.netsuite.external_id_counts("salesOrder") == {str(o["id"]): 1 for o in placed}
    assert _committed(world, world.skus[2], "warehouse") == 3


async def test_an_order_for_a_sku_netsuite_lacks_is_counted_as_failed(
    world: World, session: aiohttp.ClientSession
) -> None:
    from decimal import Decimal

    from sandbox.shopify import ProductSpec, VariantSpec

    world.shopify.add_product(
        "us", ProductSpec("Stray", [VariantSpec("STRAY-1", Decimal("5"), stock={"Central Warehouse": 3})])
    )
    world.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec("STRAY-1", 1)]))
    importer = _importer(world, session)
    assert await importer.import_new() == 1
    assert importer.stats.failed == 1 and world.netsuite.external_id_counts("salesOrder") == {}


def test_a_missing_secret_is_a_clear_error(world: World) -> None:
    env = {k: v for k, v in world.env.items() if k != "NETSUITE_TOKEN_SECRET"}
    with pytest.raises(ValueError, match="NETSUITE_TOKEN_SECRET"):
        NetSuiteRestClient(None, world.contract, env)  # type: ignore[arg-type]


async def test_a_wrong_token_secret_is_refused_by_netsuite(
    world: World, session: aiohttp.ClientSession
) -> None:
    from sandbox.importer import NetSuiteRequestError

    env = {**world.env, "NETSUITE_TOKEN_SECRET": "0" * 64}
    with pytest.raises(NetSuiteRequestError) as refused:
        await NetSuiteRestClient(session, world.contract, env).suiteql("SELECT id FROM item")
    assert refused.value.status == 401


async def test_an_order_netsuite_failed_to_take_is_retried_next_round(
    world: World, session: aiohttp.ClientSession
) -> None:
    from sandbox.netsuite.governance import Fault

    importer = _importer(world, session)
    await importer.prepare()
    placed = world.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec(world.skus[3], 2)]))
    world.netsuite.inject(Fault(kind="error", status=503, count=1, operations=["record_write"]))
    await importer.import_new()
    assert importer.stats.retried == 1 and world.netsuite.external_id_counts("salesOrder") == {}
    await importer.import_new()
    assert world.netsuite.external_id_counts("salesOrder") == {str(placed["id"]): 1}
    assert importer.stats.imported == 1 and importer.stats.failed == 0


async def test_an_order_from_a_location_the_contract_does_not_map_is_counted_as_failed(
    world: World, session: aiohttp.ClientSession
) -> None:
    from sandbox.shopify import LocationSpec

    world.shopify.add_location("eu", LocationSpec("Pop-up Paris"))
    world.shopify.set_stock("eu", {"sku": world.skus[0], "location": "Pop-up Paris", "available": 2})
    world.shopify.place_order(
        "eu", OrderSpec(lines=[OrderLineSpec(world.skus[0], 1)], location="Pop-up Paris")
    )
    importer = _importer(world, session)
    await importer.import_new()
    assert importer.stats.failed == 1 and world.netsuite.external_id_counts("salesOrder") == {}


async def test_with_auto_fulfillment_the_warehouse_ships_imported_orders(
    session: aiohttp.ClientSession,
) -> None:
    import anyio

    from sandbox.world import WorldSpec, build_world

    shipping = await build_world(WorldSpec(skus=3, seed=2, auto_fulfill_every_s=0.1))
    try:
        sku = shipping.skus[2]
        shipping.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec(sku, 2)]))
        await _importer(shipping, session).import_new()
        item, warehouse = shipping.item_ids[sku], shipping.location_ids["warehouse"]
        with anyio.fail_after(5):
            while shipping.netsuite.stock(item, warehouse).committed:
                await shipping.netsuite.next_fulfillment_round()
        assert (
            shipping.netsuite.stock(item, warehouse).on_hand == shipping.initial_stock[(sku, "warehouse")] - 2
        )
    finally:
        await shipping.stop()
