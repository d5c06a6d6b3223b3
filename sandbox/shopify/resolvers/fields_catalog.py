"""Field resolvers for shop, locations, catalog, inventory, customers, gift cards, discounts and webhooks.

Fields not listed here resolve by attribute (camelCase → snake_case) or dict key; see schema.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from ..ids import gid, inventory_level_gid
from ..model import (
    QUANTITY_NAMES,
    Customer,
    DiscountCode,
    GiftCard,
    InventoryItem,
    InventoryLevel,
    Location,
    Metafield,
    Product,
    Variant,
    WebhookSubscription,
)
from ..money import graphql_amount, money_v2
from ..store import ShopState, shop_gid
from .context import ctx, number_or_none
from .paging import page

Resolver = Callable[..., Any]


def _state(info: Any) -> ShopState:
    return ctx(info).state


def _id(kind: str) -> Resolver:
    return lambda obj, info: gid(kind, obj.id)


def _legacy(obj: Any, info: Any) -> str:
    return str(obj.id)  # legacyResourceId is a string on the wire [reference §1]


_GRAMS_PER = {"GRAMS": 1.0, "KILOGRAMS": 1000.0, "OUNCES": 28.349523125, "POUNDS": 453.59237}


def _measurement(item: InventoryItem, info: Any) -> dict[str, Any]:
    grams = _state(info).variants[item.variant_id].grams
    return {
        "id": gid("InventoryItemMeasurement", item.id),
        "weight": {"unit": "GRAMS", "value": float(grams)},
    }


def grams_of(weight: dict[str, Any]) -> int:
    """A WeightInput in grams (variants store whole grams, like REST `grams`)."""
    return round(float(weight["value"]) * _GRAMS_PER[weight["unit"]])


def _quantities(level: InventoryLevel, info: Any, names: list[str]) -> list[dict[str, Any]]:
    unknown = [name for name in names if name not in QUANTITY_NAMES]
    if unknown:
        raise GraphQLError(
            f"Invalid quantity names: {', '.join(unknown)}. Valid names are: {', '.join(QUANTITY_NAMES)}.",
            extensions={"code": "INVALID_FIELD_ARGUMENTS"},
        )
    return [
        {
            "id": f"{inventory_level_gid(level.id, level.item_id)}&name={name}",
            "name": name,
            "quantity": level.quantity(name),
            "updatedAt": level.updated_at,
        }
        for name in names
    ]


def _levels_of_location(location: Location, info: Any, **args: Any) -> dict[str, Any]:
    levels = [lvl for lvl in _state(info).levels.values() if lvl.location_id == location.id]
    return page(levels, **args)


def _levels_of_item(item: InventoryItem, info: Any, **args: Any) -> dict[str, Any]:
    levels = [lvl for lvl in _state(info).levels.values() if lvl.item_id == item.id]
    return page(levels, **args)


def _available_total(state: ShopState, item_id: int) -> int:
    return sum(lvl.quantities["available"] for lvl in state.levels.values() if lvl.item_id == item_id)


def _metafield(owner: Any, info: Any, key: str, namespace: str | None = None) -> Metafield | None:
    return owner.metafields.get((namespace or "custom", key))


def _metafields(owner: Any, info: Any, namespace: str | None = None, **args: Any) -> dict[str, Any]:
    fields = [m for (ns, _key), m in owner.metafields.items() if namespace is None or ns == namespace]
    return page(fields, **args)


def _discount_value(code: DiscountCode, info: Any) -> dict[str, Any]:
    if code.value_type == "percentage":
        return {"value": {"__typename": "DiscountPercentage", "percentage": float(code.value) / 100}}
    amount = money_v2(code.value, _state(info).config.currency)
    return {"value": {"__typename": "DiscountAmount", "amount": amount, "appliesOnEachItem": False}}


SHOP: dict[str, Resolver] = {
    "id": lambda state, info: shop_gid(state),
    "name": lambda state, info: state.config.name,
    "email": lambda state, info: f"owner@{state.config.domain}",
    "myshopifyDomain": lambda state, info: state.config.domain,
    "currencyCode": lambda state, info: state.config.currency,
    "enabledPresentmentCurrencies": lambda state, info: [state.config.currency, *state.config.exchange_rates],
    "ianaTimezone": lambda state, info: "UTC",
    "taxesIncluded": lambda state, info: False,
}

FIELD_RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Shop": SHOP,
    "Location": {
        "id": _id("Location"),
        "legacyResourceId": _legacy,
        "address": lambda loc, info: {
            "city": loc.address.get("city"),
            "countryCode": loc.address.get("countryCode"),
        },
        "inventoryLevel": lambda loc, info, inventoryItemId: _state(info).levels.get(
            (number_or_none(inventoryItemId, "InventoryItem") or -1, loc.id)
        ),
        "inventoryLevels": _levels_of_location,
    },
    "InventoryItem": {
        "id": _id("InventoryItem"),
        "legacyResourceId": _legacy,
        "unitCost": lambda item, info: (
            None if item.unit_cost is None else money_v2(item.unit_cost, _state(info).config.currency)
        ),
        "variant": lambda item, info: _state(info).variants[item.variant_id],
        "measurement": _measurement,
        "inventoryLevel": lambda item, info, locationId: _state(info).levels.get(
            (item.id, number_or_none(locationId, "Location") or -1)
        ),
        "inventoryLevels": _levels_of_item,
    },
    "InventoryLevel": {
        "id": lambda lvl, info: inventory_level_gid(lvl.id, lvl.item_id),
        "item": lambda lvl, info: _state(info).items[lvl.item_id],
        "location": lambda lvl, info: _state(info).locations[lvl.location_id],
        "canDeactivate": lambda lvl, info: lvl.quantities["committed"] == 0,
        "quantities": _quantities,
    },
    "Product": {
        "id": _id("Product"),
        "legacyResourceId": _legacy,
        "totalInventory": lambda p, info: sum(
            _available_total(_state(info), _state(info).variants[v].inventory_item_id) for v in p.variant_ids
        ),
        "variants": lambda p, info, **args: page([_state(info).variants[v] for v in p.variant_ids], **args),
    },
    "ProductVariant": {
        "id": _id("ProductVariant"),
        "legacyResourceId": _legacy,
        "sku": lambda v, info: _state(info).items[v.inventory_item_id].sku,
        "displayName": lambda v, info: f"{_state(info).products[v.product_id].title} - {v.title}",
        "price": lambda v, info: graphql_amount(v.price),
        "compareAtPrice": lambda v, info: (
            None if v.compare_at_price is None else graphql_amount(v.compare_at_price)
        ),
        "inventoryQuantity": lambda v, info: _available_total(_state(info), v.inventory_item_id),
        "product": lambda v, info: _state(info).products[v.product_id],
        "inventoryItem": lambda v, info: _state(info).items[v.inventory_item_id],
    },
    "Customer": {
        "id": _id("Customer"),
        "legacyResourceId": _legacy,
        "displayName": lambda c, info: " ".join(p for p in (c.first_name, c.last_name) if p) or c.email or "",
        "numberOfOrders": lambda c, info: str(c.orders_count),
        "amountSpent": lambda c, info: money_v2(c.amount_spent, _state(info).config.currency),
        "defaultAddress": lambda c, info: c.addresses[0] if c.addresses else None,
        "metafield": _metafield,
        "metafields": _metafields,
    },
    "Metafield": {"id": _id("Metafield")},
    "GiftCard": {
        "id": _id("GiftCard"),
        "lastCharacters": lambda card, info: card.code[-4:],
        "maskedCode": lambda card, info: "•••• •••• •••• " + card.code[-4:],
        "balance": lambda card, info: money_v2(card.balance, card.currency),
        "initialValue": lambda card, info: money_v2(card.initial_value, card.currency),
        "customer": lambda card, info: _state(info).customers.get(card.customer_id or -1),
        "order": lambda card, info: _state(info).orders.get(card.order_id or -1),
    },
    "DiscountCodeNode": {"id": _id("DiscountCodeNode"), "codeDiscount": lambda code, info: code},
    "DiscountCodeBasic": {
        "summary": lambda code, info: (
            f"{code.value}% off entire order"
            if code.value_type == "percentage"
            else f"{graphql_amount(code.value)} off entire order"
        ),
        "asyncUsageCount": lambda code, info: code.usage_count,
        "customerGets": _discount_value,
        "codes": lambda code, info, **args: page(
            [
                {
                    "id": gid("DiscountRedeemCode", code.redeem_code_id),
                    "code": code.code,
                    "asyncUsageCount": code.usage_count,
                }
            ],
            sort_key=lambda d: (d["id"], 0),
            **args,
        ),
    },
    "WebhookSubscription": {
        "id": _id("WebhookSubscription"),
        "legacyResourceId": _legacy,
        "endpoint": lambda sub, info: {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub.uri},
        "apiVersion": lambda sub, info: {
            "handle": ctx(info).api_version,
            "displayName": ctx(info).api_version,
            "supported": True,
        },
    },
}

# Python record type → GraphQL object type, for Node, unions and interfaces.
TYPE_NAMES: dict[type, str] = {
    ShopState: "Shop",
    Location: "Location",
    InventoryItem: "InventoryItem",
    InventoryLevel: "InventoryLevel",
    Product: "Product",
    Variant: "ProductVariant",
    Customer: "Customer",
    Metafield: "Metafield",
    GiftCard: "GiftCard",
    DiscountCode: "DiscountCodeNode",
    WebhookSubscription: "WebhookSubscription",
}
