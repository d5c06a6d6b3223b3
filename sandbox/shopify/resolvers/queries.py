"""Root query fields: single records by GID and searchable, paged lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import order_status
from ..ids import gid_kind
from ..search_syntax import Getter, search
from ..store import ShopState
from .context import ctx, require_number
from .fields_orders import order_of_line
from .paging import page

Resolver = Callable[..., Any]


def _state(info: Any) -> ShopState:
    return ctx(info).state


def _sku_of_variant(state: ShopState, variant_id: int) -> str:
    return state.items[state.variants[variant_id].inventory_item_id].sku


def _order_status(order: Any) -> list[str]:
    # `status:any` is Shopify's way of asking for every order.
    return ["cancelled" if order.cancelled_at else "closed" if order.closed_at else "open", "any"]


ORDER_FIELDS: dict[str, Getter] = {
    "updated_at": lambda o: o.updated_at,
    "created_at": lambda o: o.created_at,
    "processed_at": lambda o: o.created_at,
    "name": lambda o: [o.name, str(o.number)],
    "status": _order_status,
    "id": lambda o: o.id,
    "email": lambda o: o.email,
    "financial_status": lambda o: order_status.financial_status(o).lower(),
    "fulfillment_status": lambda o: {"FULFILLED": "shipped", "PARTIALLY_FULFILLED": "partial"}.get(
        order_status.fulfillment_status(o), "unshipped"
    ),
    "source_name": lambda o: o.source_name,
    "sku": lambda o: [line.sku for line in o.line_items],
    "tag": lambda o: o.tags,
    "customer_id": lambda o: o.customer_id,
    "location_id": lambda o: o.retail_location_id,
}

ORDER_SORT: dict[str, Callable[[Any], tuple[Any, int]]] = {
    "ID": lambda o: (o.id, o.id),
    "CREATED_AT": lambda o: (o.created_at, o.id),
    "PROCESSED_AT": lambda o: (o.created_at, o.id),
    "UPDATED_AT": lambda o: (o.updated_at, o.id),
    "NUMBER": lambda o: (o.number, o.id),
    "TOTAL_PRICE": lambda o: (f"{o.total_price.shop:020.2f}", o.id),
}


def _orders(
    root: Any, info: Any, query: str | None = None, sortKey: str | None = None, **args: Any
) -> dict[str, Any]:
    found = search(
        list(_state(info).orders.values()), query, ORDER_FIELDS, lambda o: f"{o.name} {o.email or ''}"
    )
    return page(found, sort_key=ORDER_SORT[sortKey or "ID"], **args)


def _products(root: Any, info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
    state = _state(info)
    fields: dict[str, Getter] = {
        "title": lambda p: p.title,
        "updated_at": lambda p: p.updated_at,
        "created_at": lambda p: p.created_at,
        "status": lambda p: p.status.lower(),
        "vendor": lambda p: p.vendor,
        "product_type": lambda p: p.product_type,
        "id": lambda p: p.id,
        "tag": lambda p: p.tags,
        "sku": lambda p: [_sku_of_variant(state, v) for v in p.variant_ids],
    }
    return page(search(list(state.products.values()), query, fields, lambda p: p.title), **args)


def _variants(root: Any, info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
    state = _state(info)
    fields: dict[str, Getter] = {
        "sku": lambda v: _sku_of_variant(state, v.id),
        "product_id": lambda v: v.product_id,
        "updated_at": lambda v: v.updated_at,
        "title": lambda v: v.title,
        "id": lambda v: v.id,
    }
    return page(
        search(list(state.variants.values()), query, fields, lambda v: _sku_of_variant(state, v.id)), **args
    )


def _items(root: Any, info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
    fields: dict[str, Getter] = {
        "sku": lambda i: i.sku,
        "id": lambda i: i.id,
        "updated_at": lambda i: i.updated_at,
        "created_at": lambda i: i.created_at,
    }
    return page(search(list(_state(info).items.values()), query, fields, lambda i: i.sku), **args)


def _customers(root: Any, info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
    fields: dict[str, Getter] = {
        "email": lambda c: c.email,
        "updated_at": lambda c: c.updated_at,
        "created_at": lambda c: c.created_at,
        "first_name": lambda c: c.first_name,
        "last_name": lambda c: c.last_name,
        "phone": lambda c: c.phone,
        "id": lambda c: c.id,
        "tag": lambda c: c.tags,
    }

    def text(c: Any) -> str:
        return f"{c.email or ''} {c.first_name or ''} {c.last_name or ''}"

    return page(search(list(_state(info).customers.values()), query, fields, text), **args)


def _gift_cards(root: Any, info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
    fields: dict[str, Getter] = {
        "status": lambda g: "enabled" if g.enabled else "disabled",
        "id": lambda g: g.id,
        "created_at": lambda g: g.created_at,
        "updated_at": lambda g: g.updated_at,
        "balance_status": lambda g: (
            "full" if g.balance == g.initial_value else "partial" if g.balance else "empty"
        ),
    }
    return page(search(list(_state(info).gift_cards.values()), query, fields, lambda g: g.code[-4:]), **args)


def _discounts(root: Any, info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
    fields: dict[str, Getter] = {
        "code": lambda d: d.code,
        "title": lambda d: d.title,
        "status": lambda d: d.status.lower(),
        "id": lambda d: d.id,
    }
    return page(search(list(_state(info).discount_codes.values()), query, fields, lambda d: d.code), **args)


def _locations(
    root: Any, info: Any, query: str | None = None, includeInactive: bool = False, **args: Any
) -> dict[str, Any]:
    locations = [loc for loc in _state(info).locations.values() if loc.is_active or includeInactive]
    fields: dict[str, Getter] = {
        "name": lambda loc: loc.name,
        "id": lambda loc: loc.id,
        "active": lambda loc: loc.is_active,
    }
    return page(search(locations, query, fields, lambda loc: loc.name), **args)


def _webhooks(root: Any, info: Any, topics: list[str] | None = None, **args: Any) -> dict[str, Any]:
    subscriptions = [s for s in _state(info).webhooks.values() if not topics or s.topic in topics]
    return page(subscriptions, **args)


def find_node(state: ShopState, value: str) -> Any:
    """Any record by its GID, or None."""
    parsed = gid_kind(value.split("?")[0])
    if parsed is None:
        return None
    kind, number = parsed
    tables: dict[str, Callable[[int], Any]] = {
        "Order": state.orders.get,
        "Customer": state.customers.get,
        "Product": state.products.get,
        "ProductVariant": state.variants.get,
        "InventoryItem": state.items.get,
        "Location": state.locations.get,
        "GiftCard": state.gift_cards.get,
        "DiscountCodeNode": state.discount_codes.get,
        "WebhookSubscription": state.webhooks.get,
        "InventoryLevel": lambda n: next((lvl for lvl in state.levels.values() if lvl.id == n), None),
        "Refund": lambda n: next((r for o in state.orders.values() for r in o.refunds if r.id == n), None),
        "Fulfillment": lambda n: next(
            (f for o in state.orders.values() for f in o.fulfillments if f.id == n), None
        ),
        "FulfillmentOrder": lambda n: next(
            (fo for o in state.orders.values() for fo in o.fulfillment_orders if fo.id == n), None
        ),
        "LineItem": lambda n: next((li for li in _safe_order_lines(state, n) if li.id == n), None),
    }
    lookup = tables.get(kind)
    return lookup(number) if lookup else None


def _safe_order_lines(state: ShopState, line_id: int) -> list[Any]:
    try:
        return order_of_line(state, line_id).line_items
    except StopIteration:
        return []


def _by_id(kind: str) -> Resolver:
    def resolve(root: Any, info: Any, id: str) -> Any:
        require_number(id.split("?")[0], kind)
        found = find_node(_state(info), id)
        return found if found is not None and gid_kind(id.split("?")[0])[0] == kind else None  # type: ignore[index]

    return resolve


QUERY_RESOLVERS: dict[str, Resolver] = {
    "shop": lambda root, info: _state(info),
    "node": lambda root, info, id: find_node(_state(info), id),
    "nodes": lambda root, info, ids: [find_node(_state(info), value) for value in ids],
    "location": lambda root, info, id=None: (
        _by_id("Location")(root, info, id)
        if id
        else next(iter(sorted(_state(info).locations.values(), key=lambda loc: loc.id)), None)
    ),
    "locations": _locations,
    "product": _by_id("Product"),
    "products": _products,
    "productVariant": _by_id("ProductVariant"),
    "productVariants": _variants,
    "inventoryItem": _by_id("InventoryItem"),
    "inventoryItems": _items,
    "inventoryLevel": _by_id("InventoryLevel"),
    "customer": _by_id("Customer"),
    "customers": _customers,
    "order": _by_id("Order"),
    "orders": _orders,
    "refund": _by_id("Refund"),
    "fulfillment": _by_id("Fulfillment"),
    "fulfillmentOrder": _by_id("FulfillmentOrder"),
    "giftCard": _by_id("GiftCard"),
    "giftCards": _gift_cards,
    "codeDiscountNode": _by_id("DiscountCodeNode"),
    "codeDiscountNodeByCode": lambda root, info, code: next(
        (d for d in _state(info).discount_codes.values() if d.code.lower() == code.lower()), None
    ),
    "codeDiscountNodes": _discounts,
    "webhookSubscription": _by_id("WebhookSubscription"),
    "webhookSubscriptions": _webhooks,
}
