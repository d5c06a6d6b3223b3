"""Item master NetSuite → Shopify, and the ownership check on products/update, against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import anyio
import msgspec
from structlog.testing import capture_logs

from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import netsuite_event, shopify_event
from contract.ownership import DEFAULT_OWNERSHIP, Owner
from gateways.netsuite.messages import ITEM_EVENT_KIND, ItemChanged
from gateways.shopify.item_rules import (
    FieldDrift,
    ShopifyVariant,
    differences,
    product_update,
    variant_update,
)
from gateways.shopify.item_sync import ItemSync, ItemSyncConfig
from gateways.shopify.messages import ShopifyWebhook
from sandbox.shopify.payloads import product_payload
from sandbox.shopify.requests import FaultSpec, VariantEditSpec

from .conftest import SHOP, World, eventually


def netsuite_owns(data: str) -> Owner:
    return DEFAULT_OWNERSHIP[data]


def item(sku: str, **fields: Any) -> ItemChanged:
    values: dict[str, Any] = {
        "item_id": sku,
        "sku": sku,
        "title": f"Product {sku}",
        "price": Decimal("10"),
        "weight": None,
        "active": True,
        "item_type": "InvtPart",
        "modified_at": 1.0,
        "read_at": 2.0,
    }
    return ItemChanged(**(values | fields))


async def publish_items(bus: Bus, *items: ItemChanged) -> None:
    await bus.publish_many(
        [
            Outgoing(subject=netsuite_event(ITEM_EVENT_KIND), envelope=make_envelope(i, key=i.sku))
            for i in items
        ]
    )


async def publish_product_update(bus: Bus, body: dict[str, Any], webhook_id: str) -> None:
    webhook = ShopifyWebhook(
        shop=SHOP, topic="products/update", webhook_id=webhook_id, body=msgspec.Raw(msgspec.json.encode(body))
    )
    subject = shopify_event(SHOP, "products/update")
    await bus.publish(Outgoing(subject=subject, envelope=make_envelope(webhook, key=webhook_id)))


@asynccontextmanager
async def run_item_sync(
    world: World, bus: Bus, owner_of: Any = netsuite_owns, config: ItemSyncConfig | None = None
) -> AsyncIterator[ItemSync]:
    sync = ItemSync(bus, {SHOP: world.client()}, owner_of, config)
    async with anyio.create_task_group() as tg:
        await tg.start(sync.run)
        try:
            yield sync
        finally:
            sync.stop()


def variant(world: World, sku: str) -> Any:
    state = world.sandbox.runtime(SHOP).state
    return state.variant_by_sku(sku)


def product_of(world: World, sku: str) -> Any:
    state = world.sandbox.runtime(SHOP).state
    return next(p for p in state.products.values() if variant(world, sku).id in p.variant_ids)


async def test_a_saved_item_updates_only_what_differs(world: World, bus: Bus) -> None:
    await publish_items(
        bus,
        item("SKU-000", price=Decimal("12.50"), weight=Decimal("0.5")),
        item("SKU-001"),  # already what Shopify shows
        item("NOT-IN-SHOPIFY"),
    )
    async with run_item_sync(world, bus) as sync:
        await eventually(
            lambda: sync.stats.items_seen == 3 and sync.stats.last_success is not None, what="sync"
        )

    assert variant(world, "SKU-000").price == Decimal("12.50")
    assert variant(world, "SKU-000").grams == 500
    assert sync.stats.variants_updated == 1 and sync.stats.unchanged == 1
    assert sync.stats.products_updated == 0 and sync.stats.drift == 0


async def test_a_small_bucket_splits_the_lookups_and_is_never_run_dry(world: World, bus: Bus) -> None:
    world.sandbox.configure_throttle(SHOP, bucket_size=200, restore_rate=400)
    skus = [f"SKU-{n:03d}" for n in range(100, 160)]
    await publish_items(bus, *(item(sku, price=Decimal("11")) for sku in skus))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: sync.stats.variants_updated == len(skus), what="every variant updated")
    assert sync.clients[SHOP].stats.throttled == 0
    assert all(variant(world, sku).price == Decimal("11") for sku in skus)


async def test_a_price_in_another_currency_than_the_shops_is_left_to_the_shop(world: World, bus: Bus) -> None:
    await publish_items(bus, item("SKU-010", price=Decimal("30"), weight=Decimal("2")))
    async with run_item_sync(world, bus, config=ItemSyncConfig(price_currency="EUR")) as sync:
        await eventually(lambda: sync.stats.variants_updated == 1, what="weight synced")
    assert variant(world, "SKU-010").price == Decimal("10")  # the USD shop keeps its price
    assert variant(world, "SKU-010").grams == 2000


async def test_title_and_active_follow_netsuite_on_a_single_variant_product(world: World, bus: Bus) -> None:
    await publish_items(bus, item("SKU-002", title="Tote, natural", active=False))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: sync.stats.products_updated == 1, what="product update")
    assert product_of(world, "SKU-002").title == "Tote, natural"
    assert product_of(world, "SKU-002").status == "ARCHIVED"


async def test_a_shopify_price_edit_is_drift_overwritten_and_reported_with_both_values(
    world: World, bus: Bus
) -> None:
    await publish_items(bus, item("SKU-003", price=Decimal("12.50")))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: variant(world, "SKU-003").price == Decimal("12.50"), what="first sync")
        body = world.sandbox.edit_variant(SHOP, "SKU-003", VariantEditSpec(price=Decimal("5.00")))
        with capture_logs() as logs:
            await publish_product_update(bus, body, "w-1")
            await eventually(lambda: sync.stats.drift == 1, what="drift")
            await eventually(lambda: variant(world, "SKU-003").price == Decimal("12.50"), what="overwrite")
    (drift,) = [entry for entry in logs if entry["event"] == "item.drift"]
    expected = {"sku": "SKU-003", "shop": SHOP, "field": "price", "netsuite": "12.50", "shopify": "5.0"}
    assert {key: drift[key] for key in expected} == expected


async def test_our_own_writes_coming_back_as_products_update_are_not_drift(world: World, bus: Bus) -> None:
    await publish_items(bus, item("SKU-004", price=Decimal("11")))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: variant(world, "SKU-004").price == Decimal("11"), what="sync")
        # the echo of our own write: products/update showing the value we wrote
        echo = product_payload(world.sandbox.runtime(SHOP).state, product_of(world, "SKU-004"))
        await publish_product_update(bus, echo, "w-echo")
        await eventually(lambda: sync.stats.products_updates_seen == 1, what="echo checked")
    assert sync.stats.drift == 0 and sync.stats.variants_updated == 1


async def test_a_restart_remembers_netsuite_values_for_the_ownership_check(world: World, bus: Bus) -> None:
    await publish_items(
        bus, item("SKU-005", price=Decimal("9")), item("SKU-005", price=Decimal("8"), modified_at=5.0)
    )
    async with run_item_sync(world, bus):
        await eventually(lambda: variant(world, "SKU-005").price == Decimal("8"), what="sync")
    body = world.sandbox.edit_variant(SHOP, "SKU-005", VariantEditSpec(price=Decimal("99")))
    await publish_product_update(bus, body, "w-2")
    async with run_item_sync(world, bus) as restarted:
        assert restarted.masters["SKU-005"].price == Decimal("8")  # read back from the stream
        await eventually(lambda: restarted.stats.drift == 1, what="drift after restart")
        await eventually(lambda: variant(world, "SKU-005").price == Decimal("8"), what="overwrite")


async def test_an_item_renamed_in_netsuite_renames_the_shopify_sku(world: World, bus: Bus) -> None:
    await publish_items(bus, item("SKU-007", item_id="ns-7"))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: sync.stats.unchanged == 1, what="first sight of the item")
        await publish_items(bus, item("SKU-007-B", item_id="ns-7", modified_at=2.0))
        await eventually(lambda: sync.stats.variants_updated == 1, what="rename")
    renamed = world.sandbox.runtime(SHOP).state.variant_by_sku("SKU-007-B")
    assert renamed.price == Decimal("10") and "SKU-007" not in sync.masters


async def test_a_rename_survives_shopify_being_down_while_it_is_applied(world: World, bus: Bus) -> None:
    await publish_items(bus, item("SKU-008", item_id="ns-8"))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: sync.stats.unchanged == 1, what="first sight of the item")
        world.sandbox.set_faults(SHOP, FaultSpec(error_rate=1.0, error_status=503))
        await publish_items(bus, item("SKU-008-B", item_id="ns-8", price=Decimal("13"), modified_at=2.0))
        await eventually(lambda: sync.stats.failures >= 2, what="failed attempts")
        world.sandbox.set_faults(SHOP, FaultSpec())
        await eventually(lambda: sync.stats.variants_updated == 1, what="rename after recovery")
    renamed = world.sandbox.runtime(SHOP).state.variant_by_sku("SKU-008-B")
    assert renamed.price == Decimal("13")


async def test_a_rename_saved_while_the_sync_was_down_is_applied_after_the_restart(
    world: World, bus: Bus
) -> None:
    await publish_items(bus, item("SKU-009", item_id="ns-9"))
    async with run_item_sync(world, bus) as sync:
        await eventually(lambda: sync.stats.unchanged == 1, what="first sight of the item")
    await publish_items(bus, item("SKU-009-B", item_id="ns-9", modified_at=2.0))
    async with run_item_sync(world, bus) as restarted:
        await eventually(lambda: restarted.stats.variants_updated == 1, what="rename")
    assert world.sandbox.runtime(SHOP).state.variant_by_sku("SKU-009-B") is not None


async def test_a_field_the_contract_gives_to_shopify_is_left_alone(world: World, bus: Bus) -> None:
    def shopify_owns_price(data: str) -> Owner:
        return "shopify" if data == "items.price" else DEFAULT_OWNERSHIP[data]

    await publish_items(bus, item("SKU-006", price=Decimal("42")))
    async with run_item_sync(world, bus, shopify_owns_price) as sync:
        await eventually(
            lambda: sync.stats.items_seen == 1 and sync.stats.last_success is not None, what="seen"
        )
    assert variant(world, "SKU-006").price == Decimal("10")
    assert sync.stats.unchanged == 1


def shopify_variant(**fields: Any) -> ShopifyVariant:
    values: dict[str, Any] = {
        "variant_id": "v",
        "product_id": "p",
        "sku": "A",
        "price": Decimal("10.0"),
        "grams": 0,
        "title": "Product A",
        "active": True,
        "single_variant": True,
    }
    return ShopifyVariant(**(values | fields))


def test_prices_compare_as_decimals_and_weights_in_grams() -> None:
    same = item("A", price=Decimal("10.00"), weight=Decimal("0"))
    assert differences(same, shopify_variant(), netsuite_owns, "KILOGRAMS") == []
    heavier = item("A", weight=Decimal("1.5"))
    assert differences(heavier, shopify_variant(), netsuite_owns, "POUNDS") == [
        FieldDrift("weight", "680 g", "0 g")
    ]


def test_title_and_status_of_a_multi_variant_product_are_not_one_items_to_change() -> None:
    renamed = item("A", title="Other", active=False)
    assert differences(renamed, shopify_variant(single_variant=False), netsuite_owns, "GRAMS") == []
    found = differences(renamed, shopify_variant(), netsuite_owns, "GRAMS")
    assert [d.field for d in found] == ["title", "active"]
    assert product_update(renamed, shopify_variant(), found) == {
        "id": "p",
        "title": "Other",
        "status": "ARCHIVED",
    }
    assert variant_update(renamed, shopify_variant(), found, "GRAMS") is None


def test_a_missing_netsuite_value_is_not_a_difference() -> None:
    unknown = item("A", price=None, weight=None, title=None)
    assert differences(unknown, shopify_variant(price=Decimal("3")), netsuite_owns, "GRAMS") == []
