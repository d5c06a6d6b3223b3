"""Money and documents around a sales order: discounts, promotions, gift certificates, currencies,
invoices, deposits, returns — totals to the cent, stock where it belongs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient

RECORD = "/record/v1"


def _line(demo: dict[str, Any], sku: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"item": {"id": str(demo["items"][sku])}, "quantity": quantity, **extra}


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_discounts_shipping_and_promotions_total_to_the_cent(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    promo = sandbox.account.store.of_kind("promotionCode")[0].id
    reply = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(demo["locations"]["East Warehouse"])},
            "shippingCost": "7.50",
            "promotions": {"items": [{"promoCode": {"id": str(promo)}}]},
            "item": {
                "items": [
                    _line(demo, "TEE-BLK-M", 2, rate="25.00"),
                    _line(demo, "DISCOUNT", 1, rate="-20%"),
                    _line(demo, "MUG-01", 1, rate="12.50"),
                ]
            },
        },
    )
    order = sandbox.get("salesOrder", reply.location_id)
    # 50.00 + 12.50 = 62.50; line discount -10.00 (20% of the tee line); promotion -10% of 52.50 = -5.25.
    assert _money(order["subtotal"]) == Decimal("62.50")
    assert _money(order["discountTotal"]) == Decimal("-15.25")
    assert _money(order["total"]) == Decimal("54.75")
    assert sandbox.order_totals()[0]["total"] == "54.75"


async def test_foreign_currency_orders_take_the_rate_at_creation(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    cad = next(c.id for c in sandbox.account.store.of_kind("currency") if c.body["symbol"] == "CAD")
    reply = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "currency": {"id": str(cad)},
            "location": {"id": str(demo["locations"]["West Warehouse"])},
            "item": {"items": [_line(demo, "CAP-01", 1, rate="24.00")]},
        },
    )
    order = (await client.request("GET", f"{RECORD}/salesOrder/{reply.location_id}")).body
    assert order["currency"]["refName"] == "Canadian Dollar"
    assert _money(order["exchangeRate"]) == Decimal("0.73")
    rows = await client.suiteql(
        f"SELECT exchangerate, foreigntotal FROM transaction WHERE id = {reply.location_id}"
    )
    assert rows.body["items"][0] == {"links": [], "exchangerate": "0.73", "foreigntotal": "24"}


async def test_gift_certificates_are_born_on_billing_and_redeemed_on_orders(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    east = str(demo["locations"]["East Warehouse"])
    sold = await client.request(
        "POST",
        f"{RECORD}/cashSale",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": east},
            "item": {
                "items": [
                    _line(
                        demo,
                        "GIFT-CARD",
                        1,
                        rate="50.00",
                        giftCertNumber="GIFT42",
                        giftCertRecipientEmail="friend@example.com",
                    )
                ]
            },
        },
    )
    assert sold.status == 204
    certificate = (
        await client.suiteql("SELECT id, giftcertcode, amountremaining, email FROM giftcertificate")
    ).body["items"][0]
    assert certificate["giftcertcode"] == "GIFT42" and certificate["amountremaining"] == "50"
    order = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": east},
            "giftCertRedemption": {"items": [{"authCode": {"id": certificate["id"]}, "authCodeApplied": 30}]},
            "item": {"items": [_line(demo, "TEE-BLK-M", 2, rate="25.00")]},
        },
    )
    assert _money(sandbox.get("salesOrder", order.location_id)["total"]) == Decimal("20.00")
    assert sandbox.get("giftCertificate", int(certificate["id"]))["amountRemaining"] == 20
    too_much = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": east},
            "giftCertRedemption": {"items": [{"authCode": {"id": certificate["id"]}, "authCodeApplied": 21}]},
            "item": {"items": [_line(demo, "TEE-BLK-M", 1)]},
        },
    )
    assert (too_much.status, too_much.error_code) == (400, "USER_ERROR")


async def test_invoice_bills_shipped_units_and_deposit_applies(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    order = await client.request(
        "PUT",
        f"{RECORD}/salesOrder/eid:SHOP-INV",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(demo["locations"]["East Warehouse"])},
            "item": {"items": [_line(demo, "MUG-01", 4, rate="12.50")]},
        },
    )
    deposit = await client.request(
        "POST",
        f"{RECORD}/customerDeposit",
        json_body={
            "customer": {"id": str(demo["customer"])},
            "salesOrder": {"id": str(order.location_id)},
            "payment": 50,
        },
    )
    assert deposit.status == 204
    nothing_shipped = await client.request(
        "POST", f"{RECORD}/salesOrder/{order.location_id}/!transform/invoice"
    )
    assert nothing_shipped.status == 400
    sandbox.fulfill_order(order.location_id, {1: 3})
    invoice = await client.request("POST", f"{RECORD}/salesOrder/{order.location_id}/!transform/invoice")
    billed = sandbox.get("invoice", invoice.location_id)
    assert [(x["quantity"], x["amount"]) for x in billed["item"]["items"]] == [(3, Decimal("37.50"))]
    assert sandbox.get("salesOrder", order.location_id)["orderStatus"]["id"] == "E"
    applied = await client.request(
        "POST",
        f"{RECORD}/customerDeposit/{deposit.location_id}/!transform/depositApplication",
        json_body={"apply": {"items": [{"doc": {"id": str(invoice.location_id)}, "amount": 37.5}]}},
    )
    assert applied.status == 204
    assert sandbox.get("customerDeposit", deposit.location_id)["status"]["refName"] == "Fully Applied"


async def test_return_authorization_restocks_on_receipt_not_on_credit(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    east, cap = demo["locations"]["East Warehouse"], demo["items"]["CAP-01"]
    order = sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "item": {"items": [_line(demo, "CAP-01", 2, rate="18.00")]},
        },
    )
    sandbox.fulfill_order(order)
    sale = await client.request("POST", f"{RECORD}/salesOrder/{order}/!transform/cashSale")
    rma = await client.request(
        "POST",
        f"{RECORD}/cashSale/{sale.location_id}/!transform/returnAuthorization",
        json_body={"item": {"items": [{"orderLine": 1, "quantity": 1}]}},
    )
    assert sandbox.stock(cap, east).on_hand == 38
    refund = await client.request(
        "POST", f"{RECORD}/returnAuthorization/{rma.location_id}/!transform/cashRefund"
    )
    assert _money(sandbox.get("cashRefund", refund.location_id)["total"]) == Decimal("18.00")
    assert sandbox.stock(cap, east).on_hand == 38  # money back; the goods are not here yet
    receipt = await client.request(
        "POST", f"{RECORD}/returnAuthorization/{rma.location_id}/!transform/itemReceipt"
    )
    assert receipt.status == 204
    assert sandbox.stock(cap, east).on_hand == 39
    assert sandbox.check_invariants() == []


async def test_item_groups_expand_into_their_members(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    east, white = demo["locations"]["East Warehouse"], demo["items"]["TEE-WHT-M"]
    reply = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "item": {"items": [_line(demo, "GROUP-DUO", 2)]},
        },
    )
    lines = sandbox.get("salesOrder", reply.location_id)["item"]["items"]
    assert [(x["itemType"]["id"], x["quantity"]) for x in lines] == [("Group", 2), ("InvtPart", 4)]
    assert sandbox.stock(white, east).committed == 4


async def test_pending_approval_orders_commit_once_approved(
    client: TbaClient, demo: dict[str, Any], sandbox: NetSuiteSandbox
) -> None:
    east, mug = demo["locations"]["East Warehouse"], demo["items"]["MUG-01"]
    reply = await client.request(
        "POST",
        f"{RECORD}/salesOrder",
        json_body={
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(east)},
            "orderStatus": {"id": "A"},
            "item": {"items": [_line(demo, "MUG-01", 5)]},
        },
    )
    assert sandbox.stock(mug, east).committed == 0
    await client.request(
        "PATCH", f"{RECORD}/salesOrder/{reply.location_id}", json_body={"orderStatus": {"id": "B"}}
    )
    assert sandbox.stock(mug, east).committed == 5
    closed = await client.request(
        "PATCH", f"{RECORD}/salesOrder/{reply.location_id}", json_body={"orderStatus": {"id": "H"}}
    )
    assert closed.status == 204
    assert sandbox.stock(mug, east).committed == 0
