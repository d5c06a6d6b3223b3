"""inventorySetQuantities / inventoryAdjustQuantities / inventoryActivate over HTTP, 2026-04 rules."""

from __future__ import annotations

from typing import Any

from sandbox.shopify import ShopifySandbox

from .conftest import GraphQL, ids_of

SET = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id name } } }
    userErrors { field message code }
  }
}"""

ADJUST = """
mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { changes { name delta } }
    userErrors { field message code }
  }
}"""

LEVEL = """
query($item: ID!, $location: ID!) { inventoryItem(id: $item) { inventoryLevel(locationId: $location) {
  quantities(names: ["available", "on_hand", "committed", "incoming", "damaged"]) { name quantity } } } }"""


def set_input(rows: list[dict[str, Any]], name: str = "available") -> dict[str, Any]:
    return {
        "name": name,
        "reason": "correction",
        "referenceDocumentUri": "gid://tandem/Sync/1",
        "quantities": rows,
    }


async def quantities(gql: GraphQL, item: str, location: str) -> dict[str, int]:
    body = await gql(LEVEL, {"item": item, "location": location})
    rows = body["data"]["inventoryItem"]["inventoryLevel"]["quantities"]
    return {row["name"]: row["quantity"] for row in rows}


async def test_set_with_matching_change_from_quantity_writes_and_mirrors_on_hand(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        SET,
        {
            "key": "k-1",
            "input": set_input(
                [{"inventoryItemId": item, "locationId": location, "quantity": 12, "changeFromQuantity": 5}]
            ),
        },
    )
    group = body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []
    assert [(c["name"], c["delta"], c["quantityAfterChange"]) for c in group["changes"]] == [
        ("available", 7, None),
        ("on_hand", 7, None),
    ]
    assert group["changes"][0]["location"]["name"] == "Warehouse"
    assert group["referenceDocumentUri"] == "gid://tandem/Sync/1"
    assert (await quantities(gql, item, location))["available"] == 12
    [write] = sandbox.quantity_writes("alpha")
    assert (
        write.sku,
        write.location_name,
        write.before,
        write.after,
        write.change_from_quantity,
        write.idempotency_key,
        write.app,
    ) == ("TEE-S", "Warehouse", 5, 12, 5, "k-1", "app")


async def test_stale_change_from_quantity_is_refused_and_nothing_in_the_batch_is_written(
    gql: GraphQL,
) -> None:
    item, warehouse = await ids_of(gql, "TEE-S", "Warehouse")
    _, overflow = await ids_of(gql, "TEE-S", "Overflow")
    body = await gql(
        SET,
        {
            "key": "k-2",
            "input": set_input(
                [
                    {
                        "inventoryItemId": item,
                        "locationId": warehouse,
                        "quantity": 9,
                        "changeFromQuantity": 5,
                    },
                    {"inventoryItemId": item, "locationId": overflow, "quantity": 9, "changeFromQuantity": 7},
                ]
            ),
        },
    )
    payload = body["data"]["inventorySetQuantities"]
    assert payload["inventoryAdjustmentGroup"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert error["field"] == ["input", "quantities", "1", "changeFromQuantity"]
    assert (await quantities(gql, item, warehouse))["available"] == 5  # atomic: row 0 not applied


async def test_explicit_null_change_from_quantity_skips_the_check(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        SET,
        {
            "key": "k-3",
            "input": set_input(
                [
                    {
                        "inventoryItemId": item,
                        "locationId": location,
                        "quantity": 40,
                        "changeFromQuantity": None,
                    }
                ]
            ),
        },
    )
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []
    assert (await quantities(gql, item, location))["available"] == 40


async def test_row_without_change_from_quantity_key_is_a_top_level_error(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        SET,
        {
            "key": "k-4",
            "input": set_input([{"inventoryItemId": item, "locationId": location, "quantity": 1}]),
        },
    )
    assert body["data"] == {"inventorySetQuantities": None}
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"
    assert "must include the following argument: changeFromQuantity" in body["errors"][0]["message"]


async def test_missing_idempotent_directive_is_bad_request_with_null_data(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        """mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
        userErrors { code } } }""",
        {
            "input": set_input(
                [{"inventoryItemId": item, "locationId": location, "quantity": 1, "changeFromQuantity": None}]
            )
        },
    )
    assert body["data"] == {"inventorySetQuantities": None}
    [error] = body["errors"]
    assert error["message"] == "The @idempotent directive is required for this mutation but was not provided."
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["path"] == ["inventorySetQuantities"]


async def test_operation_level_idempotent_directive_is_rejected(gql: GraphQL) -> None:
    body = await gql("""mutation M @idempotent(key: "x") { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1")
        { userErrors { message } } }""")
    assert "data" not in body and "idempotent" in body["errors"][0]["message"]


async def test_same_key_same_arguments_replays_without_applying_twice(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    adjust = {
        "name": "available",
        "reason": "received",
        "changes": [
            {"inventoryItemId": item, "locationId": location, "delta": 3, "changeFromQuantity": None}
        ],
    }
    first = await gql(ADJUST, {"key": "retry-me", "input": adjust})
    again = await gql(ADJUST, {"key": "retry-me", "input": adjust})
    assert first["data"] == again["data"]
    assert (await quantities(gql, item, location))["available"] == 8
    assert len(sandbox.quantity_writes("alpha")) == 1


async def test_same_key_with_different_arguments_is_a_parameter_mismatch(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    row = {"inventoryItemId": item, "locationId": location, "quantity": 6, "changeFromQuantity": 5}
    await gql(SET, {"key": "k-5", "input": set_input([row])})
    body = await gql(
        SET, {"key": "k-5", "input": set_input([{**row, "quantity": 7, "changeFromQuantity": 6}])}
    )
    assert (
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    )
    assert (await quantities(gql, item, location))["available"] == 6


async def test_251_rows_exceed_the_input_limit_but_250_are_accepted(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    row = {"inventoryItemId": item, "locationId": location, "quantity": 1, "changeFromQuantity": None}
    body = await gql(SET, {"key": "big", "input": set_input([row] * 251)})
    assert "data" not in body
    assert (
        body["errors"][0]["message"]
        == "The input array size of 251 is greater than the maximum allowed of 250."
    )
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert "cost" in body["extensions"]
    body = await gql(SET, {"key": "big-ok", "input": set_input([row] * 250)})
    codes = {e["code"] for e in body["data"]["inventorySetQuantities"]["userErrors"]}
    assert codes == {"NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"}  # validated per row, not refused by size


async def test_unknown_item_location_and_unstocked_level_are_user_errors(gql: GraphQL) -> None:
    item, warehouse = await ids_of(gql, "TEE-M", "Warehouse")
    _, overflow = await ids_of(gql, "TEE-M", "Overflow")
    body = await gql(
        SET,
        {
            "key": "k-6",
            "input": set_input(
                [
                    {
                        "inventoryItemId": "gid://shopify/InventoryItem/9",
                        "locationId": warehouse,
                        "quantity": 1,
                        "changeFromQuantity": None,
                    },
                    {
                        "inventoryItemId": item,
                        "locationId": "gid://shopify/Location/9",
                        "quantity": 1,
                        "changeFromQuantity": None,
                    },
                    {
                        "inventoryItemId": item,
                        "locationId": overflow,
                        "quantity": 1,
                        "changeFromQuantity": None,
                    },
                ]
            ),
        },
    )
    errors = body["data"]["inventorySetQuantities"]["userErrors"]
    assert [e["code"] for e in errors] == [
        "INVALID_INVENTORY_ITEM",
        "INVALID_LOCATION",
        "ITEM_NOT_STOCKED_AT_LOCATION",
    ]
    assert errors[0]["message"] == "The specified inventory item could not be found."


async def test_only_available_and_on_hand_can_be_set_and_reasons_are_checked(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    row = [{"inventoryItemId": item, "locationId": location, "quantity": 1, "changeFromQuantity": None}]
    body = await gql(SET, {"key": "k-7", "input": {**set_input(row, "committed"), "reason": "because"}})
    codes = {e["code"] for e in body["data"]["inventorySetQuantities"]["userErrors"]}
    assert codes == {"INVALID_NAME", "INVALID_REASON"}


async def test_setting_on_hand_moves_available_and_negative_on_hand_is_refused(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        SET,
        {
            "key": "k-8",
            "input": set_input(
                [{"inventoryItemId": item, "locationId": location, "quantity": 9, "changeFromQuantity": 5}],
                "on_hand",
            ),
        },
    )
    changes = body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert [(c["name"], c["delta"]) for c in changes] == [("on_hand", 4), ("available", 4)]
    body = await gql(
        SET,
        {
            "key": "k-9",
            "input": set_input(
                [
                    {
                        "inventoryItemId": item,
                        "locationId": location,
                        "quantity": -1,
                        "changeFromQuantity": None,
                    }
                ],
                "on_hand",
            ),
        },
    )
    assert body["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_QUANTITY_NEGATIVE"


async def test_legacy_ignore_compare_quantity_field_is_an_invalid_variable(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        SET,
        {
            "key": "k-10",
            "input": {
                **set_input(
                    [
                        {
                            "inventoryItemId": item,
                            "locationId": location,
                            "quantity": 1,
                            "changeFromQuantity": None,
                        }
                    ]
                ),
                "ignoreCompareQuantity": True,
            },
        },
    )
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert "ignoreCompareQuantity" in body["errors"][0]["message"]


async def test_adjust_incoming_needs_a_ledger_document_and_stays_outside_on_hand(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    row = {"inventoryItemId": item, "locationId": location, "delta": 10, "changeFromQuantity": 0}
    body = await gql(
        ADJUST, {"key": "a-1", "input": {"name": "incoming", "reason": "movement_created", "changes": [row]}}
    )
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"] == "INVALID_QUANTITY_DOCUMENT"
    body = await gql(
        ADJUST,
        {
            "key": "a-2",
            "input": {
                "name": "incoming",
                "reason": "movement_created",
                "changes": [{**row, "ledgerDocumentUri": "gid://erp/PurchaseOrder/7"}],
            },
        },
    )
    changes = body["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert changes == [{"name": "incoming", "delta": 10}]
    levels = await quantities(gql, item, location)
    assert (levels["incoming"], levels["on_hand"]) == (10, 5)


async def test_adjust_available_with_a_ledger_document_or_on_hand_name_is_refused(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    row = {"inventoryItemId": item, "locationId": location, "delta": 1, "changeFromQuantity": None}
    body = await gql(
        ADJUST,
        {
            "key": "a-3",
            "input": {
                "name": "available",
                "reason": "correction",
                "changes": [{**row, "ledgerDocumentUri": "gid://erp/Doc/1"}],
            },
        },
    )
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"] == "INVALID_AVAILABLE_DOCUMENT"
    body = await gql(
        ADJUST, {"key": "a-4", "input": {"name": "on_hand", "reason": "correction", "changes": [row]}}
    )
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"] == "INVALID_QUANTITY_NAME"


async def test_adjust_with_stale_change_from_quantity_is_refused(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    body = await gql(
        ADJUST,
        {
            "key": "a-5",
            "input": {
                "name": "available",
                "reason": "correction",
                "changes": [
                    {"inventoryItemId": item, "locationId": location, "delta": -1, "changeFromQuantity": 4}
                ],
            },
        },
    )
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"


async def test_inventory_activate_stocks_an_item_so_it_can_be_written(gql: GraphQL) -> None:
    item, overflow = await ids_of(gql, "TEE-M", "Overflow")
    body = await gql(
        """mutation($i: ID!, $l: ID!) { inventoryActivate(inventoryItemId: $i, locationId: $l, available: 4)
        @idempotent(key: "act-1") { inventoryLevel { id quantities(names: ["available"]) { quantity } }
        userErrors { message } } }""",
        {"i": item, "l": overflow},
    )
    level = body["data"]["inventoryActivate"]["inventoryLevel"]
    assert level["quantities"] == [{"quantity": 4}]
    assert level["id"].startswith("gid://shopify/InventoryLevel/") and "?inventory_item_id=" in level["id"]
    body = await gql(
        SET,
        {
            "key": "k-11",
            "input": set_input(
                [{"inventoryItemId": item, "locationId": overflow, "quantity": 6, "changeFromQuantity": 4}]
            ),
        },
    )
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []


async def test_retrying_a_successful_cas_write_under_a_new_key_is_stale(gql: GraphQL) -> None:
    item, location = await ids_of(gql, "TEE-S", "Warehouse")
    row = {"inventoryItemId": item, "locationId": location, "quantity": 8, "changeFromQuantity": 5}
    first = await gql(SET, {"key": "attempt-1", "input": set_input([row])})
    assert first["data"]["inventorySetQuantities"]["userErrors"] == []
    retry = await gql(SET, {"key": "attempt-2", "input": set_input([row])})  # keys must stay stable on retry
    assert retry["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
