"""The independent ShopifyAPI package (pip ShopifyAPI, import `shopify`) runs queries and mutations unchanged.

The library is synchronous, so it runs in a worker thread while the emulator serves on the event loop.
"""

from __future__ import annotations

import json
import urllib.error
from typing import Any

import anyio
import pytest
import shopify

from sandbox.shopify import ShopifySandbox, ShopInfo

QUERY = """query($q: String!) { productVariants(first: 5, query: $q) { edges { node { sku
  inventoryItem { id inventoryLevels(first: 5) { nodes { location { id name }
    quantities(names: ["available"]) { quantity } } } } } } } }"""

SET = """mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { changes { name delta } } userErrors { field message code } } }"""


def activate(shop: ShopInfo, token: str) -> shopify.GraphQL:
    """Point the library's global session at the emulator: its Session forces https://<shop>.myshopify.com,
    so the site is set explicitly afterwards (the documented ShopifyResource.set_site hook)."""
    session = shopify.Session(shop.domain, "2026-04", token)
    shopify.ShopifyResource.activate_session(session)
    shopify.ShopifyResource.set_site(shop.admin_base_url)
    return shopify.GraphQL()


def run_client(shop: ShopInfo) -> list[dict[str, Any]]:
    client = activate(shop, shop.access_token)
    try:
        found = json.loads(client.execute(QUERY, {"q": "sku:TEE-S"}))
        node = found["data"]["productVariants"]["edges"][0]["node"]
        level = node["inventoryItem"]["inventoryLevels"]["nodes"][0]
        current = level["quantities"][0]["quantity"]
        written = json.loads(
            client.execute(
                SET,
                {
                    "key": "lib-1",
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "referenceDocumentUri": "gid://tandem/Test/1",
                        "quantities": [
                            {
                                "inventoryItemId": node["inventoryItem"]["id"],
                                "locationId": level["location"]["id"],
                                "quantity": current + 10,
                                "changeFromQuantity": current,
                            }
                        ],
                    },
                },
                operation_name="Set",
            )
        )
        again = json.loads(client.execute(QUERY, {"q": "sku:TEE-S"}))
        return [found, written, again]
    finally:
        shopify.ShopifyResource.clear_session()


def run_with_bad_token(shop: ShopInfo) -> int:
    client = activate(shop, "shpat_wrong")
    try:
        client.execute("{ shop { name } }")
    except urllib.error.HTTPError as error:
        error.read()
        error.close()
        return int(error.code)
    finally:
        shopify.ShopifyResource.clear_session()
    return 200


async def test_shopify_api_graphql_client_queries_and_writes_inventory(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    found, written, again = await anyio.to_thread.run_sync(run_client, shop)
    assert found["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 2000
    assert written["data"]["inventorySetQuantities"]["userErrors"] == []
    assert written["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"] == [
        {"name": "available", "delta": 10},
        {"name": "on_hand", "delta": 10},
    ]
    level = again["data"]["productVariants"]["edges"][0]["node"]["inventoryItem"]["inventoryLevels"]["nodes"][
        0
    ]
    assert level["quantities"] == [{"quantity": 15}]
    [write] = sandbox.quantity_writes("alpha")
    assert (write.before, write.after, write.idempotency_key) == (5, 15, "lib-1")


async def test_shopify_api_client_sees_401_for_a_wrong_token(
    sandbox: ShopifySandbox, shop: ShopInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await anyio.to_thread.run_sync(run_with_bad_token, shop) == 401
    assert "Invalid API key or access token" in capsys.readouterr().out  # the library prints the error body
