"""fulfillmentCreate, refundCreate, orderUpdate, customers, productVariantsBulkUpdate, webhook subs."""

from __future__ import annotations

from typing import Any

from sandbox.shopify import OrderLineSpec, OrderSpec, ShopifySandbox

from .conftest import GraphQL

ORDER = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus displayFinancialStatus
  transactions { id kind gateway amountSet { shopMoney { amount } } }
  lineItems(first: 5) { nodes { id sku currentQuantity unfulfilledQuantity } }
  fulfillmentOrders(first: 5) { nodes { id status assignedLocation { name }
    lineItems(first: 5) { nodes { id totalQuantity remainingQuantity lineItem { sku } } } } } } }"""

FULFILL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id name status displayStatus totalQuantity trackingInfo { company number url }
    fulfillmentLineItems(first: 5) { nodes { quantity lineItem { sku } } } }
  userErrors { field message } } }"""

REFUND = """mutation($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
  refund { id totalRefundedSet { shopMoney { amount } }
    refundLineItems(first: 5) { nodes { quantity restockType restocked location { name } } }
    transactions(first: 5) { nodes { kind status gateway amountSet { shopMoney { amount } } } } }
  order { displayFinancialStatus totalRefundedSet { shopMoney { amount } } }
  userErrors { field message } } }"""


async def load(gql: GraphQL, order: dict[str, Any]) -> dict[str, Any]:
    return dict((await gql(ORDER, {"id": order["admin_graphql_api_id"]}))["data"]["order"])


def place(sandbox: ShopifySandbox, quantity: int = 3) -> dict[str, Any]:
    return sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", quantity)]))


async def test_partial_then_full_fulfillment_moves_committed_out_of_on_hand(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    placed = place(sandbox)
    order = await load(gql, placed)
    [fo] = order["fulfillmentOrders"]["nodes"]
    fo_line = fo["lineItems"]["nodes"][0]
    body = await gql(
        FULFILL,
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": fo_line["id"], "quantity": 2}],
                    }
                ],
                "trackingInfo": {"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"},
                "notifyCustomer": True,
            }
        },
    )
    created = body["data"]["fulfillmentCreate"]["fulfillment"]
    assert (created["status"], created["displayStatus"], created["totalQuantity"]) == (
        "SUCCESS",
        "FULFILLED",
        2,
    )
    assert created["trackingInfo"] == [
        {"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"}
    ]
    [level] = sandbox.inventory("alpha", "TEE-S")[:1]
    assert (level["available"], level["committed"], level["on_hand"]) == (2, 1, 3)
    after = await load(gql, placed)
    assert after["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert after["fulfillmentOrders"]["nodes"][0]["status"] == "IN_PROGRESS"
    body = await gql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert (
        body["data"]["fulfillmentCreate"]["fulfillment"]["totalQuantity"] == 1
    )  # omitted lines: all remaining
    assert body["data"]["fulfillmentCreate"]["fulfillment"]["name"] == f"{placed['name']}.2"
    after = await load(gql, placed)
    assert after["displayFulfillmentStatus"] == "FULFILLED"
    assert after["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert sandbox.inventory("alpha", "TEE-S")[0]["on_hand"] == 2


async def test_fulfillment_errors_use_shopify_messages(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    order = await load(gql, place(sandbox))
    [fo] = order["fulfillmentOrders"]["nodes"]
    fo_line = fo["lineItems"]["nodes"][0]

    async def errors(entry: dict[str, Any]) -> list[dict[str, Any]]:
        body = await gql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [entry]}})
        return list(body["data"]["fulfillmentCreate"]["userErrors"])

    assert (await errors({"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1"}))[0][
        "message"
    ] == "Fulfillment order does not exist."
    zero = await errors(
        {"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": fo_line["id"], "quantity": 0}]}
    )
    assert zero == [{"field": ["fulfillment"], "message": "Quantity must be greater than 0"}]
    assert await errors({"fulfillmentOrderId": fo["id"]}) == []
    closed = await errors({"fulfillmentOrderId": fo["id"]})
    assert (
        closed[0]["message"]
        == f"Fulfillment order {fo['id'].split('/')[-1]} has an unfulfillable status= closed."
    )


async def test_refund_with_return_restocks_and_records_a_refund_transaction(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    placed = place(sandbox, 2)
    order = await load(gql, placed)
    [fo] = order["fulfillmentOrders"]["nodes"]
    await gql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    sale = order["transactions"][0]
    line = order["lineItems"]["nodes"][0]
    refund_input = {
        "orderId": placed["admin_graphql_api_id"],
        "note": "damaged in transit",
        "refundLineItems": [{"lineItemId": line["id"], "quantity": 1, "restockType": "RETURN"}],
        "transactions": [
            {
                "orderId": placed["admin_graphql_api_id"],
                "parentId": sale["id"],
                "amount": "22.00",
                "gateway": "shopify_payments",
                "kind": "REFUND",
            }
        ],
    }
    body = await gql(REFUND, {"key": "refund-1", "input": refund_input})
    payload = body["data"]["refundCreate"]
    assert payload["userErrors"] == []
    assert payload["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "22.0"
    assert payload["refund"]["refundLineItems"]["nodes"] == [
        {"quantity": 1, "restockType": "RETURN", "restocked": True, "location": {"name": "Warehouse"}}
    ]
    assert payload["refund"]["transactions"]["nodes"][0]["kind"] == "REFUND"
    assert payload["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    warehouse = sandbox.inventory("alpha", "TEE-S")[0]
    assert (warehouse["available"], warehouse["committed"], warehouse["on_hand"]) == (4, 0, 4)
    replay = await gql(REFUND, {"key": "refund-1", "input": refund_input})
    assert (
        replay["data"]["refundCreate"]["refund"]["id"] == payload["refund"]["id"]
    )  # idempotent: no 2nd refund
    assert sandbox.inventory("alpha", "TEE-S")[0]["available"] == 4


async def test_refund_errors_over_refund_bad_parent_and_missing_directive(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    placed = place(sandbox, 1)
    order = await load(gql, placed)
    gid = placed["admin_graphql_api_id"]
    sale = order["transactions"][0]
    too_much = {
        "orderId": gid,
        "transactions": [
            {
                "orderId": gid,
                "parentId": sale["id"],
                "amount": "25.00",
                "gateway": "shopify_payments",
                "kind": "REFUND",
            }
        ],
    }
    body = await gql(REFUND, {"key": "r-1", "input": too_much})
    assert body["data"]["refundCreate"]["userErrors"] == [
        {"field": None, "message": "Refund amount $25.00 is greater than net payment received $22.00"}
    ]
    orphan = {
        "orderId": gid,
        "transactions": [{"orderId": gid, "amount": "1.00", "gateway": "manual", "kind": "REFUND"}],
    }
    body = await gql(REFUND, {"key": "r-2", "input": orphan})
    assert (
        body["data"]["refundCreate"]["userErrors"][0]["message"]
        == "Transactions require a parent_id associated with the order"
    )
    body = await gql(
        "mutation($i: RefundInput!) { refundCreate(input: $i) { refund { id } } }", {"i": orphan}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_refund_cancel_releases_unfulfilled_units(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    placed = place(sandbox, 3)
    order = await load(gql, placed)
    line = order["lineItems"]["nodes"][0]
    body = await gql(
        REFUND,
        {
            "key": "c-1",
            "input": {
                "orderId": placed["admin_graphql_api_id"],
                "refundLineItems": [{"lineItemId": line["id"], "quantity": 2, "restockType": "CANCEL"}],
            },
        },
    )
    assert body["data"]["refundCreate"]["userErrors"] == []
    warehouse = sandbox.inventory("alpha", "TEE-S")[0]
    assert (warehouse["available"], warehouse["committed"]) == (4, 1)
    after = await load(gql, placed)
    assert after["lineItems"]["nodes"][0]["currentQuantity"] == 1
    assert after["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["remainingQuantity"] == 1


async def test_order_update_sets_note_tags_and_metafields(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    order = place(sandbox, 1)
    body = await gql(
        """mutation($input: OrderInput!) { orderUpdate(input: $input) { order { note tags
        metafield(namespace: "erp", key: "sales_order") { value type }
        metafields(first: 5) { nodes { namespace key value } } } userErrors { field message } } }""",
        {
            "input": {
                "id": order["admin_graphql_api_id"],
                "note": "synced",
                "tags": ["netsuite"],
                "metafields": [
                    {
                        "namespace": "erp",
                        "key": "sales_order",
                        "value": "SO-100",
                        "type": "single_line_text_field",
                    }
                ],
            }
        },
    )
    updated = body["data"]["orderUpdate"]["order"]
    assert (updated["note"], updated["tags"]) == ("synced", ["netsuite"])
    assert updated["metafield"] == {"value": "SO-100", "type": "single_line_text_field"}
    body = await gql(
        """mutation($input: OrderInput!) { orderUpdate(input: $input) { userErrors { field message } } }""",
        {"input": {"id": order["admin_graphql_api_id"], "metafields": [{"namespace": "erp"}]}},
    )
    assert body["data"]["orderUpdate"]["userErrors"] == [
        {"field": ["metafields", "0", "key"], "message": "Key can't be blank"}
    ]


async def test_customer_create_and_update_with_duplicate_email_refused(gql: GraphQL) -> None:
    create = """mutation($input: CustomerInput!) { customerCreate(input: $input) {
        customer { id email firstName tags } userErrors { field message } } }"""
    body = await gql(create, {"input": {"email": "cy@example.com", "firstName": "Cy", "tags": ["vip"]}})
    customer = body["data"]["customerCreate"]["customer"]
    assert (customer["email"], customer["tags"]) == ("cy@example.com", ["vip"])
    again = await gql(create, {"input": {"email": "CY@example.com"}})
    assert again["data"]["customerCreate"]["userErrors"] == [
        {"field": ["email"], "message": "Email has already been taken"}
    ]
    body = await gql(
        """mutation($input: CustomerInput!) { customerUpdate(input: $input) {
        customer { lastName metafield(namespace: "erp", key: "id") { value } } userErrors { message } } }""",
        {
            "input": {
                "id": customer["id"],
                "lastName": "Young",
                "metafields": [{"namespace": "erp", "key": "id", "value": "C-9"}],
            }
        },
    )
    assert body["data"]["customerUpdate"]["customer"] == {"lastName": "Young", "metafield": {"value": "C-9"}}
    body = await gql("""mutation { customerUpdate(input: {id: "gid://shopify/Customer/1", note: "x"}) {
        userErrors { field message } } }""")
    assert body["data"]["customerUpdate"]["userErrors"] == [
        {"field": ["id"], "message": "Customer does not exist"}
    ]


async def test_product_variants_bulk_update_changes_price_policy_and_sku(gql: GraphQL) -> None:
    found = await gql(
        """{ products(first: 1, query: "title:Tee") { nodes { id variants(first: 2) { nodes { id } } } } }"""
    )
    product = found["data"]["products"]["nodes"][0]
    variant_id = product["variants"]["nodes"][0]["id"]
    body = await gql(
        """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p,
        variants: $v) { productVariants { price inventoryPolicy sku }
        userErrors { field message code } } }""",
        {
            "p": product["id"],
            "v": [
                {
                    "id": variant_id,
                    "price": "24.50",
                    "inventoryPolicy": "CONTINUE",
                    "inventoryItem": {"sku": "TEE-S2"},
                }
            ],
        },
    )
    assert body["data"]["productVariantsBulkUpdate"]["productVariants"] == [
        {"price": "24.5", "inventoryPolicy": "CONTINUE", "sku": "TEE-S2"}
    ]
    body = await gql(
        """mutation($p: ID!) { productVariantsBulkUpdate(productId: $p, variants: [
        {id: "gid://shopify/ProductVariant/1", price: "1"}]) {
        productVariants { id } userErrors { field code } } }""",
        {"p": product["id"]},
    )
    assert body["data"]["productVariantsBulkUpdate"] == {
        "productVariants": None,
        "userErrors": [{"field": ["variants", "0", "id"], "code": "PRODUCT_VARIANT_DOES_NOT_EXIST"}],
    }


async def test_webhook_subscription_create_list_and_delete(gql: GraphQL) -> None:
    create = """mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription:
        {uri: "https://hooks.example/orders", format: JSON}) { webhookSubscription { id topic uri
        endpoint { ... on WebhookHttpEndpoint { callbackUrl } } } userErrors { field message } } }"""
    body = await gql(create)
    subscription = body["data"]["webhookSubscriptionCreate"]["webhookSubscription"]
    assert subscription["endpoint"] == {"callbackUrl": "https://hooks.example/orders"}
    duplicate = await gql(create)
    assert (
        duplicate["data"]["webhookSubscriptionCreate"]["userErrors"][0]["message"]
        == "Address for this topic has already been taken"
    )
    listed = await gql("{ webhookSubscriptions(first: 5, topics: [ORDERS_CREATE]) { nodes { id } } }")
    assert listed["data"]["webhookSubscriptions"]["nodes"] == [{"id": subscription["id"]}]
    delete = """mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId
        userErrors { message } } }"""
    body = await gql(delete, {"id": subscription["id"]})
    assert body["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == subscription["id"]
    body = await gql(delete, {"id": subscription["id"]})
    assert body["data"]["webhookSubscriptionDelete"]["userErrors"] == [
        {"message": "Webhook subscription does not exist"}
    ]


async def test_tracking_info_update_replaces_tracking_on_a_fulfillment(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    order = await load(gql, place(sandbox, 1))
    [fo] = order["fulfillmentOrders"]["nodes"]
    body = await gql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    fulfillment_id = body["data"]["fulfillmentCreate"]["fulfillment"]["id"]
    body = await gql(
        """mutation($id: ID!, $t: FulfillmentTrackingInput!) {
        fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: true) {
        fulfillment { trackingInfo { company number } } userErrors { message } } }""",
        {"id": fulfillment_id, "t": {"company": "DHL", "numbers": ["A1", "A2"]}},
    )
    assert body["data"]["fulfillmentTrackingInfoUpdate"]["fulfillment"]["trackingInfo"] == [
        {"company": "DHL", "number": "A1"},
        {"company": "DHL", "number": "A2"},
    ]


async def test_product_update_and_variant_weight_follow_the_item_master(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    found = await gql(
        '{ products(first: 1, query: "title:Tee") { nodes { id variants(first: 1) { nodes { id } } } } }'
    )
    product = found["data"]["products"]["nodes"][0]
    body = await gql(
        """mutation($p: ProductUpdateInput!) { productUpdate(product: $p) {
        product { title status tags } userErrors { field message } } }""",
        {"p": {"id": product["id"], "title": "Organic Tee", "status": "ARCHIVED", "tags": ["netsuite"]}},
    )
    assert body["data"]["productUpdate"]["product"] == {
        "title": "Organic Tee",
        "status": "ARCHIVED",
        "tags": ["netsuite"],
    }
    body = await gql(
        """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p,
        variants: $v) { productVariants { inventoryItem { measurement { weight { unit value } } } } } }""",
        {
            "p": product["id"],
            "v": [
                {
                    "id": product["variants"]["nodes"][0]["id"],
                    "inventoryItem": {"measurement": {"weight": {"value": 0.5, "unit": "KILOGRAMS"}}},
                }
            ],
        },
    )
    [variant] = body["data"]["productVariantsBulkUpdate"]["productVariants"]
    assert variant["inventoryItem"]["measurement"]["weight"] == {"unit": "GRAMS", "value": 500.0}
    body = await gql("""mutation { productUpdate(product: {id: "gid://shopify/Product/1", title: "x"}) {
        userErrors { field message } } }""")
    assert body["data"]["productUpdate"]["userErrors"] == [
        {"field": ["id"], "message": "Product does not exist"}
    ]
