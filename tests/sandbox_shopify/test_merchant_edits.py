"""Hand edits in Shopify admin: the out-of-band changes a sync engine must see (drift) or react to."""

from __future__ import annotations

import json

import aiohttp
import pytest

from sandbox.shopify import DomainRefusal, ShopifySandbox, ShopInfo

from .conftest import GraphQL, WebhookReceiver, ids_of, subscribe


async def test_a_merchant_stock_edit_is_drift_for_a_compare_and_set_writer(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    sandbox.set_stock(
        "alpha", {"sku": "TEE-S", "location": "Warehouse", "available": 9, "merchant_edit": True}
    )
    [write] = sandbox.quantity_writes("alpha")
    assert (write.app, write.before, write.after) == ("shopify-admin", 5, 9)
    assert sandbox.seeded_stock("alpha")["TEE-S"]["Warehouse"] == 5  # physical truth is unchanged
    body = await gql(
        """mutation($i: ID!, $l: ID!) {
        inventorySetQuantities(input: {name: "available", reason: "correction",
        quantities: [{inventoryItemId: $i, locationId: $l, quantity: 4, changeFromQuantity: 5}]})
        @idempotent(key: "engine-1") { userErrors { code message } } }""",
        {"i": item, "l": location},
    )
    [error] = body["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE" and "current quantity is 9" in error["message"]


async def test_variant_and_customer_edits_fire_their_webhooks(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "PRODUCTS_UPDATE", receiver.url)
    await subscribe(gql, "CUSTOMERS_UPDATE", receiver.url)
    product = sandbox.edit_variant("alpha", "TEE-S", {"price": "18.00", "inventory_policy": "CONTINUE"})
    assert (
        product["variants"][0]["price"] == "18.00"
        and product["variants"][0]["inventory_policy"] == "continue"
    )
    customer = sandbox.add_customer("alpha", {"email": "eve@example.com"})
    sandbox.edit_customer(
        "alpha", customer["admin_graphql_api_id"], {"last_name": "Adams", "tags": ["wholesale"]}
    )
    await receiver.wait_for(lambda got: len(got) == 2)
    bodies = {r.headers["X-Shopify-Topic"]: json.loads(r.body) for r in receiver.received}
    assert (
        bodies["customers/update"]["last_name"] == "Adams"
        and bodies["customers/update"]["tags"] == "wholesale"
    )
    assert bodies["products/update"]["variants"][0]["sku"] == "TEE-S"
    with pytest.raises(DomainRefusal, match="already been taken"):
        sandbox.add_customer("alpha", {"email": "fay@example.com"})
        sandbox.edit_customer("alpha", customer["id"], {"email": "FAY@example.com"})


async def test_an_unpaid_order_is_pending_until_marked_paid(
    gql: GraphQL, sandbox: ShopifySandbox, receiver: WebhookReceiver
) -> None:
    await subscribe(gql, "ORDERS_PAID", receiver.url)
    order = sandbox.place_order("alpha", {"lines": [{"sku": "TEE-S", "quantity": 1}], "paid": False})
    assert order["financial_status"] == "pending" and order["total_outstanding"] == "22.00"
    paid = sandbox.mark_paid("alpha", order["id"])
    assert paid["financial_status"] == "paid" and paid["payment_gateway_names"] == ["manual"]
    await receiver.wait_for(lambda got: len(got) == 1)
    assert json.loads(receiver.received[0].body)["id"] == order["id"]
    with pytest.raises(DomainRefusal) as refused:
        sandbox.mark_paid("alpha", order["id"])
    assert refused.value.code == "NOTHING_DUE"


async def test_merchant_edits_over_the_control_api(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    base = f"{sandbox.base_url}/_sandbox/shops/alpha"
    async with http.put(f"{base}/variants/TEE-M", json={"price": "30"}) as response:
        assert response.status == 200 and (await response.json())["variants"][1]["price"] == "30.00"
    async with http.put(f"{base}/variants/NOPE", json={"price": "30"}) as response:
        assert response.status == 404
    async with http.post(
        f"{base}/orders", json={"lines": [{"sku": "TEE-S", "quantity": 1}], "paid": False}
    ) as r:
        order = await r.json()
    async with http.post(f"{base}/orders/{order['id']}/mark_paid") as response:
        assert (await response.json())["financial_status"] == "paid"
    async with http.put(f"{base}/customers/123", json={"note": "x"}) as response:
        assert response.status == 404
