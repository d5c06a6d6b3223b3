"""REST-shaped JSON (what webhooks carry and the control API returns): snake_case, numeric ids,
two-decimal money strings and `*_set` twins [reference §3.2, §5, §6]."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import order_status
from .ids import gid, inventory_level_gid
from .model import (
    Customer,
    Fulfillment,
    InventoryLevel,
    LineItem,
    Order,
    Product,
    Refund,
    TaxLine,
    Transaction,
)
from .money import MoneyBag, rest_amount
from .store import ShopState


def rest_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _tax_lines(taxes: list[TaxLine]) -> list[dict[str, Any]]:
    return [
        {
            "title": t.title,
            "rate": float(t.rate),
            "price": rest_amount(t.price.shop),
            "price_set": t.price.rest(),
            "channel_liable": False,
        }
        for t in taxes
    ]


def _money_pair(name: str, bag: MoneyBag) -> dict[str, Any]:
    return {name: rest_amount(bag.shop), f"{name}_set": bag.rest()}


def line_item_payload(state: ShopState, order: Order, line: LineItem) -> dict[str, Any]:
    allocations = (
        []
        if line.discount_allocation.shop == 0
        else [
            {
                "amount": rest_amount(line.discount_allocation.shop),
                "amount_set": line.discount_allocation.rest(),
                "discount_application_index": 0,
            }
        ]
    )
    unfulfilled = order_status.unfulfilled_quantity(order, line)
    return {
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "sku": line.sku,
        "name": f"{line.title} - {line.variant_title}" if line.variant_title else line.title,
        "title": line.title,
        "variant_title": line.variant_title or None,
        "vendor": line.vendor,
        "quantity": line.quantity,
        "current_quantity": line.current_quantity,
        "fulfillable_quantity": unfulfilled,
        "fulfillment_status": None
        if line.fulfilled_quantity == 0
        else ("fulfilled" if unfulfilled == 0 else "partial"),
        "fulfillment_service": "manual",
        "gift_card": line.is_gift_card,
        "taxable": line.taxable,
        "requires_shipping": line.requires_shipping,
        "grams": line.grams,
        **_money_pair("price", line.unit_price),
        # Shopify reports total_discount 0.00; the real discount is in discount_allocations [reference §3.2].
        "total_discount": "0.00",
        "total_discount_set": line.unit_price.zero_like().rest(),
        "tax_lines": _tax_lines(line.tax_lines),
        "duties": [],
        "discount_allocations": allocations,
        "variant_inventory_management": "shopify" if line.variant_id else None,
        "product_exists": line.product_id is not None,
        "properties": [],
        "attributed_staffs": [],
    }


def transaction_payload(order: Order, t: Transaction) -> dict[str, Any]:
    return {
        "id": t.id,
        "admin_graphql_api_id": gid("OrderTransaction", t.id),
        "order_id": order.id,
        "parent_id": t.parent_id,
        "kind": t.kind.lower(),
        "status": t.status.lower(),
        "gateway": t.gateway,
        "amount": rest_amount(t.amount.presentment),
        "currency": t.amount.presentment_currency,
        "location_id": t.location_id,
        "device_id": None,
        "user_id": None,
        "source_name": t.source_name,
        "created_at": rest_time(t.processed_at),
        "processed_at": rest_time(t.processed_at),
        "test": False,
        "error_code": None,
        "message": None,
        "receipt": {},
        "payment_details": None,
    }


def customer_payload(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "admin_graphql_api_id": gid("Customer", customer.id),
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "state": customer.state.lower(),
        "tags": ", ".join(customer.tags),
        "note": customer.note,
        "tax_exempt": customer.tax_exempt,
        "verified_email": True,
        "currency": None,
        "created_at": rest_time(customer.created_at),
        "updated_at": rest_time(customer.updated_at),
        "orders_count": customer.orders_count,
        "total_spent": rest_amount(customer.amount_spent),
        "default_address": customer.addresses[0] if customer.addresses else None,
        "addresses": customer.addresses,
    }


def fulfillment_payload(state: ShopState, fulfillment: Fulfillment) -> dict[str, Any]:
    order = state.orders[fulfillment.order_id]
    lines = {line.id: line for line in order.line_items}
    tracking = fulfillment.tracking
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": gid("Fulfillment", fulfillment.id),
        "order_id": order.id,
        "name": fulfillment.name,
        "status": fulfillment.status.lower(),
        "location_id": fulfillment.location_id,
        "created_at": rest_time(fulfillment.created_at),
        "updated_at": rest_time(fulfillment.updated_at),
        "tracking_company": tracking[0].company if tracking else None,
        "tracking_number": tracking[0].number if tracking else None,
        "tracking_numbers": [t.number for t in tracking if t.number],
        "tracking_url": tracking[0].url if tracking else None,
        "tracking_urls": [t.url for t in tracking if t.url],
        "notify_customer": fulfillment.notify_customer,
        "shipment_status": None,
        "service": "manual",
        "line_items": [
            {**line_item_payload(state, order, lines[fl.line_item_id]), "quantity": fl.quantity}
            for fl in fulfillment.lines
        ],
    }


def refund_payload(state: ShopState, refund: Refund) -> dict[str, Any]:
    order = state.orders[refund.order_id]
    lines = {line.id: line for line in order.line_items}
    return {
        "id": refund.id,
        "admin_graphql_api_id": gid("Refund", refund.id),
        "order_id": order.id,
        "created_at": rest_time(refund.created_at),
        "processed_at": rest_time(refund.created_at),
        "note": refund.note,
        "user_id": None,
        "restock": any(rl.restocked for rl in refund.lines),
        "return": None,
        "duties": [],
        "total_duties_set": refund.total_refunded.zero_like().rest(),
        "order_adjustments": []
        if refund.shipping.shop == 0
        else [
            {
                "kind": "shipping_refund",
                "amount": rest_amount(-refund.shipping.shop),
                "amount_set": (refund.shipping.zero_like() - refund.shipping).rest(),
                "order_id": order.id,
            }
        ],
        "refund_line_items": [
            {
                "id": rl.id,
                "line_item_id": rl.line_item_id,
                "location_id": rl.location_id,
                "quantity": rl.quantity,
                "restock_type": rl.restock_type.lower(),
                "subtotal": float(rl.subtotal.shop),
                "subtotal_set": rl.subtotal.rest(),
                "total_tax": float(rl.total_tax.shop),
                "total_tax_set": rl.total_tax.rest(),
                "line_item": line_item_payload(state, order, lines[rl.line_item_id]),
            }
            for rl in refund.lines
        ],
        "transactions": [
            transaction_payload(order, t) for t in order.transactions if t.id in refund.transaction_ids
        ],
    }


def _order_header(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": order.name,
        "number": order.number - 1000,
        "order_number": order.number,
        "confirmed": True,
        "test": order.test,
        "created_at": rest_time(order.created_at),
        "processed_at": rest_time(order.created_at),
        "updated_at": rest_time(order.updated_at),
        "cancelled_at": rest_time(order.cancelled_at),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "closed_at": rest_time(order.closed_at),
        "email": order.email,
        "phone": order.phone,
        "currency": order.currency,
        "presentment_currency": order.presentment_currency,
        "taxes_included": False,
        "tax_exempt": False,
        "financial_status": order_status.financial_status(order).lower(),
        "fulfillment_status": order_status.rest_fulfillment_status(order),
        "source_name": order.source_name,
        "source_identifier": None,
        "location_id": order.retail_location_id,
        "device_id": order.device_id,
        "user_id": None,
        "app_id": None,
        "checkout_id": None,
        "token": f"t{order.id}",
        "note": order.note,
        "tags": ", ".join(order.tags),
        "note_attributes": [{"name": a["key"], "value": a["value"]} for a in order.custom_attributes],
        "billing_address": order.billing_address,
        "shipping_address": order.shipping_address,
    }


def _order_money(order: Order) -> dict[str, Any]:
    zero = order.total_price.zero_like().rest()
    return {
        **_money_pair("subtotal_price", order.subtotal),
        **_money_pair("total_discounts", order.total_discounts),
        **_money_pair("total_line_items_price", order.subtotal + order.total_discounts),
        **_money_pair("total_price", order.total_price),
        **_money_pair("total_tax", order.total_tax),
        **_money_pair("current_total_price", order_status.current_total_price(order)),
        "total_outstanding": rest_amount(order_status.total_outstanding(order).shop),
        "total_tip_received": "0.00",
        "total_shipping_price_set": order.total_shipping.rest(),
        "total_cash_rounding_payment_adjustment_set": zero,
        "total_cash_rounding_refund_adjustment_set": zero,
        "tax_lines": _tax_lines(order_status.order_tax_lines(order)),
        "payment_gateway_names": list(
            dict.fromkeys(t.gateway for t in order.transactions if t.kind == "SALE")
        ),
        "discount_codes": [
            {"code": a.code, "amount": rest_amount(order.total_discounts.shop), "type": a.value_type}
            for a in order.discount_applications
        ],
        "discount_applications": [
            {
                "type": "discount_code",
                "target_type": a.target_type,
                "value": rest_amount(a.value),
                "value_type": a.value_type,
                "allocation_method": a.allocation_method,
                "target_selection": a.target_selection,
                "code": a.code,
            }
            for a in order.discount_applications
        ],
    }


def order_payload(state: ShopState, order: Order) -> dict[str, Any]:
    """The REST Order: what orders/* webhooks carry and the control API returns."""
    customer = state.customers.get(order.customer_id or -1)
    return {
        **_order_header(order),
        **_order_money(order),
        "customer": customer_payload(customer) if customer else None,
        "shipping_lines": [
            {
                "id": s.id,
                "code": s.code,
                "title": s.title,
                **_money_pair("price", s.price),
                **_money_pair("discounted_price", s.price),
                "tax_lines": [],
                "discount_allocations": [],
                "source": "shopify",
            }
            for s in order.shipping_lines
        ],
        "line_items": [line_item_payload(state, order, line) for line in order.line_items],
        "fulfillments": [fulfillment_payload(state, f) for f in order.fulfillments],
        "refunds": [refund_payload(state, r) for r in order.refunds],
        "returns": [],
        "payment_terms": None,
    }


def inventory_level_payload(state: ShopState, level: InventoryLevel) -> dict[str, Any]:
    return {
        "inventory_item_id": level.item_id,
        "location_id": level.location_id,
        "available": level.quantities["available"],
        "updated_at": rest_time(level.updated_at),
        "admin_graphql_api_id": inventory_level_gid(level.id, level.item_id),
    }


def product_payload(state: ShopState, product: Product) -> dict[str, Any]:
    variants = [state.variants[v] for v in product.variant_ids]
    return {
        "id": product.id,
        "admin_graphql_api_id": gid("Product", product.id),
        "title": product.title,
        "handle": product.handle,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status.lower(),
        "tags": ", ".join(product.tags),
        "created_at": rest_time(product.created_at),
        "updated_at": rest_time(product.updated_at),
        "variants": [
            {
                "id": v.id,
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "product_id": product.id,
                "title": v.title,
                "sku": state.items[v.inventory_item_id].sku,
                "price": rest_amount(v.price),
                "compare_at_price": None if v.compare_at_price is None else rest_amount(v.compare_at_price),
                "barcode": v.barcode,
                "taxable": v.taxable,
                "inventory_policy": v.inventory_policy.lower(),
                "inventory_item_id": v.inventory_item_id,
                "grams": v.grams,
                "inventory_quantity": sum(
                    lvl.quantities["available"]
                    for lvl in state.levels.values()
                    if lvl.item_id == v.inventory_item_id
                ),
                "updated_at": rest_time(v.updated_at),
            }
            for v in variants
        ],
    }


def event_payload(state: ShopState, subject: object) -> dict[str, Any]:
    """The webhook body for a domain event's record."""
    renderers = {
        Order: order_payload,
        Refund: refund_payload,
        Fulfillment: fulfillment_payload,
        InventoryLevel: inventory_level_payload,
        Product: product_payload,
    }
    if isinstance(subject, Customer):
        return customer_payload(subject)
    return renderers[type(subject)](state, subject)  # type: ignore[operator]
