"""The interval-copy connector copies NetSuite's available quantity to every channel's Shopify locations."""

from __future__ import annotations

import aiohttp

from bench.baseline import IntervalConnector, kit_availability, targets_of
from sandbox.shopify import OrderLineSpec, OrderSpec
from sandbox.world import World


def _available(world: World, shop: str, sku: str, site: str) -> int:
    gid = world.shop_locations[(shop, site)]
    [row] = [r for r in world.shopify.inventory(shop, sku) if r["location_id"] == gid]
    return int(row["available"])


def _netsuite_available(world: World, sku: str, site: str) -> int:
    level = world.netsuite.stock(world.item_ids[sku], world.location_ids[site])
    return int(level.on_hand - level.committed)


async def test_netsuite_values_reach_every_channel_location(
    world: World, session: aiohttp.ClientSession
) -> None:
    sku = world.skus[0]
    world.netsuite.receive_stock(world.item_ids[sku], world.location_ids["warehouse"], 7)
    world.netsuite.adjust_stock(world.item_ids[world.skus[3]], world.location_ids["3pl"], -1)
    connector = IntervalConnector(session, world.contract, world.env, interval=1.0)
    await connector.sync_once()
    for shop, site in world.shop_locations:
        for each in world.skus:
            assert _available(world, shop, each, site) == _netsuite_available(world, each, site)
    # the shared warehouse gets the whole NetSuite quantity in both shops: that is what connectors do
    assert (
        _available(world, "us", sku, "warehouse")
        == _available(world, "eu", sku, "warehouse")
        == (world.initial_stock[(sku, "warehouse")] + 7)
    )


async def test_it_overwrites_shopify_with_a_stale_netsuite_value(
    world: World, session: aiohttp.ClientSession
) -> None:
    sku = world.skus[1]
    connector = IntervalConnector(session, world.contract, world.env, interval=1.0, mode="full")
    await connector.sync_once()
    world.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec(sku, 2)]))  # not imported into NetSuite
    assert _available(world, "us", sku, "warehouse") == world.initial_stock[(sku, "warehouse")] - 2
    await connector.sync_once()
    assert _available(world, "us", sku, "warehouse") == world.initial_stock[(sku, "warehouse")]
    writes = world.shopify.quantity_writes("us")
    assert writes and all(w.change_from_quantity is None for w in writes)


async def test_changed_mode_writes_only_what_moved_in_netsuite(
    world: World, session: aiohttp.ClientSession
) -> None:
    connector = IntervalConnector(session, world.contract, world.env, interval=1.0)
    first = await connector.sync_once()
    assert first == len(targets_of(world.contract)) * len(world.sellable_skus())
    assert await connector.sync_once() == 0
    world.netsuite.receive_stock(world.item_ids[world.skus[2]], world.location_ids["brooklyn"], 3)
    assert await connector.sync_once() == 1
    calls, throttled = world.api_calls()
    assert throttled == 0 and calls >= 4  # item lookups per shop, then the batched writes


async def test_the_bundle_gets_the_kits_its_components_make(
    world: World, session: aiohttp.ClientSession
) -> None:
    a, b = world.bundle.components
    world.netsuite.adjust_stock(
        world.item_ids[b], world.location_ids["brooklyn"], -world.initial_stock[(b, "brooklyn")] + 3
    )  # 3 units of b left: 1 kit
    await IntervalConnector(session, world.contract, world.env, interval=1.0).sync_once()
    expected = min(world.initial_stock[(a, "brooklyn")], 3 // world.bundle.components[b])
    assert _available(world, "us", world.bundle.sku, "brooklyn") == expected


def test_kit_availability_is_the_fewest_whole_kits() -> None:
    stock = {("A", "1"): 7, ("B", "1"): 5, ("A", "2"): -2, ("B", "2"): 9}
    kits = {"K": {"A": 2, "B": 1}}
    assert kit_availability(stock, kits, {"1", "2"}) == {("K", "1"): 3, ("K", "2"): 0}


async def test_a_failed_round_is_logged_and_the_next_one_catches_up(
    world: World, session: aiohttp.ClientSession
) -> None:
    import anyio

    from sandbox.netsuite.governance import Fault

    connector = IntervalConnector(session, world.contract, world.env, interval=0.05)
    await connector.prepare()
    sku = world.skus[4]
    world.netsuite.receive_stock(world.item_ids[sku], world.location_ids["manhattan"], 5)
    world.netsuite.inject(Fault(kind="error", status=500, count=1, operations=["suiteql"]))
    async with anyio.create_task_group() as tasks:
        await tasks.start(connector.run)
        with anyio.fail_after(5):
            while _available(world, "us", sku, "manhattan") != _netsuite_available(world, sku, "manhattan"):
                await anyio.sleep(0.02)
        tasks.cancel_scope.cancel()
    assert connector.stats.failed_rounds == 1
