"""End to end with the real SKU actor: emulator webhooks move a channel's available-to-sell, once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import anyio
import msgspec
import pytest

from actors.runtime.host import ActorHost, HostConfig
from actors.sku.behaviour import SkuBehaviour
from actors.sku_messages import SKU_KIND, AvailableChanged, MessageParked, StockReading
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import ALERTS, actor
from contract.config import Contract
from sandbox.shopify import ShopifySandbox

from .conftest import DEADLINE, StreamReader, read_stream
from .world import NS_WAREHOUSE, SHOP, UNMAPPED_STORE

pytestmark = pytest.mark.usefixtures("router", "webhooks_to_tandem")


@pytest.fixture
async def sku_actors(bus: Bus, contract: Contract) -> AsyncIterator[ActorHost]:
    host = ActorHost(bus, SkuBehaviour(contract), HostConfig(idle_after=30.0))
    task = asyncio.create_task(host.run())
    try:
        yield host
    finally:
        host.stop()
        with anyio.fail_after(DEADLINE):
            await task


_available = msgspec.json.Decoder(dict)


def online_values(reader: StreamReader, sku: str) -> list[int]:
    values = []
    for msg in reader.messages:
        payload = msgspec.convert(_available.decode(msg.data)["payload"], AvailableChanged)
        if payload.sku == sku and payload.channel == "alpha-online":
            values.append(payload.value)
    return values


async def test_orders_and_cancellations_from_shopify_move_available_to_sell_exactly_once(
    bus: Bus, sandbox: ShopifySandbox, sku_actors: ActorHost
) -> None:
    available = await read_stream(bus, "evt.tandem.available.>")
    reading = StockReading(location=NS_WAREHOUSE, on_hand=10, committed=0, read_at=time.time())
    await bus.publish(
        Outgoing(subject=actor(SKU_KIND, "TEE"), envelope=make_envelope(reading, key="TEE", id="reading-1"))
    )
    await available.wait_for(lambda _: online_values(available, "TEE")[-1:] == [10])
    sandbox.set_faults(SHOP, {"webhook_duplicate_rate": 1.0})  # every delivery twice: counted once
    order = sandbox.place_order(SHOP, {"lines": [{"sku": "TEE", "quantity": 2}]})
    await available.wait_for(lambda _: online_values(available, "TEE")[-1:] == [8])
    sandbox.cancel_order(SHOP, order["id"], {"restock": True})
    await available.wait_for(lambda _: online_values(available, "TEE")[-1:] == [10])
    assert online_values(available, "TEE") == [10, 8, 10]


async def test_a_sale_at_a_store_the_contract_does_not_map_is_parked_and_reported(
    bus: Bus, sandbox: ShopifySandbox, sku_actors: ActorHost
) -> None:
    alerts = await read_stream(bus, ALERTS)
    sandbox.place_order(
        SHOP, {"lines": [{"sku": "MUG", "quantity": 1}], "source": "pos", "location": UNMAPPED_STORE}
    )
    [alert] = await alerts.wait_for(lambda msgs: len(msgs) >= 1)
    parked = msgspec.convert(_available.decode(alert.data)["payload"], MessageParked)
    assert (parked.key, parked.message_type) == ("MUG", "sku.order_line")
    assert "unmapped:alpha:gid://shopify/Location/" in parked.reason
