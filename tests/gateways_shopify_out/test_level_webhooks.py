"""inventory_levels/update → LevelWebhooks → SKU actor → writer: a hand edit up in Shopify is overwritten
and reported as drift; our own writes' echoes and sales change nothing (real emulator, real NATS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import msgspec

from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from contract.loading import parse_contract
from gateways.shopify.level_webhooks import LevelWebhooks
from gateways.shopify.messages import ShopifyWebhook
from sandbox.shopify import StockSpec
from sandbox.shopify.payloads import inventory_level_payload

from .conftest import SHOP, World, eventually
from .test_actor_to_shopify import contract_text, engine, send_reading


async def deliver_level_webhook(bus: Bus, world: World, sku: str, webhook_id: str) -> None:
    """What the receiver stores for Shopify's inventory_levels/update of `sku` at the warehouse now."""
    state = world.sandbox.runtime(SHOP).state
    item_id = state.variant_by_sku(sku).inventory_item_id
    location_id = state.location("Warehouse").id
    body = inventory_level_payload(state, state.levels[(item_id, location_id)])
    await publish_webhook(bus, body, webhook_id)


async def publish_webhook(bus: Bus, body: Any, webhook_id: str) -> None:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    webhook = ShopifyWebhook(
        shop=SHOP, topic="inventory_levels/update", webhook_id=webhook_id, body=msgspec.Raw(raw)
    )
    subject = subjects.shopify_event(SHOP, "inventory_levels/update")
    await bus.publish(Outgoing(subject=subject, envelope=make_envelope(webhook, key=webhook_id)))


@asynccontextmanager
async def checking(world: World, bus: Bus) -> AsyncIterator[tuple[Any, LevelWebhooks]]:
    async with engine(world, bus) as writer:
        levels = LevelWebhooks(
            bus, writer.reads, parse_contract(contract_text(world)), written=writer.written, retry_delay=0.1
        )
        async with anyio.create_task_group() as tg:
            await tg.start(levels.run)
            try:
                yield writer, levels
            finally:
                levels.stop()


async def test_a_hand_edit_up_is_overwritten_and_reported_as_drift(world: World, bus: Bus) -> None:
    async with checking(world, bus) as (writer, levels):
        await send_reading(bus, "SKU-040", 9)
        await eventually(lambda: world.available("SKU-040") == 8, what="Tandem's value in Shopify")
        await deliver_level_webhook(bus, world, "SKU-040", "w-echo")  # the echo of our own write
        await eventually(lambda: levels.stats.echoes == 1, what="echo recognised")
        world.sandbox.set_stock(SHOP, StockSpec("SKU-040", "Warehouse", 50, merchant_edit=True))
        await deliver_level_webhook(bus, world, "SKU-040", "w-edit")
        await eventually(lambda: world.available("SKU-040") == 8, what="the hand edit overwritten")
    assert writer.stats.drift == 1
    app_writes = [(w.before, w.after) for w in world.writes("SKU-040") if w.app != "shopify-admin"]
    assert app_writes[-1] == (50, 8)
    assert (levels.stats.checked, levels.stats.echoes, levels.stats.dead_lettered) == (1, 1, 0)


async def test_items_tandem_does_not_manage_and_bad_bodies_are_not_sent(world: World, bus: Bus) -> None:
    async with checking(world, bus) as (_, levels):
        at = "2026-01-01T00:00:00Z"
        untracked = {"inventory_item_id": 1, "location_id": 1, "available": None, "updated_at": at}
        unknown_item = {**untracked, "inventory_item_id": 987654321, "available": 5}
        await publish_webhook(bus, untracked, "w-1")
        await publish_webhook(bus, unknown_item, "w-2")
        await publish_webhook(bus, b"{not json", "w-3")
        await eventually(
            lambda: levels.stats.unmanaged == 2 and levels.stats.dead_lettered == 1, what="all three handled"
        )
    assert levels.stats.checked == 0
