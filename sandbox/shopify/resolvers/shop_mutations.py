"""customerCreate/customerUpdate, productVariantsBulkUpdate, webhookSubscriptionCreate/Delete."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ..ids import gid
from ..metafields import upsert_metafields
from ..model import Customer, Variant, WebhookSubscription
from ..store import ShopState
from ..user_errors import UserError
from .context import RequestContext, ctx, number_or_none
from .fields_catalog import grams_of

Resolver = Callable[..., Any]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _customer_errors(state: ShopState, data: dict[str, Any], customer_id: int | None) -> list[UserError]:
    email = data.get("email")
    if email is not None and not _EMAIL.match(email):
        return [UserError(["email"], "Email is invalid")]
    if email and any(
        c.email and c.email.lower() == email.lower() and c.id != customer_id for c in state.customers.values()
    ):
        return [UserError(["email"], "Email has already been taken")]
    return []


def _apply_customer(c: RequestContext, customer: Customer, data: dict[str, Any]) -> list[UserError]:
    errors = upsert_metafields(c.state.ids, customer.metafields, data.get("metafields") or [], c.now)
    if errors:
        return errors
    for field, attribute in (
        ("email", "email"),
        ("phone", "phone"),
        ("firstName", "first_name"),
        ("lastName", "last_name"),
        ("note", "note"),
        ("taxExempt", "tax_exempt"),
    ):
        if field in data:
            setattr(customer, attribute, data[field])
    if "tags" in data:
        customer.tags = list(data["tags"] or [])
    if data.get("addresses") is not None:
        customer.addresses = [
            {
                **address,
                "countryCodeV2": address.get("countryCode"),
                "id": gid("MailingAddress", c.state.ids.next()),
            }
            for address in data["addresses"]
        ]
    customer.updated_at = c.now
    return []


def customer_create(root: Any, info: Any, input: dict[str, Any]) -> Any:
    c = ctx(info)
    if not any(input.get(f) for f in ("email", "phone", "firstName", "lastName")):
        return {
            "customer": None,
            "userErrors": [UserError(None, "A name, phone number, or email address must be present")],
        }
    errors = _customer_errors(c.state, input, None)
    if errors:
        return {"customer": None, "userErrors": errors}
    customer = Customer(c.state.ids.next(), None, c.now, c.now)
    errors = _apply_customer(c, customer, input)
    if errors:
        return {"customer": None, "userErrors": errors}
    c.state.customers[customer.id] = customer
    c.events.add("customers/create", customer)
    return {"customer": customer, "userErrors": []}


def customer_update(root: Any, info: Any, input: dict[str, Any]) -> Any:
    c = ctx(info)
    customer = c.state.customers.get(number_or_none(input.get("id"), "Customer") or -1)
    if customer is None:
        return {"customer": None, "userErrors": [UserError(["id"], "Customer does not exist")]}
    errors = _customer_errors(c.state, input, customer.id) or _apply_customer(c, customer, input)
    if errors:
        return {"customer": None, "userErrors": errors}
    c.events.add("customers/update", customer)
    return {"customer": customer, "userErrors": []}


def _variant_errors(c: RequestContext, product_id: int, index: int, row: dict[str, Any]) -> list[UserError]:
    path = ["variants", str(index)]
    variant = c.state.variants.get(number_or_none(row.get("id"), "ProductVariant") or -1)
    if variant is None or variant.product_id != product_id:
        return [UserError([*path, "id"], "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST")]
    for field in ("price", "compareAtPrice"):
        if row.get(field) is not None:
            try:
                if Decimal(str(row[field])) < 0:
                    raise InvalidOperation
            except InvalidOperation:
                return [UserError([*path, field], f"{field} must be a non-negative amount", "INVALID_INPUT")]
    return []


def _apply_variant(c: RequestContext, variant: Variant, row: dict[str, Any]) -> None:
    if row.get("price") is not None:
        variant.price = Decimal(str(row["price"]))
    if "compareAtPrice" in row:
        variant.compare_at_price = (
            None if row["compareAtPrice"] is None else Decimal(str(row["compareAtPrice"]))
        )
    for field, attribute in (
        ("barcode", "barcode"),
        ("taxable", "taxable"),
        ("inventoryPolicy", "inventory_policy"),
    ):
        if row.get(field) is not None:
            setattr(variant, attribute, row[field])
    item = c.state.items[variant.inventory_item_id]
    item_input = row.get("inventoryItem") or {}
    for field, attribute in (
        ("sku", "sku"),
        ("tracked", "tracked"),
        ("requiresShipping", "requires_shipping"),
    ):
        if item_input.get(field) is not None:
            setattr(item, attribute, item_input[field])
    if item_input.get("cost") is not None:
        item.unit_cost = Decimal(str(item_input["cost"]))
    weight = (item_input.get("measurement") or {}).get("weight")
    if weight is not None:
        variant.grams = grams_of(weight)
    variant.updated_at = item.updated_at = c.now


def variants_bulk_update(
    root: Any, info: Any, productId: str, variants: list[dict[str, Any]], allowPartialUpdates: bool = False
) -> Any:
    c = ctx(info)
    product = c.state.products.get(number_or_none(productId, "Product") or -1)
    if product is None:
        return {
            "product": None,
            "productVariants": None,
            "userErrors": [UserError(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")],
        }
    per_row = [_variant_errors(c, product.id, index, row) for index, row in enumerate(variants)]
    errors = [error for row_errors in per_row for error in row_errors]
    if errors and not allowPartialUpdates:
        return {"product": product, "productVariants": None, "userErrors": errors}
    updated = []
    for row, row_errors in zip(variants, per_row, strict=True):
        if not row_errors:
            variant = c.state.variants[number_or_none(row["id"], "ProductVariant")]  # type: ignore[index]
            _apply_variant(c, variant, row)
            updated.append(variant)
    if updated:
        product.updated_at = c.now
        c.events.add("products/update", product)
    return {"product": product, "productVariants": updated, "userErrors": errors}


def product_update(root: Any, info: Any, product: dict[str, Any]) -> Any:
    """productUpdate: title, status (ARCHIVED/DRAFT hide it), vendor, type, tags, handle; products/update."""
    c = ctx(info)
    found = c.state.products.get(number_or_none(product["id"], "Product") or -1)
    if found is None:
        return {"product": None, "userErrors": [UserError(["id"], "Product does not exist")]}
    if product.get("title") is not None and not product["title"].strip():
        return {"product": None, "userErrors": [UserError(["title"], "Title can't be blank")]}
    for field, attribute in (
        ("title", "title"),
        ("status", "status"),
        ("vendor", "vendor"),
        ("productType", "product_type"),
        ("handle", "handle"),
    ):
        if product.get(field) is not None:
            setattr(found, attribute, product[field])
    if product.get("tags") is not None:
        found.tags = list(product["tags"])
    found.updated_at = c.now
    c.events.add("products/update", found)
    return {"product": found, "userErrors": []}


def webhook_create(root: Any, info: Any, topic: str, webhookSubscription: dict[str, Any]) -> Any:
    c = ctx(info)
    uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
    if not uri or not re.match(r"^https?://", uri):
        return {
            "webhookSubscription": None,
            "userErrors": [UserError(["webhookSubscription", "uri"], "Address is invalid")],
        }
    if any(s.topic == topic and s.uri == uri for s in c.state.webhooks.values()):
        return {
            "webhookSubscription": None,
            "userErrors": [
                UserError(["webhookSubscription", "uri"], "Address for this topic has already been taken")
            ],
        }
    subscription = WebhookSubscription(
        c.state.ids.next(),
        topic,
        uri,
        c.now,
        c.now,
        format=webhookSubscription.get("format") or "JSON",
        include_fields=list(webhookSubscription.get("includeFields") or []),
        name=webhookSubscription.get("name"),
    )
    c.state.webhooks[subscription.id] = subscription
    return {"webhookSubscription": subscription, "userErrors": []}


def webhook_delete(root: Any, info: Any, id: str) -> Any:
    c = ctx(info)
    subscription = c.state.webhooks.pop(number_or_none(id, "WebhookSubscription") or -1, None)
    if subscription is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [UserError(["id"], "Webhook subscription does not exist")],
        }
    return {"deletedWebhookSubscriptionId": gid("WebhookSubscription", subscription.id), "userErrors": []}


MUTATIONS: dict[str, Resolver] = {
    "customerCreate": customer_create,
    "customerUpdate": customer_update,
    "productUpdate": product_update,
    "productVariantsBulkUpdate": variants_bulk_update,
    "webhookSubscriptionCreate": webhook_create,
    "webhookSubscriptionDelete": webhook_delete,
}
