"""Webhook delivery: real headers, HMAC over the raw body, retries with backoff, timeouts, faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from sandbox.shopify import CustomerSpec, FaultSpec, OrderLineSpec, OrderSpec, ShopifySandbox, ShopInfo

from .conftest import GraphQL, WebhookReceiver, ids_of, settle, subscribe


def order(sandbox: ShopifySandbox, quantity: int = 1, sku: str = "TEE-S") -> dict[str, Any]:
    return sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec(sku, quantity)]))


async def test_orders_create_arrives_signed_with_shopify_headers(
    gql: GraphQL, sandbox: ShopifySandbox, shop: ShopInfo, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    placed = order(sandbox, 2)
    await receiver.wait_for(lambda got: len(got) == 1)
    [delivery] = receiver.received
    headers = delivery.headers
    # An independent HMAC: base64(HMAC-SHA256(secret, raw body)).
    expected = base64.b64encode(
        hmac.new(shop.webhook_secret.encode(), delivery.body, hashlib.sha256).digest()
    )
    assert hmac.compare_digest(expected.decode(), headers["X-Shopify-Hmac-Sha256"])
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == "alpha.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2026-04"
    assert (
        headers["X-Shopify-Webhook-Id"]
        and headers["X-Shopify-Event-Id"]
        and headers["X-Shopify-Triggered-At"]
    )
    body = json.loads(delivery.body)
    assert (body["id"], body["name"], body["financial_status"]) == (placed["id"], placed["name"], "paid")
    assert body["line_items"][0]["sku"] == "TEE-S" and body["line_items"][0]["quantity"] == 2
    assert body["total_price"] == "44.00" and body["total_price_set"]["shop_money"]["currency_code"] == "USD"
    assert b"gid:\\/\\/shopify\\/Order\\/" in delivery.body  # `/` escaped like Shopify's serializer


async def test_a_reserialised_body_no_longer_matches_the_hmac(
    gql: GraphQL, sandbox: ShopifySandbox, shop: ShopInfo, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    order(sandbox)
    await receiver.wait_for(lambda got: len(got) == 1)
    delivery = receiver.received[0]
    reserialised = json.dumps(json.loads(delivery.body)).encode()
    digest = base64.b64encode(hmac.new(shop.webhook_secret.encode(), reserialised, hashlib.sha256).digest())
    assert digest.decode() != delivery.headers["X-Shopify-Hmac-Sha256"]


async def test_non_2xx_is_retried_with_the_same_webhook_id_until_accepted(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    receiver.script = [500, 503]
    order(sandbox)
    await receiver.wait_for(lambda got: len(got) == 3)
    await settle(sandbox)
    assert len({r.headers["X-Shopify-Webhook-Id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1  # retries resend the original payload
    attempts = sandbox.webhook_attempts("alpha")
    assert [(a.attempt, a.status, a.delivered) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert attempts[1].at > attempts[0].at


async def test_a_slow_receiver_times_out_and_is_retried(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    receiver.delay = 1.5  # over the sandbox's 1 s delivery timeout
    order(sandbox)
    await receiver.wait_for(lambda got: len(got) >= 2)
    receiver.delay = 0
    await settle(sandbox)
    attempts = sandbox.webhook_attempts("alpha")
    assert attempts[0].status is None and "Timeout" in (attempts[0].error or "")
    assert attempts[-1].delivered


async def test_subscription_is_deleted_after_repeated_failures(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    receiver.script = [500] * 10
    order(sandbox)
    await receiver.wait_for(lambda got: len(got) == 4)  # 1 try + 3 retries in the compressed schedule
    await settle(sandbox)
    listed = await gql("{ webhookSubscriptions(first: 5) { nodes { id } } }")
    assert listed["data"]["webhookSubscriptions"]["nodes"] == []


async def test_each_topic_reaches_its_subscribers_only(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    for topic in ("INVENTORY_LEVELS_UPDATE", "ORDERS_PAID", "CUSTOMERS_CREATE"):
        await subscribe(gql, topic, receiver.url)
    sandbox.place_order(
        "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 1)], customer=CustomerSpec(email="new@example.com"))
    )
    await receiver.wait_for(lambda got: len(got) == 3)
    await settle(sandbox)
    assert sorted(receiver.topics()) == ["customers/create", "inventory_levels/update", "orders/paid"]
    level = json.loads(
        next(r.body for r in receiver.received if r.headers["X-Shopify-Topic"] == "inventory_levels/update")
    )
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    assert level["inventory_item_id"] == int(item.split("/")[-1])
    assert level["location_id"] == int(location.split("/")[-1])
    assert level["available"] == 4
    assert "?inventory_item_id=" in level["admin_graphql_api_id"]


async def test_api_writes_fire_inventory_and_product_webhooks(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "INVENTORY_LEVELS_UPDATE", receiver.url)
    await subscribe(gql, "PRODUCTS_UPDATE", receiver.url)
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    await gql(
        """mutation($i: ID!, $l: ID!) {
        inventorySetQuantities(input: {name: "available", reason: "correction",
        quantities: [{inventoryItemId: $i, locationId: $l, quantity: 9, changeFromQuantity: 5}]})
        @idempotent(key: "w-1") { userErrors { code } } }""",
        {"i": item, "l": location},
    )
    product = (await gql("{ products(first: 1) { nodes { id variants(first: 1) { nodes { id } } } } }"))[
        "data"
    ]
    node = product["products"]["nodes"][0]
    await gql(
        """mutation($p: ID!, $v: ID!) {
        productVariantsBulkUpdate(productId: $p, variants: [{id: $v, price: "21"}])
        { userErrors { message } } }""",
        {"p": node["id"], "v": node["variants"]["nodes"][0]["id"]},
    )
    await receiver.wait_for(lambda got: len(got) == 2)
    assert sorted(receiver.topics()) == ["inventory_levels/update", "products/update"]


async def test_fulfillment_refund_cancel_and_update_topics(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    for topic in ("ORDERS_UPDATED", "ORDERS_CANCELLED", "REFUNDS_CREATE", "FULFILLMENTS_CREATE"):
        await subscribe(gql, topic, receiver.url)
    first = order(sandbox, 2)
    sandbox.cancel_order("alpha", first["id"])  # type: ignore[arg-type]
    pos = sandbox.place_order(
        "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 1)], source="pos", location="Downtown Store")
    )
    await receiver.wait_for(
        lambda got: (
            {"orders/cancelled", "refunds/create", "fulfillments/create"}
            <= {r.headers["X-Shopify-Topic"] for r in got}
        )
    )
    await settle(sandbox)
    refund = json.loads(
        next(r.body for r in receiver.received if r.headers["X-Shopify-Topic"] == "refunds/create")
    )
    assert refund["order_id"] == first["id"]
    assert refund["refund_line_items"][0]["restock_type"] == "cancel"
    assert refund["transactions"][0]["kind"] == "refund" and refund["transactions"][0]["amount"] == "44.00"
    shipped = json.loads(
        next(r.body for r in receiver.received if r.headers["X-Shopify-Topic"] == "fulfillments/create")
    )
    assert shipped["order_id"] == pos["id"] and shipped["line_items"][0]["quantity"] == 1


async def test_duplicate_fault_sends_the_same_delivery_twice_and_drop_fault_sends_nothing(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    sandbox.set_faults("alpha", FaultSpec(webhook_duplicate_rate=1.0))
    order(sandbox)
    await receiver.wait_for(lambda got: len(got) == 2)
    assert (
        receiver.received[0].headers["X-Shopify-Webhook-Id"]
        == receiver.received[1].headers["X-Shopify-Webhook-Id"]
    )
    sandbox.set_faults("alpha", FaultSpec(webhook_drop_rate=1.0))
    order(sandbox)
    await settle(sandbox)
    assert len(receiver.received) == 2
    assert len(sandbox.orders("alpha")) == 2  # the order exists; only its webhook was lost


async def test_delay_and_reorder_faults_deliver_late_and_out_of_order(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_CREATE", receiver.url)
    sandbox.set_faults("alpha", FaultSpec(webhook_reorder=True, webhook_reorder_window=0.3, seed=3))
    names = [order(sandbox, sku="MUG")["name"] for _ in range(8)]  # MUG sells past zero (CONTINUE)
    await receiver.wait_for(lambda got: len(got) == 8)
    arrived = [json.loads(r.body)["name"] for r in receiver.received]
    assert sorted(arrived) == sorted(names) and arrived != names
    sandbox.set_faults("alpha", FaultSpec(webhook_delay_seconds=0.4))
    placed_at = time.monotonic()
    order(sandbox)
    await receiver.wait_for(lambda got: len(got) == 9)
    assert time.monotonic() - placed_at >= 0.4
