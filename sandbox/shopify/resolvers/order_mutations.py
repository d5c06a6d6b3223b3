"""fulfillmentCreate, refundCreate (idempotent) and orderUpdate (incl. metafields)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ..fulfillment import FulfillmentOrderPick, create_fulfillment
from ..idempotency import idempotency_key
from ..metafields import upsert_metafields
from ..model import TrackingInfo
from ..refunds import RefundLineRequest, RefundRequest, RefundTransactionRequest, create_refund
from ..user_errors import UserError
from .context import ctx, number_or_none

Resolver = Callable[..., Any]


def _tracking(info_input: dict[str, Any] | None) -> list[TrackingInfo]:
    if not info_input:
        return []
    numbers = info_input.get("numbers") or ([info_input["number"]] if info_input.get("number") else [])
    urls = info_input.get("urls") or ([info_input["url"]] if info_input.get("url") else [])
    company = info_input.get("company")
    if not numbers:
        return [TrackingInfo(company, None, urls[0] if urls else None)]
    return [
        TrackingInfo(company, number, urls[i] if i < len(urls) else None) for i, number in enumerate(numbers)
    ]


def fulfillment_create(root: Any, info: Any, fulfillment: dict[str, Any], message: str | None = None) -> Any:
    c = ctx(info)
    picks = []
    for entry in fulfillment["lineItemsByFulfillmentOrder"]:
        lines = entry.get("fulfillmentOrderLineItems")
        picks.append(
            FulfillmentOrderPick(
                number_or_none(entry["fulfillmentOrderId"], "FulfillmentOrder"),
                None
                if lines is None
                else [
                    (number_or_none(line["id"], "FulfillmentOrderLineItem"), line["quantity"])
                    for line in lines
                ],
            )
        )
    created, errors = create_fulfillment(
        c.state,
        picks,
        _tracking(fulfillment.get("trackingInfo")),
        bool(fulfillment.get("notifyCustomer")),
        c.now,
        c.events,
    )
    return {"fulfillment": created, "userErrors": errors}


def tracking_update(
    root: Any,
    info: Any,
    fulfillmentId: str,
    trackingInfoInput: dict[str, Any],
    notifyCustomer: bool | None = None,
) -> Any:
    """fulfillmentTrackingInfoUpdate: replace a fulfillment's tracking (fires fulfillments/update)."""
    c = ctx(info)
    number = number_or_none(fulfillmentId, "Fulfillment")
    found = next((f for o in c.state.orders.values() for f in o.fulfillments if f.id == number), None)
    if found is None:
        return {
            "fulfillment": None,
            "userErrors": [UserError(["fulfillmentId"], "Fulfillment does not exist.")],
        }
    found.tracking = _tracking(trackingInfoInput)
    found.notify_customer = bool(notifyCustomer)
    found.updated_at = c.now
    c.events.add("fulfillments/update", found)
    return {"fulfillment": found, "userErrors": []}


def _money(value: Any, field: list[str]) -> Decimal | UserError:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return UserError(field, f"'{value}' is not a valid amount.")


def _refund_request(input: dict[str, Any]) -> RefundRequest | UserError:
    lines = [
        RefundLineRequest(
            number_or_none(row["lineItemId"], "LineItem"),
            row["quantity"],
            row.get("restockType") or "NO_RESTOCK",
            number_or_none(row.get("locationId"), "Location"),
        )
        for row in input.get("refundLineItems") or []
    ]
    transactions = []
    for index, row in enumerate(input.get("transactions") or []):
        amount = _money(row["amount"], ["transactions", str(index), "amount"])
        if isinstance(amount, UserError):
            return amount
        transactions.append(
            RefundTransactionRequest(
                number_or_none(row.get("parentId"), "OrderTransaction"), amount, row["gateway"], row["kind"]
            )
        )
    shipping = input.get("shipping") or {}
    shipping_amount = None
    if shipping.get("amount") is not None:
        parsed = _money(shipping["amount"], ["shipping", "amount"])
        if isinstance(parsed, UserError):
            return parsed
        shipping_amount = parsed
    return RefundRequest(
        lines, shipping_amount, bool(shipping.get("fullRefund")), transactions, input.get("note")
    )


def refund_create(root: Any, info: Any, input: dict[str, Any]) -> Any:
    key = idempotency_key(info)
    c = ctx(info)

    def perform() -> dict[str, Any]:
        order = c.state.orders.get(number_or_none(input["orderId"], "Order") or -1)
        if order is None:
            return {
                "refund": None,
                "order": None,
                "userErrors": [UserError(["orderId"], "Order does not exist")],
            }
        request = _refund_request(input)
        if isinstance(request, UserError):
            return {"refund": None, "order": order, "userErrors": [request]}
        refund, errors = create_refund(c.state, order, request, c.now, c.events)
        return {"refund": refund, "order": order, "userErrors": errors}

    return c.idempotency.run(key, "refundCreate", input, {"refund": None, "order": None}, perform)


def order_update(root: Any, info: Any, input: dict[str, Any]) -> Any:
    c = ctx(info)
    order = c.state.orders.get(number_or_none(input["id"], "Order") or -1)
    if order is None:
        return {"order": None, "userErrors": [UserError(["id"], "Order does not exist")]}
    errors = upsert_metafields(c.state.ids, order.metafields, input.get("metafields") or [], c.now)
    if errors:
        return {"order": None, "userErrors": errors}
    for field, attribute in (("email", "email"), ("phone", "phone"), ("note", "note"), ("tags", "tags")):
        if field in input:
            setattr(order, attribute, input[field] if field != "tags" else list(input[field] or []))
    if "customAttributes" in input:
        order.custom_attributes = [
            {"key": a["key"], "value": a["value"]} for a in input["customAttributes"] or []
        ]
    if input.get("shippingAddress") is not None:
        order.shipping_address = dict(input["shippingAddress"])
    order.updated_at = c.now
    c.events.add("orders/updated", order)
    return {"order": order, "userErrors": []}


MUTATIONS: dict[str, Resolver] = {
    "fulfillmentCreate": fulfillment_create,
    "fulfillmentTrackingInfoUpdate": tracking_update,
    "refundCreate": refund_create,
    "orderUpdate": order_update,
}
