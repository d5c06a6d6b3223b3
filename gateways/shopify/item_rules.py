"""Pure rules of item sync: what NetSuite says, what Shopify shows, and the difference (DESIGN §2).

Which fields are compared is the contract's ownership (`owner_of("items.<field>")`); these rules stay
in gateways because they speak NetSuite's ItemChanged and Shopify's variant/product inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Literal

import msgspec

from contract.ownership import Owner
from gateways.netsuite.messages import ItemChanged

Field = Literal["sku", "price", "weight", "title", "active"]
WeightUnit = Literal["GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"]
GRAMS_PER: dict[str, Decimal] = {
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}


class ShopifyVariant(msgspec.Struct, frozen=True, kw_only=True):
    """A variant as Shopify shows it now, with the product fields an item owns."""

    variant_id: str
    product_id: str
    sku: str
    price: Decimal
    grams: int | None
    title: str
    active: bool  # product status ACTIVE
    single_variant: bool  # the product is this one item: its title and status are the item's


class FieldDrift(msgspec.Struct, frozen=True):
    field: Field
    netsuite: str
    shopify: str


def grams(weight: Decimal, unit: str) -> int:
    return int((weight * GRAMS_PER[unit]).to_integral_value())


def differences(
    item: ItemChanged, variant: ShopifyVariant, owner_of: Callable[[str], Owner], weight_unit: WeightUnit
) -> list[FieldDrift]:
    """The NetSuite-owned fields where Shopify shows something else than NetSuite holds."""
    found: list[FieldDrift] = []

    def owned(field: str) -> bool:
        return owner_of(f"items.{field}") == "netsuite"

    if owned("sku") and item.sku != variant.sku:  # the item was renamed in NetSuite
        found.append(FieldDrift("sku", item.sku, variant.sku))
    if owned("price") and item.price is not None and item.price != variant.price:
        found.append(FieldDrift("price", str(item.price), str(variant.price)))
    if owned("weight") and item.weight is not None:
        wanted = grams(item.weight, weight_unit)
        if wanted != variant.grams:
            found.append(FieldDrift("weight", f"{wanted} g", f"{variant.grams} g"))
    if variant.single_variant:
        if owned("title") and item.title and item.title != variant.title:
            found.append(FieldDrift("title", item.title, variant.title))
        if owned("active") and item.active != variant.active:
            found.append(FieldDrift("active", str(item.active), str(variant.active)))
    return found


def variant_update(
    item: ItemChanged, variant: ShopifyVariant, drift: Sequence[FieldDrift], weight_unit: WeightUnit
) -> dict[str, Any] | None:
    """A ProductVariantsBulkInput row for the variant-level fields that differ, or None."""
    fields = {d.field for d in drift}
    row: dict[str, Any] = {"id": variant.variant_id}
    if "price" in fields and item.price is not None:
        row["price"] = str(item.price)
    inventory_item: dict[str, Any] = {}
    if "sku" in fields:
        inventory_item["sku"] = item.sku
    if "weight" in fields and item.weight is not None:
        inventory_item["measurement"] = {"weight": {"value": float(item.weight), "unit": weight_unit}}
    if inventory_item:
        row["inventoryItem"] = inventory_item
    return row if len(row) > 1 else None


def product_update(
    item: ItemChanged, variant: ShopifyVariant, drift: Sequence[FieldDrift]
) -> dict[str, Any] | None:
    """A ProductUpdateInput for the product-level fields that differ, or None."""
    fields = {d.field for d in drift}
    update: dict[str, Any] = {"id": variant.product_id}
    if "title" in fields and item.title:
        update["title"] = item.title
    if "active" in fields:
        update["status"] = "ACTIVE" if item.active else "ARCHIVED"
    return update if len(update) > 1 else None
