"""The REST record service over HTTP: CRUD, upsert, transforms, sublists, references, errors."""

from __future__ import annotations

from typing import Any

from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient

RECORD = "/record/v1"


def _order(demo: dict[str, Any], external_id: str, quantity: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "entity": {"id": str(demo["customer"])},
        "externalId": external_id,
        "location": {"id": str(demo["locations"]["East Warehouse"])},
        "item": {
            "items": [
                {
                    "item": {"id": str(demo["items"]["TEE-BLK-M"])},
                    "quantity": quantity,
                    "rate": 25,
                    "custcol_shopify_line_id": "L-1",
                }
            ]
        },
        "custbody_shopify_order_id": external_id,
        **extra,
    }


async def test_create_answers_204_with_the_new_records_location(
    client: TbaClient, demo: dict[str, Any]
) -> None:
    reply = await client.request(
        "POST",
        f"{RECORD}/customer",
        json_body={"companyName": "Acme", "email": "ops@acme.test", "custentity_segment": "wholesale"},
    )
    assert reply.status == 204
    assert reply.body is None
    assert reply.headers["Location"].startswith(f"{client.base_url}/services/rest/record/v1/customer/")
    fetched = await client.request("GET", f"{RECORD}/customer/{reply.location_id}")
    assert fetched.status == 200
    assert fetched.headers["Content-Type"].startswith("application/vnd.oracle.resource+json; type=singular")
    assert fetched.body["companyName"] == "Acme"
    assert fetched.body["custentity_segment"] == "wholesale"
    assert fetched.body["id"] == str(reply.location_id)


async def test_references_come_back_with_refname_and_links(client: TbaClient, demo: dict[str, Any]) -> None:
    created = await client.request("POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-1"))
    body = (await client.request("GET", f"{RECORD}/salesOrder/{created.location_id}")).body
    assert body["entity"]["refName"] == "Ada Lovelace"
    assert body["entity"]["links"][0]["href"].endswith(f"/record/v1/customer/{demo['customer']}")
    assert body["orderStatus"] == {"id": "B", "refName": "Pending Fulfillment"}
    # Without expandSubResources a sublist is only a link (reference §1.2).
    assert set(body["item"]) == {"links"}
    expanded = (
        await client.request(
            "GET", f"{RECORD}/salesOrder/{created.location_id}", params={"expandSubResources": "true"}
        )
    ).body
    line = expanded["item"]["items"][0]
    assert line["item"]["refName"] == "TEE-BLK-M"
    assert line["amount"] == 50
    assert line["custcol_shopify_line_id"] == "L-1"
    assert expanded["custbody_shopify_order_id"] == "SHOP-1"


async def test_patch_changes_only_the_fields_sent_and_null_clears(
    client: TbaClient, demo: dict[str, Any]
) -> None:
    created = await client.request(
        "POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-2", memo="first")
    )
    path = f"{RECORD}/salesOrder/{created.location_id}"
    reply = await client.request("PATCH", path, json_body={"otherRefNum": "#1002", "memo": None})
    assert reply.status == 204
    body = (await client.request("GET", path)).body
    assert body["otherRefNum"] == "#1002"
    assert "memo" not in body
    assert body["externalId"] == "SHOP-2"


async def test_patch_merges_sublist_lines_and_replace_drops_the_rest(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    created = await client.request("POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-3"))
    path = f"{RECORD}/salesOrder/{created.location_id}"
    mug = str(demo["items"]["MUG-01"])
    await client.request(
        "PATCH",
        path,
        json_body={"item": {"items": [{"line": 1, "quantity": 5}, {"item": {"id": mug}, "quantity": 1}]}},
    )
    lines = (await client.request("GET", f"{path}/item")).body["items"]
    assert [(x["line"], x["quantity"]) for x in lines] == [(1, 5), (2, 1)]
    await client.request(
        "PATCH", path, params={"replace": "item"}, json_body={"item": {"items": [{"line": 2, "quantity": 3}]}}
    )
    lines = (await client.request("GET", f"{path}/item")).body["items"]
    assert [(x["line"], x["item"]["id"], x["quantity"]) for x in lines] == [(2, mug, 3)]
    # The dropped line's commitment is released: nothing of the tee is committed any more.
    tee, east = demo["items"]["TEE-BLK-M"], demo["locations"]["East Warehouse"]
    assert sandbox.stock(tee, east).committed == 0
    assert sandbox.stock(int(mug), east).committed == 3


async def test_put_on_eid_creates_then_updates_the_same_record(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    first = await client.request("PUT", f"{RECORD}/salesOrder/eid:SHOP-4", json_body=_order(demo, "SHOP-4"))
    second = await client.request(
        "PUT", f"{RECORD}/salesOrder/eid:SHOP-4", json_body={"otherRefNum": "#1004"}
    )
    assert first.status == second.status == 204
    assert first.location_id == second.location_id
    assert sandbox.external_id_counts("salesOrder") == {"SHOP-4": 1}
    body = (await client.request("GET", f"{RECORD}/salesOrder/eid:SHOP-4")).body
    assert body["otherRefNum"] == "#1004"


async def test_put_without_eid_and_duplicate_external_id_are_refused(
    client: TbaClient, demo: dict[str, Any]
) -> None:
    put = await client.request("PUT", f"{RECORD}/customer/5", json_body={"companyName": "X"})
    assert (put.status, put.error_code) == (400, "INVALID_PARAMETER")
    await client.request("POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-5"))
    again = await client.request("POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-5"))
    assert again.status == 400
    assert again.body["o:errorDetails"][0]["o:errorPath"] == "externalId"


async def test_bad_content_gets_netsuites_error_body_with_the_path(
    client: TbaClient, demo: dict[str, Any]
) -> None:
    order = _order(demo, "SHOP-6")
    order["item"]["items"].append({"item": {"id": "9999"}, "quantity": 1})
    reply = await client.request("POST", f"{RECORD}/salesOrder", json_body=order)
    assert reply.status == 400
    assert reply.body["title"] == "Bad Request"
    detail = reply.body["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_CONTENT"
    assert detail["o:errorPath"] == "item.items[1].item"
    assert "Invalid Field Value 9999" in detail["detail"]
    bad_date = await client.request(
        "POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-6", tranDate="3/15/2026")
    )
    assert (bad_date.status, bad_date.body["o:errorDetails"][0]["o:errorPath"]) == (400, "tranDate")
    missing = await client.request("GET", f"{RECORD}/salesOrder/424242")
    assert (missing.status, missing.error_code) == (404, "NONEXISTENT_ID")


async def test_failed_write_leaves_no_trace(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    watch, east = demo["items"]["WATCH-01"], demo["locations"]["East Warehouse"]
    before = sandbox.stock(watch, east).on_hand
    reply = await client.request(
        "POST",
        f"{RECORD}/inventoryAdjustment",
        json_body={
            "adjLocation": {"id": str(east)},
            "inventory": {
                "items": [
                    {"item": {"id": str(demo["items"]["MUG-01"])}, "adjustQtyBy": 1},
                    {"item": {"id": str(watch)}, "adjustQtyBy": -1},
                ]
            },
        },
    )  # serialized: needs inventory detail
    assert reply.status == 400
    assert sandbox.stock(watch, east).on_hand == before
    assert sandbox.stock(demo["items"]["MUG-01"], east).on_hand == 40
    assert "inventoryAdjustment" in sandbox.get("inventoryAdjustment", 1)["links"][0]["href"]
    listing = await client.request("GET", f"{RECORD}/inventoryAdjustment")
    assert listing.body["totalResults"] == 1


async def test_collections_page_ids_only(client: TbaClient, demo: dict[str, Any]) -> None:
    for n in range(5):
        await client.request("POST", f"{RECORD}/customer", json_body={"companyName": f"C{n}"})
    page = await client.request("GET", f"{RECORD}/customer", params={"limit": 2, "offset": 2})
    assert page.body["totalResults"] == 6
    assert page.body["count"] == 2 and page.body["hasMore"] is True
    assert all(set(item) == {"id", "links"} for item in page.body["items"])
    assert any(link["rel"] == "next" for link in page.body["links"])
    bad = await client.request("GET", f"{RECORD}/customer", params={"limit": 2, "offset": 3})
    assert (bad.status, bad.error_code) == (400, "INVALID_PARAMETER")


async def test_delete_removes_an_unshipped_order_and_frees_its_stock(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    created = await client.request(
        "POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-7", quantity=4)
    )
    tee, east = demo["items"]["TEE-BLK-M"], demo["locations"]["East Warehouse"]
    assert sandbox.stock(tee, east).committed == 4
    assert (await client.request("DELETE", f"{RECORD}/salesOrder/{created.location_id}")).status == 204
    assert sandbox.stock(tee, east).committed == 0
    assert (await client.request("GET", f"{RECORD}/salesOrder/{created.location_id}")).status == 404


async def test_item_fulfillment_cannot_be_posted_directly(client: TbaClient, demo: dict[str, Any]) -> None:
    reply = await client.request("POST", f"{RECORD}/itemFulfillment", json_body={"createdFrom": {"id": "1"}})
    assert (reply.status, reply.error_code) == (400, "USER_ERROR")


async def test_transform_fulfills_listed_lines_with_packages(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    order = _order(demo, "SHOP-8", quantity=3)
    order["item"]["items"].append({"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 1})
    created = await client.request("POST", f"{RECORD}/salesOrder", json_body=order)
    reply = await client.request(
        "POST",
        f"{RECORD}/salesOrder/{created.location_id}/!transform/itemFulfillment",
        json_body={
            "item": {"items": [{"orderLine": 1, "quantity": 2}, {"orderLine": 2, "itemReceive": False}]},
            "package": {"items": [{"packageTrackingNumber": "1Z999", "packageWeight": 1.5}]},
        },
    )
    assert reply.status == 204
    assert "/record/v1/itemFulfillment/" in reply.headers["Location"]
    fulfillment = sandbox.get("itemFulfillment", reply.location_id)
    assert [(x["orderLine"], x["quantity"]) for x in fulfillment["item"]["items"]] == [(1, 2)]
    assert fulfillment["package"]["items"][0]["packageTrackingNumber"] == "1Z999"
    assert fulfillment["createdFrom"]["refName"].startswith("Sales Order #")
    order_now = sandbox.get("salesOrder", created.location_id)
    assert order_now["orderStatus"]["id"] == "D"  # Partially Fulfilled
    assert order_now["item"]["items"][0]["quantityFulfilled"] == 2


async def test_changing_an_external_id_moves_it_and_a_refused_change_does_not(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    first = await client.request(
        "POST", f"{RECORD}/customer", json_body={"companyName": "A", "externalId": "A-1"}
    )
    await client.request("POST", f"{RECORD}/customer", json_body={"companyName": "B", "externalId": "B-1"})
    moved = await client.request("PATCH", f"{RECORD}/customer/eid:A-1", json_body={"externalId": "A-2"})
    assert moved.status == 204
    assert (await client.request("GET", f"{RECORD}/customer/eid:A-2")).body["id"] == str(first.location_id)
    assert (await client.request("GET", f"{RECORD}/customer/eid:A-1")).status == 404
    clash = await client.request("PATCH", f"{RECORD}/customer/eid:A-2", json_body={"externalId": "B-1"})
    assert clash.status == 400
    assert sandbox.external_id_counts("customer") == {"shopify-customer-1": 1, "A-2": 1, "B-1": 1}


async def test_collection_q_filters_by_fields_and_account_local_dates(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    for name, email in (("Acme", "ops@acme.test"), ("Beta", "hi@beta.test"), ("Acme East", None)):
        sandbox.create("customer", {"companyName": name, **({"email": email} if email else {})})
    found = await client.request("GET", f"{RECORD}/customer", params={"q": 'companyName START_WITH "Acme"'})
    assert [item["id"] for item in found.body["items"]] == ["2", "4"]
    either = await client.request(
        "GET",
        f"{RECORD}/customer",
        params={"q": 'email IS "hi@beta.test" OR (id ANY_OF [2, 4] AND email EMPTY)'},
    )
    assert [item["id"] for item in either.body["items"]] == ["3", "4"]
    today = sandbox.account.today()
    on_today = await client.request(
        "GET",
        f"{RECORD}/customer",
        params={"q": f'lastModifiedDate ON "{today.month}/{today.day}/{today.year}"'},
    )
    assert on_today.body["totalResults"] == 4
    iso = await client.request("GET", f"{RECORD}/customer", params={"q": f'lastModifiedDate AFTER "{today}"'})
    assert (iso.status, iso.error_code) == (400, "INVALID_PARAMETER")
    assert "Unparseable date" in iso.body["o:errorDetails"][0]["detail"]


async def test_a_record_echoed_back_from_get_changes_nothing_computed(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    created = await client.request(
        "POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-ECHO", quantity=3)
    )
    path = f"{RECORD}/salesOrder/{created.location_id}"
    fetched = (await client.request("GET", path, params={"expandSubResources": "true"})).body
    fetched["total"] = 0
    fetched["item"]["items"][0]["quantityFulfilled"] = 99
    assert (await client.request("PATCH", path, json_body=fetched)).status == 204
    shallow = (await client.request("GET", path)).body  # sublists only as links: ignored when echoed
    assert (await client.request("PATCH", path, json_body=shallow)).status == 204
    after = sandbox.get("salesOrder", created.location_id)
    assert after["total"] == 75
    assert after["item"]["items"][0]["quantityFulfilled"] == 0
    assert len(after["item"]["items"]) == 1
    assert sandbox.stock(demo["items"]["TEE-BLK-M"], demo["locations"]["East Warehouse"]).committed == 3


async def test_records_in_use_cannot_be_deleted(client: TbaClient, demo: dict[str, Any]) -> None:
    await client.request("POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-DEL"))
    customer = await client.request("DELETE", f"{RECORD}/customer/{demo['customer']}")
    item = await client.request("DELETE", f"{RECORD}/inventoryItem/{demo['items']['MUG-01']}")  # in the kit
    assert (customer.status, customer.error_code) == (400, "USER_ERROR")
    assert (item.status, item.error_code) == (400, "USER_ERROR")
    unused = await client.request("POST", f"{RECORD}/customer", json_body={"companyName": "Gone Soon"})
    assert (await client.request("DELETE", f"{RECORD}/customer/{unused.location_id}")).status == 204


async def test_closing_every_open_line_closes_the_order_and_frees_stock(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    created = await client.request(
        "POST", f"{RECORD}/salesOrder", json_body=_order(demo, "SHOP-CLOSE", quantity=2)
    )
    path = f"{RECORD}/salesOrder/{created.location_id}"
    await client.request("PATCH", path, json_body={"item": {"items": [{"line": 1, "isClosed": True}]}})
    assert sandbox.get("salesOrder", created.location_id)["orderStatus"]["id"] == "H"
    assert sandbox.stock(demo["items"]["TEE-BLK-M"], demo["locations"]["East Warehouse"]).committed == 0


async def test_carrier_package_lists_and_lowercase_itemreceive_are_understood(
    client: TbaClient, demo: dict[str, Any]
) -> None:
    order = _order(demo, "SHOP-UPS", quantity=1)
    order["item"]["items"].append({"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 1})
    created = await client.request("POST", f"{RECORD}/salesOrder", json_body=order)
    shipped = await client.request(
        "POST",
        f"{RECORD}/salesOrder/{created.location_id}/!transform/itemFulfillment",
        json_body={
            "item": {"items": [{"orderLine": 2, "itemreceive": False}]},
            "packageUps": {"items": [{"packageTrackingNumberUps": "1Z-UPS-1"}]},
        },
    )
    rows = await client.suiteql(
        "SELECT t.trackingnumberlist, COUNT(tl.id) AS lines FROM transaction t JOIN transactionline tl "
        f"ON tl.transaction = t.id WHERE t.id = {shipped.location_id} AND tl.mainline = 'F' "
        "GROUP BY t.trackingnumberlist"
    )
    assert rows.body["items"] == [{"links": [], "trackingnumberlist": "1Z-UPS-1", "lines": "1"}]


async def test_a_line_without_location_commits_nothing_until_it_gets_one(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    order = _order(demo, "SHOP-NOLOC")
    del order["location"]
    created = await client.request("POST", f"{RECORD}/salesOrder", json_body=order)
    assert created.status == 204
    line = sandbox.get("salesOrder", created.location_id)["item"]["items"][0]
    assert (line["quantityCommitted"], line["quantityBackOrdered"]) == (0, 2)
    path = f"{RECORD}/salesOrder/{created.location_id}"
    refused = await client.request(
        "POST",
        f"{path}/!transform/itemFulfillment",
        json_body={"item": {"items": [{"orderLine": 1, "quantity": 1}]}},
    )
    assert (refused.status, refused.error_code) == (400, "USER_ERROR")
    west = str(demo["locations"]["West Warehouse"])
    await client.request(
        "PATCH", path, json_body={"item": {"items": [{"line": 1, "location": {"id": west}}]}}
    )
    assert sandbox.stock(demo["items"]["TEE-BLK-M"], int(west)).committed == 2
