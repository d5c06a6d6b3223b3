"""Field resolvers for orders and what hangs off them: lines, money, transactions, fulfillment, refunds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .. import order_status
from ..ids import gid
from ..model import (
    DiscountApplication,
    Fulfillment,
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentOrderLine,
    LineItem,
    Order,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
    Transaction,
)
from ..money import MoneyBag, money_v2
from ..store import ShopState
from .context import ctx
from .fields_catalog import _id, _legacy, _metafield, _metafields
from .paging import page

Resolver = Callable[..., Any]


def _state(info: Any) -> ShopState:
    return ctx(info).state


def _money(attribute: str) -> Resolver:
    return lambda obj, info: getattr(obj, attribute).graphql()


def _order_of(info: Any, line_id: int) -> Order:
    return ctx(info).line(line_id)[0]


def _line_of(info: Any, line_id: int) -> LineItem:
    return ctx(info).line(line_id)[1]


def order_of_line(state: ShopState, line_id: int) -> Order:
    return next(o for o in state.orders.values() if any(line.id == line_id for line in o.line_items))


def _line_money(line: LineItem, shop: Decimal, presentment: Decimal) -> dict[str, Any]:
    return MoneyBag(
        shop, presentment, line.unit_price.shop_currency, line.unit_price.presentment_currency
    ).graphql()


def _discounted_unit(line: LineItem, info: Any) -> dict[str, Any]:
    unit = line.unit_price - line.discount_allocation.scaled(1, line.quantity)
    return unit.graphql()


def _allocations(line: LineItem, info: Any) -> list[dict[str, Any]]:
    if line.discount_allocation.shop == 0:
        return []
    order = _order_of(info, line.id)
    return [
        {
            "allocatedAmountSet": line.discount_allocation.graphql(),
            "discountApplication": order.discount_applications[0],
        }
    ]


def _gateways(order: Order, info: Any) -> list[str]:
    return list(dict.fromkeys(t.gateway for t in order.transactions if t.kind in ("SALE", "AUTHORIZATION")))


def _pricing_value(application: DiscountApplication, info: Any) -> dict[str, Any]:
    if application.value_type == "percentage":
        return {"__typename": "PricingPercentageValue", "percentage": float(application.value)}
    return {"__typename": "MoneyV2", **money_v2(application.value, _state(info).config.currency)}


def _fulfillments_of_fo(fo: FulfillmentOrder, info: Any, **args: Any) -> dict[str, Any]:
    order = _state(info).orders[fo.order_id]
    fo_lines = {line.line_item_id for line in fo.lines}
    shipped = [
        f
        for f in order.fulfillments
        if f.location_id == fo.location_id and any(fl.line_item_id in fo_lines for fl in f.lines)
    ]
    return page(shipped, **args)


def _refund_transactions(refund: Refund, info: Any, **args: Any) -> dict[str, Any]:
    order = _state(info).orders[refund.order_id]
    return page([t for t in order.transactions if t.id in refund.transaction_ids], **args)


def _shipping_refunds(refund: Refund, info: Any, **args: Any) -> dict[str, Any]:
    rows = [{"id": refund.id, "subtotalAmountSet": refund.shipping.graphql()}] if refund.shipping.shop else []
    return page(rows, sort_key=lambda row: (row["id"], row["id"]), **args)


ORDER: dict[str, Resolver] = {
    "id": _id("Order"),
    "legacyResourceId": _legacy,
    "processedAt": lambda o, info: o.created_at,
    "closed": lambda o, info: o.closed_at is not None,
    "customAttributes": lambda o, info: [{"key": a["key"], "value": a["value"]} for a in o.custom_attributes],
    "currencyCode": lambda o, info: o.currency,
    "presentmentCurrencyCode": lambda o, info: o.presentment_currency,
    "taxesIncluded": lambda o, info: False,
    "taxExempt": lambda o, info: False,
    "retailLocation": lambda o, info: _state(info).locations.get(o.retail_location_id or -1),
    "customer": lambda o, info: _state(info).customers.get(o.customer_id or -1),
    "subtotalPriceSet": _money("subtotal"),
    "totalPriceSet": _money("total_price"),
    "totalTaxSet": _money("total_tax"),
    "totalDiscountsSet": _money("total_discounts"),
    "totalShippingPriceSet": _money("total_shipping"),
    "currentTotalPriceSet": lambda o, info: order_status.current_total_price(o).graphql(),
    "totalRefundedSet": lambda o, info: order_status.amount_refunded(o).graphql(),
    "totalReceivedSet": lambda o, info: order_status.amount_received(o).graphql(),
    "netPaymentSet": lambda o, info: order_status.net_payment(o).graphql(),
    "totalOutstandingSet": lambda o, info: order_status.total_outstanding(o).graphql(),
    "taxLines": lambda o, info: order_status.order_tax_lines(o),
    "discountCode": lambda o, info: o.discount_applications[0].code if o.discount_applications else None,
    "discountCodes": lambda o, info: [a.code for a in o.discount_applications],
    "discountApplications": lambda o, info, **args: page(
        o.discount_applications, sort_key=lambda a: (a.index, a.index), **args
    ),
    "shippingLines": lambda o, info, **args: page(o.shipping_lines, **args),
    "paymentGatewayNames": _gateways,
    "transactions": lambda o, info, first=None: o.transactions[:first] if first else o.transactions,
    "displayFinancialStatus": lambda o, info: order_status.financial_status(o),
    "displayFulfillmentStatus": lambda o, info: order_status.fulfillment_status(o),
    "fullyPaid": lambda o, info: order_status.total_outstanding(o).shop <= 0,
    "unpaid": lambda o, info: order_status.amount_received(o).shop == 0,
    "lineItems": lambda o, info, **args: page(o.line_items, **args),
    "fulfillmentOrders": lambda o, info, **args: page(o.fulfillment_orders, **args),
    "fulfillments": lambda o, info, first=None: o.fulfillments[:first] if first else o.fulfillments,
    "refunds": lambda o, info, first=None: o.refunds[:first] if first else o.refunds,
    "metafield": _metafield,
    "metafields": _metafields,
}

LINE_ITEM: dict[str, Resolver] = {
    "id": _id("LineItem"),
    "name": lambda li, info: f"{li.title} - {li.variant_title}" if li.variant_title else li.title,
    "variantTitle": lambda li, info: li.variant_title or None,
    "unfulfilledQuantity": lambda li, info: order_status.unfulfilled_quantity(_order_of(info, li.id), li),
    "fulfillableQuantity": lambda li, info: order_status.unfulfilled_quantity(_order_of(info, li.id), li),
    "refundableQuantity": lambda li, info: li.current_quantity,
    "variant": lambda li, info: _state(info).variants.get(li.variant_id or -1),
    "product": lambda li, info: _state(info).products.get(li.product_id or -1),
    "originalUnitPriceSet": _money("unit_price"),
    "discountedUnitPriceSet": _discounted_unit,
    "originalTotalSet": lambda li, info: _line_money(
        li, li.unit_price.shop * li.quantity, li.unit_price.presentment * li.quantity
    ),
    "discountedTotalSet": lambda li, info: _line_money(
        li,
        li.unit_price.shop * li.quantity - li.discount_allocation.shop,
        li.unit_price.presentment * li.quantity - li.discount_allocation.presentment,
    ),
    "totalDiscountSet": _money("discount_allocation"),
    "discountAllocations": _allocations,
    "taxLines": lambda li, info, first=None: li.tax_lines[:first] if first else li.tax_lines,
    "customAttributes": lambda li, info: [],
}

FIELD_RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Order": ORDER,
    "LineItem": LINE_ITEM,
    "DiscountCodeApplication": {
        "allocationMethod": lambda a, info: a.allocation_method.upper(),
        "targetSelection": lambda a, info: a.target_selection.upper(),
        "targetType": lambda a, info: a.target_type.upper(),
        "value": _pricing_value,
    },
    "TaxLine": {
        "rate": lambda t, info: float(t.rate),
        "ratePercentage": lambda t, info: float(t.rate * 100),
        "priceSet": _money("price"),
        "channelLiable": lambda t, info: False,
    },
    "ShippingLine": {
        "id": _id("ShippingLine"),
        "source": lambda s, info: "shopify",
        "originalPriceSet": _money("price"),
        "discountedPriceSet": _money("price"),
        "taxLines": lambda s, info: [],
    },
    "OrderTransaction": {
        "id": _id("OrderTransaction"),
        "formattedGateway": lambda t, info: t.gateway.replace("_", " ").title(),
        "amountSet": _money("amount"),
        "createdAt": lambda t, info: t.processed_at,
        "parentTransaction": lambda t, info: next(
            (p for o in _state(info).orders.values() for p in o.transactions if p.id == t.parent_id), None
        ),
        "test": lambda t, info: False,
        "errorCode": lambda t, info: None,
        "order": lambda t, info: next(o for o in _state(info).orders.values() if t in o.transactions),
    },
    "FulfillmentOrder": {
        "id": _id("FulfillmentOrder"),
        "assignedLocation": lambda fo, info: {
            "name": _state(info).locations[fo.location_id].name,
            "location": _state(info).locations[fo.location_id],
        },
        "order": lambda fo, info: _state(info).orders[fo.order_id],
        "orderId": lambda fo, info: gid("Order", fo.order_id),
        "orderName": lambda fo, info: _state(info).orders[fo.order_id].name,
        "fulfillAt": lambda fo, info: fo.created_at,
        "fulfillBy": lambda fo, info: None,
        "supportedActions": lambda fo, info: (
            [{"action": "CREATE_FULFILLMENT"}, {"action": "HOLD"}]
            if fo.status in ("OPEN", "IN_PROGRESS")
            else []
        ),
        "lineItems": lambda fo, info, **args: page(fo.lines, **args),
        "fulfillments": _fulfillments_of_fo,
    },
    "FulfillmentOrderLineItem": {
        "id": _id("FulfillmentOrderLineItem"),
        "sku": lambda fl, info: _line_of(info, fl.line_item_id).sku,
        "lineItem": lambda fl, info: _line_of(info, fl.line_item_id),
    },
    "Fulfillment": {
        "id": _id("Fulfillment"),
        "legacyResourceId": _legacy,
        "displayStatus": lambda f, info: "FULFILLED",
        "totalQuantity": lambda f, info: sum(line.quantity for line in f.lines),
        "location": lambda f, info: _state(info).locations.get(f.location_id),
        "order": lambda f, info: _state(info).orders[f.order_id],
        "trackingInfo": lambda f, info, first=None: f.tracking[:first] if first else f.tracking,
        "fulfillmentLineItems": lambda f, info, **args: page(f.lines, **args),
    },
    "FulfillmentLineItem": {
        "id": _id("FulfillmentLineItem"),
        "lineItem": lambda fl, info: _line_of(info, fl.line_item_id),
    },
    "Refund": {
        "id": _id("Refund"),
        "legacyResourceId": _legacy,
        "updatedAt": lambda r, info: r.created_at,
        "order": lambda r, info: _state(info).orders[r.order_id],
        "totalRefundedSet": _money("total_refunded"),
        "refundLineItems": lambda r, info, **args: page(r.lines, **args),
        "refundShippingLines": _shipping_refunds,
        "transactions": _refund_transactions,
    },
    "RefundLineItem": {
        "id": _id("RefundLineItem"),
        "location": lambda rl, info: _state(info).locations.get(rl.location_id or -1),
        "lineItem": lambda rl, info: _line_of(info, rl.line_item_id),
        "priceSet": lambda rl, info: _line_of(info, rl.line_item_id).unit_price.graphql(),
        "subtotalSet": _money("subtotal"),
        "totalTaxSet": _money("total_tax"),
    },
}

TYPE_NAMES: dict[type, str] = {
    Order: "Order",
    LineItem: "LineItem",
    DiscountApplication: "DiscountCodeApplication",
    TaxLine: "TaxLine",
    ShippingLine: "ShippingLine",
    Transaction: "OrderTransaction",
    FulfillmentOrder: "FulfillmentOrder",
    FulfillmentOrderLine: "FulfillmentOrderLineItem",
    Fulfillment: "Fulfillment",
    FulfillmentLine: "FulfillmentLineItem",
    Refund: "Refund",
    RefundLine: "RefundLineItem",
}
