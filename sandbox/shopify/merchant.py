"""What a merchant does by hand in Shopify admin: stock edits, variant and customer edits, marking paid.

These are the out-of-band changes a sync engine must notice (drift) or react to. Pure.
"""

from __future__ import annotations

from datetime import datetime

from .events import EventLog, ShopEvent
from .ids import gid
from .ledger import QuantityWrite
from .model import Customer, Order, Transaction
from .order_status import total_outstanding
from .requests import CustomerEditSpec, VariantEditSpec
from .store import ShopState
from .user_errors import DomainRefusal

ADMIN_APP = "shopify-admin"


def set_available_by_hand(
    state: ShopState, sku: str, location_name: str, available: int, now: datetime
) -> list[ShopEvent]:
    """A merchant overwrites `available` in admin; logged as a write by the admin, not by an app."""
    variant = state.variant_by_sku(sku)
    location = state.location(location_name)
    level = state.stock_level(variant.inventory_item_id, location.id, now)
    before = level.quantities["available"]
    level.quantities["available"] = available
    level.updated_at = now
    state.ledger.quantity_writes.append(
        QuantityWrite(
            now,
            "admin",
            sku,
            gid("InventoryItem", level.item_id),
            gid("Location", location.id),
            location.name,
            "available",
            before,
            available,
            available - before,
            None,
            "correction",
            None,
            None,
            ADMIN_APP,
        )
    )
    return [ShopEvent("inventory_levels/update", level)]


def edit_variant(state: ShopState, sku: str, spec: VariantEditSpec, now: datetime) -> list[ShopEvent]:
    variant = state.variant_by_sku(sku)
    if spec.price is not None and spec.price < 0:
        raise DomainRefusal("INVALID_PRICE", "A price can't be negative.")
    for attribute in ("price", "compare_at_price", "barcode", "taxable", "inventory_policy", "title"):
        value = getattr(spec, attribute)
        if value is not None:
            setattr(variant, attribute, value)
    product = state.products[variant.product_id]
    variant.updated_at = product.updated_at = now
    return [ShopEvent("products/update", product)]


def edit_customer(
    state: ShopState, customer: Customer, spec: CustomerEditSpec, now: datetime
) -> list[ShopEvent]:
    if spec.email is not None and any(
        c.email and c.email.lower() == spec.email.lower() and c.id != customer.id
        for c in state.customers.values()
    ):
        raise DomainRefusal("DUPLICATE_CUSTOMER", f"Email {spec.email} has already been taken.")
    for attribute in ("email", "first_name", "last_name", "phone", "note", "tags"):
        value = getattr(spec, attribute)
        if value is not None:
            setattr(customer, attribute, list(value) if attribute == "tags" else value)
    customer.updated_at = now
    return [ShopEvent("customers/update", customer)]


def mark_paid(state: ShopState, order: Order, now: datetime) -> list[ShopEvent]:
    """Record the outstanding amount as received (manual gateway): orders/paid fires."""
    due = total_outstanding(order)
    if order.cancelled_at is not None or due.shop <= 0:
        raise DomainRefusal("NOTHING_DUE", f"Order {order.name} has nothing left to pay.")
    order.transactions.append(
        Transaction(
            state.ids.next(),
            "SALE",
            "SUCCESS",
            "manual",
            due,
            now,
            location_id=order.retail_location_id,
            source_name=order.source_name,
        )
    )
    order.updated_at = now
    events = EventLog()
    events.add("orders/paid", order)
    events.add("orders/updated", order)
    return events.events
