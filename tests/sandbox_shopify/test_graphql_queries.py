"""Queries a sync layer runs: catalog, inventory, customers, orders by updated_at with paging, nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.shopify import CustomerSpec, OrderLineSpec, OrderSpec, ShopifySandbox, ShopInfo

from .conftest import GraphQL

ORDERS_PAGE = """
query Orders($q: String, $after: String) {
  orders(first: 2, after: $after, query: $q, sortKey: UPDATED_AT) {
    edges { cursor node { id name updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def place(sandbox: ShopifySandbox, sku: str = "TEE-S", quantity: int = 1, **kwargs: object) -> dict[str, Any]:
    return sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec(sku, quantity)], **kwargs))  # type: ignore[arg-type]


async def test_shop_locations_and_catalog_use_shopify_names_and_gid_formats(
    gql: GraphQL, shop: ShopInfo
) -> None:
    body = await gql("""{ shop { name myshopifyDomain currencyCode }
        locations(first: 10) { nodes { id legacyResourceId name fulfillsOnlineOrders isActive } }
        products(first: 5, query: "title:Tee") { nodes { id title totalInventory
          variants(first: 5) { nodes { id sku price inventoryPolicy inventoryQuantity
            inventoryItem { id tracked sku } } } } } }""")
    data = body["data"]
    assert data["shop"] == {"name": "alpha", "myshopifyDomain": "alpha.myshopify.com", "currencyCode": "USD"}
    locations = data["locations"]["nodes"]
    assert [loc["name"] for loc in locations] == ["Warehouse", "Overflow", "Downtown Store"]
    assert locations[0]["id"].startswith("gid://shopify/Location/")
    assert isinstance(locations[0]["legacyResourceId"], str)  # a string on the wire
    [tee] = data["products"]["nodes"]
    assert tee["totalInventory"] == 11
    small = tee["variants"]["nodes"][0]
    assert (small["sku"], small["price"], small["inventoryPolicy"], small["inventoryQuantity"]) == (
        "TEE-S",
        "20.0",
        "DENY",
        10,
    )  # money strings are unpadded in GraphQL


async def test_inventory_level_quantities_by_name_and_invalid_name_error(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    place(sandbox, quantity=2)
    body = await gql("""{ inventoryItems(first: 1, query: "sku:TEE-S") {
        nodes { inventoryLevels(first: 5) { nodes {
        location { name }
        quantities(names: ["available", "committed", "on_hand", "reserved"]) { name quantity } } } } } }""")
    levels = body["data"]["inventoryItems"]["nodes"][0]["inventoryLevels"]["nodes"]
    warehouse = {q["name"]: q["quantity"] for q in levels[0]["quantities"]}
    assert levels[0]["location"]["name"] == "Warehouse"
    assert warehouse == {"available": 3, "committed": 2, "on_hand": 5, "reserved": 0}
    body = await gql("""{ inventoryItems(first: 1) { nodes { inventoryLevels(first: 1) { nodes {
        quantities(names: ["sold"]) { quantity } } } } } }""")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"


async def test_orders_filtered_by_updated_at_are_paged_with_cursors(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    names = [place(sandbox)["name"] for _ in range(3)]
    query = f"updated_at:>'{before.isoformat()}'"
    first = (await gql(ORDERS_PAGE, {"q": query}))["data"]["orders"]
    assert [e["node"]["name"] for e in first["edges"]] == names[:2]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = (await gql(ORDERS_PAGE, {"q": query, "after": first["pageInfo"]["endCursor"]}))["data"]["orders"]
    assert [e["node"]["name"] for e in second["edges"]] == names[2:]
    assert not second["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasPreviousPage"]
    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    none = (await gql(ORDERS_PAGE, {"q": f"updated_at:>'{future}'"}))["data"]["orders"]
    assert none["edges"] == [] and none["pageInfo"]["endCursor"] is None


async def test_a_refund_bumps_the_order_into_the_updated_at_window(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    order = place(sandbox, quantity=2)
    mark = datetime.now(UTC)
    line_id = order["line_items"][0]["id"]  # type: ignore[index]
    sandbox.refund_order(
        "alpha",
        order["id"],
        {
            "lines": [
                {
                    "line_item_id": line_id,
                    "quantity": 1,  # type: ignore[arg-type]
                    "restock_type": "CANCEL",
                }
            ]
        },
    )
    body = await gql(
        """query($q: String) { orders(first: 5, query: $q) { nodes { name
        refunds(first: 5) { id createdAt totalRefundedSet { shopMoney { amount } } } } } }""",
        {"q": f"updated_at:>='{mark.isoformat()}'"},
    )
    [found] = body["data"]["orders"]["nodes"]
    assert found["name"] == order["name"]
    assert found["refunds"][0]["totalRefundedSet"]["shopMoney"]["amount"] == "22.0"  # 20 + 10 % tax


async def test_search_terms_for_status_source_sku_and_negation(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    web = place(sandbox)
    pos = place(sandbox, source="pos", location="Downtown Store")
    mug = place(sandbox, sku="MUG")
    sandbox.cancel_order("alpha", mug["id"])  # type: ignore[arg-type]

    async def names(query: str) -> list[str]:
        body = await gql(
            "query($q: String) { orders(first: 10, query: $q) { nodes { name } } }", {"q": query}
        )
        return [n["name"] for n in body["data"]["orders"]["nodes"]]

    assert await names("source_name:pos") == [pos["name"]]
    assert await names("status:cancelled") == [mug["name"]]
    assert await names("status:any") == [web["name"], pos["name"], mug["name"]]
    assert await names("-status:cancelled sku:TEE-S") == [web["name"], pos["name"]]
    assert await names(f"name:{web['name']} OR name:{mug['name']}") == [web["name"], mug["name"]]


async def test_backward_paging_and_reverse_order(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    names = [place(sandbox)["name"] for _ in range(4)]
    body = await gql("{ orders(first: 10, reverse: true) { nodes { name } } }")
    assert [n["name"] for n in body["data"]["orders"]["nodes"]] == names[::-1]
    body = await gql("{ orders(last: 2) { nodes { name } pageInfo { hasPreviousPage startCursor } } }")
    page = body["data"]["orders"]
    assert [n["name"] for n in page["nodes"]] == names[2:] and page["pageInfo"]["hasPreviousPage"]
    body = await gql(
        "query($b: String) { orders(last: 5, before: $b) { nodes { name } } }",
        {"b": page["pageInfo"]["startCursor"]},
    )
    assert [n["name"] for n in body["data"]["orders"]["nodes"]] == names[:2]


async def test_connection_without_first_or_last_is_an_error(gql: GraphQL) -> None:
    body = await gql("{ orders { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"


async def test_order_money_discounts_taxes_and_transactions(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    order = sandbox.place_order(
        "alpha",
        OrderSpec(
            lines=[OrderLineSpec("TEE-S", 2), OrderLineSpec("GIFT-25", 1)],
            discount_code="FIVE",
            gift_card_code="GC-1234",
            presentment_currency="EUR",
            customer=CustomerSpec(email="ann@example.com"),
        ),
    )
    body = await gql(
        """query($id: ID!) { order(id: $id) { name sourceName currencyCode presentmentCurrencyCode
        displayFinancialStatus displayFulfillmentStatus paymentGatewayNames discountCodes
        subtotalPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } }
        totalDiscountsSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
        totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
        taxLines { title rate priceSet { shopMoney { amount } } }
        transactions { kind status gateway amountSet { shopMoney { amount } } }
        customer { email numberOfOrders }
        lineItems(first: 5) { nodes { sku quantity isGiftCard taxable
          originalUnitPriceSet { shopMoney { amount } presentmentMoney { amount } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } }
            discountApplication {
              ... on DiscountCodeApplication { code value { ... on MoneyV2 { amount } } } } }
          taxLines { rate priceSet { shopMoney { amount } } } } } } }""",
        {"id": order["admin_graphql_api_id"]},
    )
    data = body["data"]["order"]
    assert (data["sourceName"], data["currencyCode"], data["presentmentCurrencyCode"]) == (
        "web",
        "USD",
        "EUR",
    )
    assert data["discountCodes"] == ["FIVE"]
    # 2 × 20 tees − 5 discount (gift cards are never discounted) + 25 gift card = 60; tax 10 % of 35 = 3.5.
    assert data["subtotalPriceSet"]["shopMoney"]["amount"] == "60.0"
    assert data["totalDiscountsSet"]["shopMoney"]["amount"] == "5.0"
    assert data["totalTaxSet"]["shopMoney"]["amount"] == "3.5"
    assert data["totalPriceSet"]["shopMoney"] == {"amount": "63.5", "currencyCode": "USD"}
    assert data["totalPriceSet"]["presentmentMoney"]["currencyCode"] == "EUR"
    tee, gift = data["lineItems"]["nodes"]
    assert tee["discountAllocations"][0]["allocatedAmountSet"]["shopMoney"]["amount"] == "5.0"
    assert tee["discountAllocations"][0]["discountApplication"]["code"] == "FIVE"
    assert (gift["isGiftCard"], gift["taxable"], gift["taxLines"], gift["discountAllocations"]) == (
        True,
        False,
        [],
        [],
    )
    # The gift card tender is a payment (its own SALE transaction), not a discount.
    assert [(t["gateway"], t["amountSet"]["shopMoney"]["amount"]) for t in data["transactions"]] == [
        ("gift_card", "15.0"),
        ("shopify_payments", "48.5"),
    ]
    assert data["paymentGatewayNames"] == ["gift_card", "shopify_payments"]
    assert data["displayFinancialStatus"] == "PAID"
    assert data["customer"] == {"email": "ann@example.com", "numberOfOrders": "1"}


async def test_node_and_nodes_resolve_any_gid_and_unknown_field_is_a_validation_error(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    order = place(sandbox)
    body = await gql(
        """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Order { name } } }""",
        {"ids": [order["admin_graphql_api_id"], "gid://shopify/Order/1"]},
    )
    assert body["data"]["nodes"][0]["__typename"] == "Order" and body["data"]["nodes"][1] is None
    body = await gql("{ shop { name notAField } }")
    assert "data" not in body and "notAField" in body["errors"][0]["message"]


async def test_aliases_fragments_and_variables_behave_like_graphql(gql: GraphQL) -> None:
    body = await gql(
        """query Pair($a: String!) { first: productVariants(first: 1, query: $a) { nodes { ...V } }
        second: productVariants(first: 1, query: "sku:MUG") { nodes { ...V } } }
        fragment V on ProductVariant { sku inventoryPolicy }""",
        {"a": "sku:TEE-M"},
    )
    assert body["data"]["first"]["nodes"] == [{"sku": "TEE-M", "inventoryPolicy": "DENY"}]
    assert body["data"]["second"]["nodes"] == [{"sku": "MUG", "inventoryPolicy": "CONTINUE"}]


async def test_gift_cards_discount_codes_and_customers_are_queryable(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    sandbox.add_customer("alpha", {"email": "bo@example.com", "first_name": "Bo"})
    body = await gql("""{
        giftCards(first: 5) { nodes { lastCharacters balance { amount currencyCode } enabled } }
        codeDiscountNodeByCode(code: "TENOFF") { codeDiscount { ... on DiscountCodeBasic { title status
          customerGets { value { ... on DiscountPercentage { percentage } } }
          codes(first: 1) { nodes { code } } } } }
        customers(first: 5, query: "email:bo@example.com") { nodes { email firstName displayName } } }""")
    data = body["data"]
    assert data["giftCards"]["nodes"] == [
        {"lastCharacters": "1234", "balance": {"amount": "15.0", "currencyCode": "USD"}, "enabled": True}
    ]
    discount = data["codeDiscountNodeByCode"]["codeDiscount"]
    assert discount["customerGets"]["value"]["percentage"] == 0.1
    assert discount["codes"]["nodes"] == [{"code": "TENOFF"}]
    assert data["customers"]["nodes"] == [{"email": "bo@example.com", "firstName": "Bo", "displayName": "Bo"}]


async def test_every_root_lookup_by_id_finds_its_record(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    customer = sandbox.add_customer("alpha", {"email": "gus@example.com"})
    order = sandbox.place_order(
        "alpha",
        OrderSpec(
            lines=[OrderLineSpec("TEE-S", 2)],
            source="pos",
            location="Downtown Store",
            customer=CustomerSpec(id=customer["id"]),
        ),
    )
    refund = sandbox.refund_order(
        "alpha", order["id"], {"lines": [{"line_item_id": order["line_items"][0]["id"], "quantity": 1}]}
    )
    await gql("""mutation { webhookSubscriptionCreate(topic: ORDERS_PAID, webhookSubscription:
        {uri: "https://hooks.example/paid"}) { userErrors { message } } }""")
    listing = (
        await gql("""{ locations(first: 1) { nodes { id } } products(first: 1) { nodes { id } }
        productVariants(first: 1) { nodes { id
          inventoryItem { id inventoryLevels(first: 1) { nodes { id } } } } }
        giftCards(first: 1) { nodes { id } } codeDiscountNodes(first: 5, query: "code:FIVE") { nodes { id } }
        webhookSubscriptions(first: 1) { nodes { id } } }""")
    )["data"]
    variant = listing["productVariants"]["nodes"][0]
    order_data = (
        await gql(
            """query($id: ID!) { order(id: $id) { retailLocation { name }
        fulfillments { id } fulfillmentOrders(first: 1) { nodes { id status } } } }""",
            {"id": order["admin_graphql_api_id"]},
        )
    )["data"]["order"]
    assert order_data["retailLocation"] == {"name": "Downtown Store"}
    assert order_data["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"  # POS carry-out
    lookups = {
        "location": listing["locations"]["nodes"][0]["id"],
        "product": listing["products"]["nodes"][0]["id"],
        "productVariant": variant["id"],
        "inventoryItem": variant["inventoryItem"]["id"],
        "inventoryLevel": variant["inventoryItem"]["inventoryLevels"]["nodes"][0]["id"],
        "customer": customer["admin_graphql_api_id"],
        "order": order["admin_graphql_api_id"],
        "refund": refund["admin_graphql_api_id"],
        "fulfillment": order_data["fulfillments"][0]["id"],
        "fulfillmentOrder": order_data["fulfillmentOrders"]["nodes"][0]["id"],
        "giftCard": listing["giftCards"]["nodes"][0]["id"],
        "codeDiscountNode": listing["codeDiscountNodes"]["nodes"][0]["id"],
        "webhookSubscription": listing["webhookSubscriptions"]["nodes"][0]["id"],
    }
    for field, gid in lookups.items():
        body = await gql(f"query($id: ID!) {{ found: {field}(id: $id) {{ id }} }}", {"id": gid})
        assert body["data"]["found"] == {"id": gid}, field
        other_kind = "gid://shopify/Order/1" if field != "order" else "gid://shopify/Customer/1"
        assert (await gql(f"query($id: ID!) {{ found: {field}(id: $id) {{ id }} }}", {"id": other_kind}))[
            "data"
        ]["found"] is None
    malformed = await gql('{ order(id: "12") { id } }')
    assert malformed["errors"][0]["message"] == "Invalid global id '12'"
