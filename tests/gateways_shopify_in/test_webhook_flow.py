"""Real emulator webhooks over HTTP → receiver → JetStream → router → `act.sku.*`."""

from __future__ import annotations

import aiohttp
import anyio
import msgspec
import pytest

from actors.sku_messages import OrderCancelled, OrderLine, Refund
from bus.bus import Bus
from bus.streams import STREAMS, ensure_stream
from bus.subjects import STREAM_DLQ, STREAM_INGRESS
from gateways.shopify.messages import ShopifyWebhook
from gateways.shopify.router import IngressRouter
from gateways.shopify.webhooks import WEBHOOK_PATH
from sandbox.shopify import ShopifySandbox, ShopInfo, sign

from .conftest import DEADLINE, StreamReader, read_stream, sku_payloads, stored_count
from .world import NS_STORE, NS_WAREHOUSE, SECRET, SHOP, STORE

pytestmark = pytest.mark.usefixtures("router")


def lines_of(reader: StreamReader, sku: str) -> list[OrderLine]:
    return sku_payloads(reader.messages, OrderLine, sku)


async def settle(sandbox: ShopifySandbox) -> None:
    with anyio.fail_after(DEADLINE):
        await sandbox.wait_for_webhooks()


async def test_a_web_order_reaches_each_of_its_skus_as_an_order_line(
    sandbox: ShopifySandbox, shop: ShopInfo, webhooks_to_tandem: str, sku_messages: StreamReader
) -> None:
    order = sandbox.place_order(
        SHOP, {"lines": [{"sku": "TEE", "quantity": 2}, {"sku": "SET", "quantity": 1}]}
    )
    await sku_messages.wait_for(lambda _: lines_of(sku_messages, "TEE") and lines_of(sku_messages, "MUG"))
    tee = lines_of(sku_messages, "TEE")
    assert sorted(line.quantity for line in tee) == [1, 2]  # its own line and the bundle's
    assert {(line.order_id, line.location) for line in tee} == {(str(order["id"]), NS_WAREHOUSE)}
    assert [line.quantity for line in lines_of(sku_messages, "MUG")] == [2]


async def test_a_pos_sale_is_demand_at_its_stores_netsuite_location(
    sandbox: ShopifySandbox, shop: ShopInfo, webhooks_to_tandem: str, sku_messages: StreamReader
) -> None:
    sandbox.place_order(SHOP, {"lines": [{"sku": "MUG", "quantity": 1}], "source": "pos", "location": STORE})
    [line] = (
        await sku_messages.wait_for(lambda _: lines_of(sku_messages, "MUG")),
        lines_of(sku_messages, "MUG"),
    )[1]
    assert line.location == NS_STORE


async def test_cancel_and_refund_arrive_as_order_cancelled_and_restocking_refund(
    sandbox: ShopifySandbox, shop: ShopInfo, webhooks_to_tandem: str, sku_messages: StreamReader
) -> None:
    kept = sandbox.place_order(
        SHOP, {"lines": [{"sku": "TEE", "quantity": 2}], "source": "pos", "location": STORE}
    )
    gone = sandbox.place_order(SHOP, {"lines": [{"sku": "MUG", "quantity": 1}]})
    line_id = kept["line_items"][0]["id"]
    refund = sandbox.refund_order(SHOP, kept["id"], {"lines": [{"line_item_id": line_id, "quantity": 1}]})
    sandbox.cancel_order(SHOP, gone["id"], {"restock": True})
    await sku_messages.wait_for(
        lambda msgs: sku_payloads(msgs, Refund, "TEE") and sku_payloads(msgs, OrderCancelled, "MUG")
    )
    [refunded] = sku_payloads(sku_messages.messages, Refund, "TEE")
    assert (refunded.refund_id, [(r.line_id, r.quantity, r.restock) for r in refunded.lines]) == (
        str(refund["id"]),
        [(str(line_id), 1, True)],
    )
    [cancelled] = sku_payloads(sku_messages.messages, OrderCancelled, "MUG")
    assert cancelled.order_id == str(gone["id"])
    await settle(sandbox)
    # Refunds also ride on every later order webhook (full state): still stored once per SKU actor.
    assert len(sku_payloads(sku_messages.messages, Refund, "TEE")) == 1


async def test_a_duplicated_delivery_is_stored_once(
    bus: Bus, sandbox: ShopifySandbox, shop: ShopInfo, webhooks_to_tandem: str, sku_messages: StreamReader
) -> None:
    sandbox.set_faults(SHOP, {"webhook_duplicate_rate": 1.0})
    sandbox.place_order(SHOP, {"lines": [{"sku": "TEE", "quantity": 1}]})
    await settle(sandbox)
    deliveries = [a for a in sandbox.webhook_attempts(SHOP) if a.topic == "orders/create" and a.delivered]
    assert len(deliveries) == 2 and deliveries[0].webhook_id == deliveries[1].webhook_id
    assert await stored_count(bus, STREAM_INGRESS, "evt.shopify.*.orders.create") == 1
    await sku_messages.wait_for(lambda _: lines_of(sku_messages, "TEE"))
    assert len(lines_of(sku_messages, "TEE")) == 1


def signed_post(
    body: bytes,
    *,
    secret: str = SECRET,
    topic: str = "orders/create",
    webhook_id: str = "wh-1",
    domain: str = f"{SHOP}.myshopify.com",
    hmac: str | None = None,
) -> dict[str, str]:
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": domain,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": sign(body, secret) if hmac is None else hmac,
        "Content-Type": "application/json",
    }
    return {k: v for k, v in headers.items() if v != ""}


ORDER_BODY = (
    b'{"id":7,"updated_at":"2026-04-01T10:00:00-05:00","line_items":[{"id":8,"sku":"TEE","quantity":1}]}'
)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (signed_post(ORDER_BODY, secret="not-the-secret"), 401),
        (signed_post(ORDER_BODY, hmac=""), 401),
        (signed_post(ORDER_BODY, hmac="%%%not-base64"), 401),
        (signed_post(ORDER_BODY + b" "), 401),  # signed for other bytes than those sent
        (signed_post(ORDER_BODY, domain="stranger.myshopify.com"), 404),
        (signed_post(ORDER_BODY, topic="ORDERS CREATE"), 400),
        (signed_post(ORDER_BODY, webhook_id=""), 400),
    ],
)
async def test_a_delivery_that_fails_verification_is_refused_and_nothing_is_stored(
    bus: Bus, http: aiohttp.ClientSession, inbound: str, headers: dict[str, str], status: int
) -> None:
    body = ORDER_BODY
    async with http.post(inbound + WEBHOOK_PATH, data=body, headers=headers) as response:
        assert response.status == status, await response.text()
    assert await stored_count(bus, STREAM_INGRESS, "evt.>") == 0


async def test_the_body_is_stored_byte_exact_and_a_resend_is_a_duplicate(
    bus: Bus, http: aiohttp.ClientSession, inbound: str
) -> None:
    body = b'{"id":7,"note":"a\\/b \\u0026 c","updated_at":"2026-04-01T10:00:00Z","line_items":[]}'
    ingress = await read_stream(bus, "evt.shopify.>")
    for expected_duplicate in (False, True):
        async with http.post(inbound + WEBHOOK_PATH, data=body, headers=signed_post(body)) as response:
            assert response.status == 200
            assert (await response.json())["duplicate"] is expected_duplicate
    [stored] = await ingress.wait_for(lambda msgs: len(msgs) == 1)
    assert stored.subject == f"evt.shopify.{SHOP}.orders.create"
    assert stored.headers["Nats-Msg-Id"] == "wh-1"
    webhook = msgspec.json.decode(stored.data, type=_StoredWebhook).payload
    assert bytes(webhook.body) == body  # escapes as Shopify sent them: the HMAC still verifies
    assert (webhook.shop, webhook.topic, webhook.webhook_id) == (SHOP, "orders/create", "wh-1")


class _StoredWebhook(msgspec.Struct):
    payload: ShopifyWebhook


async def test_no_200_before_jetstream_stores_it_and_shopify_retries_until_it_does(
    bus: Bus, sandbox: ShopifySandbox, shop: ShopInfo, webhooks_to_tandem: str, sku_messages: StreamReader
) -> None:
    await bus.js.delete_stream(STREAM_INGRESS)  # JetStream cannot store evt.* now
    sandbox.place_order(SHOP, {"lines": [{"sku": "TEE", "quantity": 3}]})
    with anyio.fail_after(DEADLINE):
        while not any(a.status == 503 for a in sandbox.webhook_attempts(SHOP)):
            await anyio.sleep(0.02)
    assert not any(a.delivered for a in sandbox.webhook_attempts(SHOP))
    await ensure_stream(bus.js, next(s for s in STREAMS if s.name == STREAM_INGRESS))
    await settle(sandbox)
    attempts = sandbox.webhook_attempts(SHOP)
    assert any(a.delivered and a.attempt > 1 for a in attempts)
    assert await stored_count(bus, STREAM_INGRESS, "evt.shopify.>") == 1
    # The router lost its consumer with the stream; it notices, recreates it and routes the order.
    await sku_messages.wait_for(lambda _: lines_of(sku_messages, "TEE"))
    assert [line.quantity for line in lines_of(sku_messages, "TEE")] == [3]


async def test_an_untranslatable_message_is_dead_lettered_and_the_router_carries_on(
    bus: Bus, http: aiohttp.ClientSession, inbound: str, router: IngressRouter, sku_messages: StreamReader
) -> None:
    dead = await read_stream(bus, "dlq.>")
    bad = b'{"id":1,"line_items":[]}'  # an order without updated_at
    async with http.post(
        inbound + WEBHOOK_PATH, data=bad, headers=signed_post(bad, webhook_id="bad")
    ) as response:
        assert response.status == 200  # stored as Shopify sent it: the router decides what it means
    async with http.post(
        inbound + WEBHOOK_PATH, data=ORDER_BODY, headers=signed_post(ORDER_BODY)
    ) as response:
        assert response.status == 200
    [letter] = await dead.wait_for(lambda msgs: len(msgs) == 1)
    assert letter.subject == f"dlq.evt.shopify.{SHOP}.orders.create"
    assert "updated_at" in letter.headers["Tandem-Dlq-Error"]
    await sku_messages.wait_for(lambda _: lines_of(sku_messages, "TEE"))
    assert await stored_count(bus, STREAM_DLQ, "dlq.>") == 1
    assert router.dead_lettered == 1


async def test_a_translation_bug_dead_letters_the_message_instead_of_crash_looping(
    bus: Bus,
    http: aiohttp.ClientSession,
    inbound: str,
    router: IngressRouter,
    sku_messages: StreamReader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gateways.shopify.router as router_module

    real = router_module.ingress_commands
    calls = []

    def buggy_once(contract, envelope, assigned=None):  # type: ignore[no-untyped-def]
        calls.append(envelope.id)
        if len(calls) == 1:
            raise RuntimeError("a bug in a translation")
        return real(contract, envelope, assigned)

    monkeypatch.setattr(router_module, "ingress_commands", buggy_once)
    dead = await read_stream(bus, "dlq.>")
    for webhook_id in ("first", "second"):
        headers = signed_post(ORDER_BODY, webhook_id=webhook_id)
        async with http.post(inbound + WEBHOOK_PATH, data=ORDER_BODY, headers=headers) as response:
            assert response.status == 200
    [letter] = await dead.wait_for(lambda msgs: len(msgs) == 1)
    assert letter.headers["Tandem-Dlq-Reason"] == "translation_failed"
    assert "a bug in a translation" in letter.headers["Tandem-Dlq-Error"]
    await sku_messages.wait_for(lambda _: lines_of(sku_messages, "TEE"))
