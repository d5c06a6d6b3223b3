"""End to end: after sales in Shopify, Tandem's compare-and-set still matches; a hand edit is drift.

Emulator webhooks → receiver → router → SKU actor (ActorHost) → outbox → InventoryWriter → the
emulator's inventorySetQuantities, all real (nats-server, HTTP). Shopify lowers `available` itself
with every order; the actor follows those movements (actors/sku/shopify_expected.py), so its writes
compare against what Shopify really holds and only a genuine difference counts as drift.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import anyio
import pytest

from actors.runtime.host import ActorHost, HostConfig
from actors.sku.behaviour import SkuBehaviour
from actors.sku_messages import SKU_KIND, StockReading
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import actor
from bus.tracing import BusTracer
from contract.config import Contract
from gateways.shopify.graphql import RetryPolicy, ShopifyGraphQL
from gateways.shopify.inventory_writer import InventoryWriter, WriterConfig
from gateways.shopify.throttle import CostThrottle
from sandbox.shopify import ShopifySandbox, ShopInfo

from .conftest import DEADLINE
from .world import NS_OVERFLOW, NS_STORE, NS_WAREHOUSE, OVERFLOW, SHOP, STORE, WAREHOUSE

pytestmark = pytest.mark.usefixtures("router", "webhooks_to_tandem")


@asynccontextmanager
async def engine(
    bus: Bus, contract: Contract, shop: ShopInfo, http: aiohttp.ClientSession
) -> AsyncIterator[InventoryWriter]:
    """The SKU actors and the shop's inventory writer, as `tandem run` wires them (one task group:
    not a fixture, whose setup and teardown run in different tasks)."""
    client = ShopifyGraphQL(
        http, contract.shop(SHOP), shop.access_token, tracer=BusTracer(None), throttle=CostThrottle(),
        retry=RetryPolicy(base_delay=0.02, max_delay=0.2, timeout=2.0),
    )
    host = ActorHost(bus, SkuBehaviour(contract), HostConfig(idle_after=3600))
    writer = InventoryWriter(bus, client, WriterConfig(coalesce_window=0.02))
    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        await tg.start(writer.run)
        try:
            yield writer
        finally:
            writer.stop()
            host.stop()


async def read_netsuite(bus: Bus, location: str, on_hand: int) -> None:
    reading = StockReading(location=location, on_hand=on_hand, committed=0, read_at=time.time())
    await bus.publish(Outgoing(subject=actor(SKU_KIND, "TEE"), envelope=make_envelope(reading, key="TEE")))


async def eventually(condition: Callable[[], bool], what: str) -> None:
    with anyio.move_on_after(DEADLINE):
        while not condition():
            await anyio.sleep(0.01)
    assert condition(), f"timed out waiting for {what}"


def tee_available(sandbox: ShopifySandbox) -> dict[str, int]:
    return {level["location"]: int(level["available"]) for level in sandbox.inventory(SHOP, "TEE")}


async def test_sales_are_no_drift_and_a_hand_edit_is(
    bus: Bus, sandbox: ShopifySandbox, contract: Contract, shop: ShopInfo, http: aiohttp.ClientSession
) -> None:
    async with engine(bus, contract, shop, http) as writer:
        await sales_then_a_hand_edit(bus, sandbox, writer)


async def sales_then_a_hand_edit(bus: Bus, sandbox: ShopifySandbox, writer: InventoryWriter) -> None:
    for location, on_hand in ((NS_WAREHOUSE, 10), (NS_OVERFLOW, 5), (NS_STORE, 6)):
        await read_netsuite(bus, location, on_hand)
    first = {WAREHOUSE: 10, OVERFLOW: 5, STORE: 6}
    await eventually(lambda: tee_available(sandbox).items() >= first.items(), "the first values in Shopify")
    sandbox.set_faults(SHOP, {"webhook_duplicate_rate": 1.0})  # every webhook twice: followed once

    # A web sale (Shopify: 10 → 8 at the warehouse) and a POS sale (6 → 5): the actor's new values
    # are exactly what Shopify now holds, so the writer has nothing to write.
    order = sandbox.place_order(SHOP, {"lines": [{"sku": "TEE", "quantity": 2}]})
    await eventually(lambda: writer.stats.skipped_unchanged == 1, "the web sale's value, unwritten")
    sandbox.place_order(SHOP, {"lines": [{"sku": "TEE", "quantity": 1}], "source": "pos", "location": STORE})
    await eventually(lambda: writer.stats.skipped_unchanged == 2, "the POS sale's value, unwritten")

    # NetSuite receives 2 more: the write compares against the 8 Shopify holds after the sale.
    await read_netsuite(bus, NS_WAREHOUSE, 12)
    await eventually(lambda: tee_available(sandbox)[WAREHOUSE] == 10, "the received units in Shopify")
    last = [w for w in sandbox.quantity_writes(SHOP) if w.sku == "TEE" and w.location_name == WAREHOUSE][-1]
    assert (last.change_from_quantity, last.after) == (8, 10)

    # A cancel with restock puts 2 back in Shopify; the actor expects it: again nothing to write.
    sandbox.cancel_order(SHOP, order["id"], {"restock": True})
    await eventually(lambda: writer.stats.skipped_unchanged == 3, "the cancelled order's value")
    assert tee_available(sandbox)[WAREHOUSE] == 12
    assert (writer.stats.drift, writer.stats.stale_batches) == (0, 0)

    # A bundle sale takes the bundle's own item in Shopify, not the TEE it is made of: the TEE's
    # value drops by one and is written against the unchanged 12, without drift.
    sandbox.place_order(SHOP, {"lines": [{"sku": "SET", "quantity": 1}]})
    await eventually(lambda: tee_available(sandbox)[WAREHOUSE] == 11, "the bundle's component demand")
    assert (writer.stats.drift, writer.stats.stale_batches) == (0, 0)

    # A merchant lowers the warehouse by hand (11 → 8): the next write is refused as stale, counted
    # once as drift, and the unexplained 3 are subtracted from the new value (14 − 1 − 3).
    sandbox.set_stock(SHOP, {"sku": "TEE", "location": WAREHOUSE, "available": 8, "merchant_edit": True})
    await read_netsuite(bus, NS_WAREHOUSE, 14)
    await eventually(lambda: tee_available(sandbox)[WAREHOUSE] == 10, "the corrected value in Shopify")
    assert writer.stats.drift == 1
