"""The world: both emulators hold one catalog and start consistent; the contract is valid, secret-free."""

from __future__ import annotations

import aiohttp
import pytest

from contract.loading import parse_contract
from contract.toml_writer import contract_toml
from sandbox.importer import NetSuiteRestClient
from sandbox.world import World, WorldSpec, build_world
from sandbox.world_spec import SITES, catalog_skus, initial_stock


async def test_netsuite_and_both_shops_carry_the_same_skus(
    world: World, session: aiohttp.ClientSession
) -> None:
    rows = await NetSuiteRestClient(session, world.contract, world.env).suiteql(
        "SELECT itemid, itemtype FROM item ORDER BY id"
    )
    netsuite = {row["itemid"]: row["itemtype"] for row in rows}
    assert netsuite == {**dict.fromkeys(world.skus, "InvtPart"), world.bundle.sku: "Kit"}
    for shop in ("us", "eu"):
        skus = {item.sku for item in world.shopify.runtime(shop).state.items.values()}
        assert skus == set(world.sellable_skus())


async def test_shopify_available_starts_at_netsuite_available_of_the_mapped_location(world: World) -> None:
    for (shop, site), gid in world.shop_locations.items():
        for sku in world.skus:
            level = world.netsuite.stock(world.item_ids[sku], world.location_ids[site])
            [shopify] = [row for row in world.shopify.inventory(shop, sku) if row["location_id"] == gid]
            assert (
                shopify["available"]
                == int(level.on_hand - level.committed)
                == world.initial_stock[(sku, site)]
            )
        kits = min(
            world.initial_stock[(sku, site)] // units for sku, units in world.bundle.components.items()
        )
        [bundle] = [r for r in world.shopify.inventory(shop, world.bundle.sku) if r["location_id"] == gid]
        assert bundle["available"] == kits


def test_the_contract_round_trips_through_the_contract_loader(world: World) -> None:
    assert parse_contract(contract_toml(world.contract)) == world.contract
    assert {c.name for c in world.contract.channels} == {
        "us-online",
        "eu-online",
        "pos-brooklyn",
        "pos-manhattan",
    }
    warehouse = world.contract.location(str(world.location_ids["warehouse"]))
    assert warehouse is not None and set(warehouse.shopify) == {"us", "eu"}


def test_secrets_are_in_the_environment_not_in_the_contract(world: World) -> None:
    text = contract_toml(world.contract)
    named = {
        world.contract.netsuite.consumer_key_env,
        world.contract.netsuite.token_secret_env,
        *(shop.access_token_env for shop in world.contract.shops),
        *(shop.webhook_secret_env for shop in world.contract.shops),
    }
    assert named <= set(world.env)
    for value in world.env.values():
        assert len(value) >= 16 and value not in text
    assert world.env["SHOPIFY_US_ACCESS_TOKEN"] == world.shopify.shop_info("us").access_token
    assert world.env["NETSUITE_TOKEN_ID"] == world.netsuite.credentials.token_id


async def test_the_same_seed_builds_the_same_world_and_another_seed_another() -> None:
    spec = WorldSpec(skus=5, seed=3)
    assert initial_stock(spec, catalog_skus(5)) == initial_stock(WorldSpec(skus=5, seed=3), catalog_skus(5))
    assert initial_stock(spec, catalog_skus(5)) != initial_stock(WorldSpec(skus=5, seed=4), catalog_skus(5))
    first, second = await build_world(spec), await build_world(spec)
    try:
        assert first.env == second.env
        assert first.initial_stock == second.initial_stock
        assert {k: v.netsuite_id for k, v in zip(SITES, first.contract.locations, strict=True)} == {
            k: v.netsuite_id for k, v in zip(SITES, second.contract.locations, strict=True)
        }
    finally:
        await first.stop()
        await second.stop()


def test_a_world_needs_two_skus_for_its_bundle() -> None:
    with pytest.raises(ValueError, match="at least 2 SKUs"):
        catalog_skus(1)


async def test_orders_of_the_two_shops_never_share_an_id(world: World) -> None:
    from sandbox.shopify import OrderLineSpec, OrderSpec

    us = world.shopify.place_order("us", OrderSpec(lines=[OrderLineSpec(world.skus[0], 1)]))
    eu = world.shopify.place_order("eu", OrderSpec(lines=[OrderLineSpec(world.skus[0], 1)]))
    assert us["id"] != eu["id"]
