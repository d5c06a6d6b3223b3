"""HTTP edges: shop routing by Host header or path, auth, bad bodies, and the /_sandbox/ control API."""

from __future__ import annotations

import aiohttp

from sandbox.shopify import ShopifySandbox, ShopInfo

from .conftest import seeded_shop_spec


async def post_graphql(
    http: aiohttp.ClientSession, url: str, token: str, **headers: str
) -> tuple[int, object]:
    async with http.post(
        url,
        json={"query": "{ shop { myshopifyDomain } }"},
        headers={"X-Shopify-Access-Token": token, **headers},
    ) as response:
        return response.status, await response.json()


async def test_host_header_routing_serves_the_real_shopify_url_shape(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    beta = sandbox.add_shop(seeded_shop_spec("beta"))
    url = f"{sandbox.base_url}/admin/api/2026-04/graphql.json"
    status, body = await post_graphql(http, url, beta.access_token, Host="beta.myshopify.com")
    assert status == 200 and body["data"] == {"shop": {"myshopifyDomain": "beta.myshopify.com"}}  # type: ignore[index]
    status, _ = await post_graphql(http, url, shop.access_token, Host="beta.myshopify.com")
    assert status == 401  # alpha's token is not valid on beta
    status, _ = await post_graphql(http, url, shop.access_token, Host="localhost")
    assert status == 404


async def test_auth_version_and_body_errors(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    status, body = await post_graphql(http, shop.graphql_url, "nope")
    assert (status, body) == (
        401,
        {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
    )
    status, _ = await post_graphql(http, shop.graphql_url.replace("2026-04", "2019-10"), shop.access_token)
    assert status == 404
    headers = {"X-Shopify-Access-Token": shop.access_token}
    async with http.post(shop.graphql_url, data=b"not json", headers=headers) as response:
        assert response.status == 400
    async with http.post(shop.graphql_url, json={"variables": {}}, headers=headers) as response:
        assert response.status == 400
        assert await response.json() == {"errors": {"query": "Required parameter missing or invalid"}}
    async with http.post(shop.graphql_url, json={"query": "{ shop { name }"}, headers=headers) as response:
        body = await response.json()
        assert response.status == 200 and "Syntax Error" in body["errors"][0]["message"]
        assert response.headers["X-Shopify-API-Version"] == "2026-04"


async def test_control_api_seeds_sells_and_reports_ground_truth(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox
) -> None:
    base = f"{sandbox.base_url}/_sandbox"
    spec = {
        "name": "gamma",
        "access_token": "shpat_gamma",
        "webhook_secret": "s3cret",
        "locations": [{"name": "Main"}, {"name": "Shop Floor", "pos": True, "fulfills_online_orders": False}],
        "products": [{"title": "Cap", "variants": [{"sku": "CAP", "price": "15.00", "stock": {"Main": 2}}]}],
    }
    async with http.post(f"{base}/shops", json=spec) as response:
        assert response.status == 201
        info = await response.json()
        assert info["access_token"] == "shpat_gamma" and info["graphql_url"].endswith(
            "/shops/gamma/admin/api/2026-04/graphql.json"
        )
    async with http.post(
        f"{base}/shops/gamma/stock", json={"sku": "CAP", "location": "Shop Floor", "available": 1}
    ) as response:
        assert response.status == 201
    async with http.post(
        f"{base}/shops/gamma/orders", json={"lines": [{"sku": "CAP", "quantity": 3}]}
    ) as response:
        assert response.status == 409
        error = (await response.json())["error"]
        assert error["code"] == "INSUFFICIENT_INVENTORY" and error["details"]["available"] == 2
    async with http.post(
        f"{base}/shops/gamma/orders",
        json={"lines": [{"sku": "CAP", "quantity": 1}], "source": "pos", "location": "Shop Floor"},
    ) as response:
        assert response.status == 201
        order = await response.json()
    async with http.post(
        f"{base}/shops/gamma/orders/{order['id']}/refunds",
        json={
            "lines": [{"line_item_id": order["line_items"][0]["id"], "quantity": 1, "restock_type": "RETURN"}]
        },
    ) as response:
        assert response.status == 200
    async with http.get(f"{base}/shops/gamma/units_sold") as response:
        assert await response.json() == [
            {"sku": "CAP", "location_name": "Shop Floor", "sold": 1, "restocked": 1, "net": 0}
        ]
    async with http.get(f"{base}/shops/gamma/inventory", params={"sku": "CAP"}) as response:
        rows = {row["location"]: row["available"] for row in await response.json()}
        assert rows == {"Main": 2, "Shop Floor": 1}
    async with http.get(f"{base}/shops/gamma/orders") as response:
        assert [o["name"] for o in await response.json()] == ["#1001"]


async def test_control_api_rejects_bad_input_with_the_field_named(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    base = f"{sandbox.base_url}/_sandbox/shops/alpha"
    async with http.post(f"{base}/orders", json={"lines": [{"sku": "TEE-S", "qty": 1}]}) as response:
        assert response.status == 400
        assert "qty" in (await response.json())["error"]["message"]
    async with http.put(f"{base}/faults", json={"error_rate": 2}) as response:
        assert response.status == 400
    async with http.get(f"{sandbox.base_url}/_sandbox/shops/nope") as response:
        assert response.status == 404 and (await response.json())["error"]["code"] == "UNKNOWN_SHOP"
    async with http.delete(f"{base}/holds/12345") as response:
        assert response.status == 404


async def test_control_api_faults_throttle_holds_and_writes_log(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    base = f"{sandbox.base_url}/_sandbox/shops/alpha"
    async with http.put(
        f"{base}/throttle", json={"bucket_size": 50, "restore_rate": 5, "drain": True}
    ) as response:
        status = await response.json()
        assert status["maximumAvailable"] == 50 and status["currentlyAvailable"] < 5
    async with http.put(f"{base}/faults", json={"webhook_drop_rate": 0.5, "seed": 1}) as response:
        assert response.status == 200
    async with http.post(
        f"{base}/holds", json={"sku": "TEE-S", "location": "Warehouse", "quantity": 2}
    ) as response:
        hold = await response.json()
        assert response.status == 201 and hold["state"] == "held"
    async with http.delete(f"{base}/holds/{hold['id'].split('/')[-1]}") as response:
        assert (await response.json())["state"] == "released"
    for path in ("quantity_writes", "movements", "webhook_attempts", "seeded_stock"):
        async with http.get(f"{base}/{path}") as response:
            assert response.status == 200
    async with http.get(f"{sandbox.base_url}/_sandbox/shops") as response:
        assert [s["name"] for s in await response.json()] == ["alpha"]


async def test_each_app_token_is_recorded_in_the_write_log_and_oversells_are_counted(
    http: aiohttp.ClientSession, sandbox: ShopifySandbox
) -> None:
    spec = seeded_shop_spec("delta", apps={"tandem": "shpat_tandem", "connector": "shpat_connector"})
    shop = sandbox.add_shop(spec)
    query = """{ productVariants(first: 1, query: "sku:TEE-M") { nodes { inventoryItem { id
        inventoryLevels(first: 1) { nodes { location { id } } } } } } }"""
    async with http.post(
        shop.graphql_url, json={"query": query}, headers={"X-Shopify-Access-Token": "shpat_tandem"}
    ) as r:
        item = (await r.json())["data"]["productVariants"]["nodes"][0]["inventoryItem"]
    mutation = """mutation($i: ID!, $l: ID!) {
        inventorySetQuantities(input: {name: "available", reason: "correction",
        quantities: [{inventoryItemId: $i, locationId: $l, quantity: 3, changeFromQuantity: null}]})
        @idempotent(key: "connector-1") { userErrors { code } } }"""
    variables = {"i": item["id"], "l": item["inventoryLevels"]["nodes"][0]["location"]["id"]}
    headers = {"X-Shopify-Access-Token": "shpat_connector"}
    async with http.post(
        shop.graphql_url, json={"query": mutation, "variables": variables}, headers=headers
    ) as r:
        assert (await r.json())["data"]["inventorySetQuantities"]["userErrors"] == []
    assert [w.app for w in sandbox.quantity_writes("delta")] == ["connector"]
    sandbox.place_order("delta", {"lines": [{"sku": "TEE-M", "quantity": 3}]})
    # Only 1 TEE-M physically existed; the connector published 3, so 2 were oversold.
    assert sandbox.oversold({"TEE-M": 1}, ["delta"]) == {"TEE-M": 2}
    async with http.post(f"{sandbox.base_url}/_sandbox/oversold", json={"physical": {"TEE-M": 1}}) as r:
        assert await r.json() == {"TEE-M": 2}
