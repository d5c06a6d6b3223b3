"""POS/checkout holds over HTTP → `evt.pos.<location>.hold` → HoldPlaced/HoldReleased for the SKU actor."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from actors.sku_messages import HoldPlaced, HoldReleased
from bus.bus import Bus
from bus.subjects import STREAM_INGRESS
from sandbox.shopify import ShopifySandbox

from .conftest import StreamReader, read_stream, sku_payloads, stored_count
from .world import NS_STORE, SHOP, STORE, location_gids

pytestmark = pytest.mark.usefixtures("router")

HOLD = {
    "hold_id": "h-1",
    "shop": SHOP,
    "location": NS_STORE,
    "sku": "TEE",
    "quantity": 2,
    "expires_in_seconds": 60,
}


async def post_hold(http: aiohttp.ClientSession, inbound: str, body: Any) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else None
    async with http.post(f"{inbound}/pos/holds", json=None if data else body, data=data) as response:
        return response.status, await response.json()


async def test_a_hold_at_a_shopify_location_reaches_the_sku_actor_at_its_netsuite_location(
    bus: Bus, http: aiohttp.ClientSession, inbound: str, sandbox: ShopifySandbox, sku_messages: StreamReader
) -> None:
    ingress = await read_stream(bus, "evt.pos.>")
    before = time.time()
    status, reply = await post_hold(http, inbound, {**HOLD, "location": location_gids(sandbox)[STORE]})
    assert status == 202, reply
    assert reply["subject"] == f"evt.pos.{NS_STORE}.hold"
    [held] = (
        await sku_messages.wait_for(lambda m: sku_payloads(m, HoldPlaced, "TEE")),
        sku_payloads(sku_messages.messages, HoldPlaced, "TEE"),
    )[1]
    assert (held.hold_id, held.location, held.quantity) == ("h-1", NS_STORE, 2)
    assert before + 60 <= held.expires_at <= time.time() + 60
    await ingress.wait_for(lambda msgs: len(msgs) == 1)


async def test_the_same_hold_sent_twice_is_stored_once_and_a_release_follows(
    bus: Bus, http: aiohttp.ClientSession, inbound: str, sku_messages: StreamReader
) -> None:
    body = {**HOLD, "expires_in_seconds": None, "expires_at": "2030-01-01T00:00:00+00:00"}
    for duplicate in (False, True):
        status, reply = await post_hold(http, inbound, body)
        assert (status, reply["duplicate"]) == (202, duplicate)
    async with http.delete(f"{inbound}/pos/holds/h-1", params={"shop": SHOP, "sku": "TEE"}) as response:
        assert response.status == 202
    await sku_messages.wait_for(lambda m: sku_payloads(m, HoldReleased, "TEE"))
    [held] = sku_payloads(sku_messages.messages, HoldPlaced, "TEE")
    assert held.expires_at == 1893456000.0
    assert sku_payloads(sku_messages.messages, HoldReleased, "TEE") == [HoldReleased(hold_id="h-1")]
    assert await stored_count(bus, STREAM_INGRESS, "evt.pos.>") == 2


@pytest.mark.parametrize("order_id", ["5550001", "gid://shopify/Order/5550001"])
async def test_a_release_into_an_order_names_the_order_as_its_webhooks_do(
    http: aiohttp.ClientSession, inbound: str, sku_messages: StreamReader, order_id: str
) -> None:
    params = {"shop": SHOP, "sku": "TEE", "order_id": order_id}
    async with http.delete(f"{inbound}/pos/holds/h-2", params=params) as response:
        assert response.status == 202
    await sku_messages.wait_for(lambda m: sku_payloads(m, HoldReleased, "TEE"))
    assert sku_payloads(sku_messages.messages, HoldReleased, "TEE") == [
        HoldReleased(hold_id="h-2", order_id="5550001")
    ]


async def test_a_kits_hold_and_its_release_hold_and_free_its_components(
    http: aiohttp.ClientSession, inbound: str, sku_messages: StreamReader
) -> None:
    status, _ = await post_hold(http, inbound, {**HOLD, "hold_id": "h-kit", "sku": "SET", "quantity": 3})
    assert status == 202
    params = {"shop": SHOP, "sku": "SET", "order_id": "77"}
    async with http.delete(f"{inbound}/pos/holds/h-kit", params=params) as response:
        assert response.status == 202
    await sku_messages.wait_for(
        lambda m: all(len(sku_payloads(m, HoldReleased, sku)) == 1 for sku in ("TEE", "MUG"))
    )
    held = {sku: sku_payloads(sku_messages.messages, HoldPlaced, sku) for sku in ("TEE", "MUG", "SET")}
    assert [(h.hold_id, h.quantity) for h in held["TEE"]] == [("h-kit", 3)]  # SET = 1 x TEE + 2 x MUG
    assert [(h.hold_id, h.quantity) for h in held["MUG"]] == [("h-kit", 6)]
    assert held["SET"] == []  # the kit's own actor takes no demand
    released = sku_payloads(sku_messages.messages, HoldReleased, "MUG")
    assert released == [HoldReleased(hold_id="h-kit", order_id="77")]


async def test_a_hold_at_an_unknown_location_is_kept_for_the_actor_to_park(
    http: aiohttp.ClientSession, inbound: str, sku_messages: StreamReader
) -> None:
    status, _ = await post_hold(http, inbound, {**HOLD, "location": "gid://shopify/Location/999"})
    assert status == 202
    await sku_messages.wait_for(lambda m: sku_payloads(m, HoldPlaced, "TEE"))
    [held] = sku_payloads(sku_messages.messages, HoldPlaced, "TEE")
    assert held.location == f"unmapped:{SHOP}:gid://shopify/Location/999"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in HOLD.items() if k != "quantity"}, "quantity: is required"),
        ({**HOLD, "quantity": 0}, "quantity: expected `int` >= 1"),
        ({**HOLD, "quantity": "two"}, "quantity: expected `int`"),
        ({**HOLD, "sku": ""}, "sku: expected `str` of length >= 1"),
        ({**HOLD, "shop": "beta"}, "shop: unknown shop 'beta'"),
        ({**HOLD, "expires_at": 1893456000}, "expires_at: give exactly one"),
        ({k: v for k, v in HOLD.items() if k != "expires_in_seconds"}, "expires_at: give exactly one"),
        ({**HOLD, "expires_in_seconds": None, "expires_at": "tomorrow"}, "expires_at: not an ISO 8601 time"),
        ({**HOLD, "colour": "red"}, "colour: is not a known field"),
        (b"{not json", "body: not JSON"),
        ([1, 2], "body: expected `object`"),
    ],
)
async def test_bad_hold_input_is_a_400_naming_the_field_and_nothing_is_stored(
    bus: Bus, http: aiohttp.ClientSession, inbound: str, body: Any, field: str
) -> None:
    status, reply = await post_hold(http, inbound, body)
    assert status == 400
    assert reply["error"].startswith(field), reply
    assert await stored_count(bus, STREAM_INGRESS, "evt.>") == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"shop": SHOP}, "sku: required"),
        ({"sku": "TEE"}, "shop: required"),
        ({"sku": "TEE", "shop": "beta"}, "shop: unknown shop"),
        ({"sku": "TEE", "shop": SHOP, "order_id": "gid://shopify/Product/5"}, "order_id: not a Shopify"),
        ({"sku": "TEE", "shop": SHOP, "order_id": "#1001"}, "order_id: not a Shopify"),
    ],
)
async def test_a_release_without_shop_or_sku_is_a_400(
    bus: Bus, http: aiohttp.ClientSession, inbound: str, params: dict[str, str], field: str
) -> None:
    async with http.delete(f"{inbound}/pos/holds/h-1", params=params) as response:
        assert response.status == 400
        assert (await response.json())["error"].startswith(field)
    assert await stored_count(bus, STREAM_INGRESS, "evt.>") == 0
