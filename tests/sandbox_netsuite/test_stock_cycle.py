"""Stock stays consistent through order → fulfillment → billing → refund, transfers and the control API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import anyio

from sandbox.netsuite.config import AutoFulfillment
from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient

RECORD = "/record/v1"


async def _stock(client: TbaClient, item: int, location: int) -> dict[str, str]:
    reply = await client.suiteql(
        "SELECT quantityonhand, quantitycommitted, quantityavailable, quantitybackordered, "
        "quantityintransit, quantityonorder FROM inventoryitemlocations "
        f"WHERE item = {item} AND location = {location}"
    )
    row = reply.body["items"][0]
    return {key: value for key, value in row.items() if key != "links"}


def _level(
    onhand: int, committed: int, backordered: int = 0, intransit: int = 0, onorder: int = 0
) -> dict[str, str]:
    return {
        "quantityonhand": str(onhand),
        "quantitycommitted": str(committed),
        "quantityavailable": str(onhand - committed),
        "quantitybackordered": str(backordered),
        "quantityintransit": str(intransit),
        "quantityonorder": str(onorder),
    }


async def test_order_fulfil_bill_refund_keeps_stock_consistent(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    soho, cap = demo["locations"]["SoHo Store"], demo["items"]["CAP-01"]
    assert await _stock(client, cap, soho) == _level(8, 0)
    order = await client.request(
        "PUT",
        f"{RECORD}/salesOrder/eid:SHOP-100",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(soho)},
            "shippingCost": "4.95",
            "item": {"items": [{"item": {"id": str(cap)}, "quantity": 10, "rate": "18.00"}]},
        },
    )
    order_id = order.location_id
    # Only 8 on hand: 8 committed, 2 backordered.
    assert await _stock(client, cap, soho) == _level(8, 8, backordered=2)
    first = await client.request(
        "POST",
        f"{RECORD}/salesOrder/{order_id}/!transform/itemFulfillment",
        json_body={"item": {"items": [{"orderLine": 1, "quantity": 5}]}},
    )
    assert first.status == 204
    assert await _stock(client, cap, soho) == _level(3, 3, backordered=2)
    # Stock arrives; the backorder is committed first-come-first-served.
    sandbox.receive_stock(cap, soho, 4)
    assert await _stock(client, cap, soho) == _level(7, 5)
    second = await client.request("POST", f"{RECORD}/salesOrder/{order_id}/!transform/itemFulfillment")
    assert second.status == 204
    assert await _stock(client, cap, soho) == _level(2, 0)
    bill = await client.request("POST", f"{RECORD}/salesOrder/{order_id}/!transform/cashSale")
    assert bill.status == 204
    assert sandbox.get("salesOrder", order_id)["orderStatus"]["id"] == "G"  # Billed
    cash_sale = sandbox.get("cashSale", bill.location_id)
    assert Decimal(str(cash_sale["total"])) == Decimal("184.95")
    refund = await client.request(
        "POST",
        f"{RECORD}/cashSale/{bill.location_id}/!transform/cashRefund",
        json_body={"item": {"items": [{"orderLine": 1, "quantity": 3}]}},
    )
    assert refund.status == 204
    assert await _stock(client, cap, soho) == _level(5, 0)
    assert Decimal(str(sandbox.get("cashRefund", refund.location_id)["total"])) == Decimal("54.00")
    assert sandbox.check_invariants() == []
    assert [m["reason"] for m in sandbox.stock_movements(cap) if m["location"] == soho][-1] == "restock"
    assert sandbox.sales_summary()[str(cap)] == {"shipped": "10", "restocked": "3", "backordered": "0"}


async def test_kits_commit_and_ship_their_components(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    east = demo["locations"]["East Warehouse"]
    tee, mug, kit = demo["items"]["TEE-BLK-M"], demo["items"]["MUG-01"], demo["items"]["KIT-STARTER"]
    order = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "item": {"items": [{"item": {"id": str(kit)}, "quantity": 3}]},
        },
    )
    assert (await _stock(client, tee, east))["quantitycommitted"] == "3"
    assert (await _stock(client, mug, east))["quantitycommitted"] == "3"
    sandbox.fulfill_order(order.location_id)
    assert await _stock(client, tee, east) == _level(37, 0)
    assert await _stock(client, mug, east) == _level(37, 0)
    assert sandbox.check_invariants() == []


async def test_serialized_items_ship_with_picked_serial_numbers(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    east, watch = demo["locations"]["East Warehouse"], demo["items"]["WATCH-01"]
    order = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "item": {"items": [{"item": {"id": str(watch)}, "quantity": 2}]},
        },
    )
    unpicked = await client.request(
        "POST", f"{RECORD}/salesOrder/{order.location_id}/!transform/itemFulfillment"
    )
    assert (unpicked.status, unpicked.error_code) == (400, "USER_ERROR")
    fulfillment = sandbox.fulfill_order(order.location_id, carrier="FedEx", tracking_numbers=["7749"])
    rows = (
        await client.suiteql(
            "SELECT n.inventorynumber, ia.quantity FROM inventoryassignment ia "
            f"JOIN inventorynumber n ON n.id = ia.inventorynumber WHERE ia.transaction = {fulfillment} "
            "ORDER BY n.inventorynumber"
        )
    ).body["items"]
    assert [row["inventorynumber"] for row in rows] == ["SN-0001", "SN-0002"]
    tracking = (
        await client.suiteql(f"SELECT trackingnumberlist FROM transaction WHERE id = {fulfillment}")
    ).body
    assert tracking["items"][0]["trackingnumberlist"] == "7749"
    assert await _stock(client, watch, east) == _level(1, 0)


async def test_transfer_order_goes_in_transit_then_arrives(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    east, soho, tee = (
        demo["locations"]["East Warehouse"],
        demo["locations"]["SoHo Store"],
        demo["items"]["TEE-WHT-M"],
    )
    transfer = sandbox.create_transfer(tee, east, soho, 6)
    assert await _stock(client, tee, east) == _level(40, 6)
    assert await _stock(client, tee, soho) == _level(8, 0, onorder=6)
    sandbox.ship_transfer(transfer)
    assert await _stock(client, tee, east) == _level(34, 0)
    assert await _stock(client, tee, soho) == _level(8, 0, intransit=6, onorder=6)
    sandbox.receive_transfer(transfer)
    assert await _stock(client, tee, soho) == _level(14, 0)
    assert sandbox.get("transferOrder", transfer)["status"]["id"] == "G"
    assert sandbox.check_invariants() == []


async def test_control_api_receives_stock_and_fulfills_partially(
    sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    west, mug = demo["locations"]["West Warehouse"], demo["items"]["MUG-01"]
    order_id = sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(west)},
            "item": {"items": [{"item": {"id": str(mug)}, "quantity": 4}]},
        },
    )
    control = f"{sandbox.base_url}/_sandbox"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{control}/stock/receive", json={"item": "MUG-01", "location": "West Warehouse", "quantity": 5}
        ) as reply:
            assert reply.status == 201
        async with session.post(
            f"{control}/orders/{order_id}/fulfill",
            json={
                "lines": [{"order_line": 1, "quantity": 1}],
                "carrier": "USPS",
                "tracking_numbers": ["9400"],
            },
        ) as reply:
            assert reply.status == 201
            fulfillment = (await reply.json())["id"]
        async with session.get(f"{control}/stock") as reply:
            levels = {(row["item"], row["location"]): row for row in await reply.json()}
        async with session.post(
            f"{control}/orders/{order_id}/fulfill", json={"lines": [{"order_line": 1, "quantity": 99}]}
        ) as reply:
            assert reply.status == 400
    assert levels[(mug, west)]["onHand"] == "29" and levels[(mug, west)]["committed"] == "3"
    assert sandbox.get("itemFulfillment", fulfillment)["shipCarrier"] == "USPS"


async def test_auto_fulfillment_ships_due_orders_on_schedule(
    sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    east = demo["locations"]["East Warehouse"]
    order_id = sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "item": {"items": [{"item": {"id": str(demo["items"]["CAP-01"])}, "quantity": 2}]},
        },
    )
    sandbox.set_auto_fulfillment(AutoFulfillment(interval_seconds=0.05, carrier="DHL"))
    with anyio.fail_after(5):
        while not (shipped := await sandbox.next_fulfillment_round()):
            pass
    assert sandbox.get("salesOrder", order_id)["orderStatus"]["id"] == "F"  # Pending Billing
    fulfillment_id = shipped[0]
    assert sandbox.get("itemFulfillment", fulfillment_id)["shipCarrier"] == "DHL"
    assert sandbox.stock(demo["items"]["CAP-01"], east).on_hand == 38


async def test_serial_numbers_travel_with_cash_sales_and_refunds(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    east, watch = demo["locations"]["East Warehouse"], demo["items"]["WATCH-01"]
    serial = {"id": str(sandbox.account.inventory_numbers[(watch, "SN-0003")])}
    detail = {"inventoryAssignment": {"items": [{"issueInventoryNumber": serial, "quantity": 1}]}}
    order = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "item": {"items": [{"item": {"id": str(watch)}, "quantity": 1, "rate": 199}]},
        },
    )
    path = f"{RECORD}/salesOrder/{order.location_id}/!transform/cashSale"
    bare = await client.request("POST", path)
    assert (bare.status, bare.error_code) == (400, "USER_ERROR")
    sale = await client.request(
        "POST", path, json_body={"item": {"items": [{"orderLine": 1, "inventoryDetail": detail}]}}
    )
    assert sale.status == 204
    assert sorted(sandbox.account.warehouse.numbers.counts(watch, east)) == ["SN-0001", "SN-0002"]
    refund = await client.request(
        "POST",
        f"{RECORD}/cashSale/{sale.location_id}/!transform/cashRefund",
        json_body={"item": {"items": [{"orderLine": 1, "inventoryDetail": detail}]}},
    )
    assert refund.status == 204
    assert sorted(sandbox.account.warehouse.numbers.counts(watch, east)) == ["SN-0001", "SN-0002", "SN-0003"]
    assert sandbox.stock(watch, east).on_hand == 3
