"""Item sync's GraphQL shapes: the variants-by-SKU query, the two update mutations, their answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from gateways.shopify.errors import ShopifyError, ShopifyUserErrors, UserError
from gateways.shopify.item_rules import ShopifyVariant, grams

LOOKUP_COST_PER_SKU = 9  # variant, inventoryItem, measurement, weight, product, variants(first: 2)
LOOKUP_CHUNK = 50

VARIANTS_BY_SKU = """
query TandemVariantsBySku($first: Int!, $query: String!) {
  productVariants(first: $first, query: $query) {
    nodes {
      id sku price
      inventoryItem { measurement { weight { unit value } } }
      product { id title status variants(first: 2) { nodes { id } } }
    }
  }
}
"""
VARIANTS_UPDATE = """
mutation TandemVariantsUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id }
    userErrors { field message code }
  }
}
"""
PRODUCT_UPDATE = """
mutation TandemProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) { product { id } userErrors { field message } }
}
"""


def variants_by_sku_variables(skus: Sequence[str]) -> tuple[dict[str, Any], int]:
    """Variables and query cost of VARIANTS_BY_SKU for these SKUs."""
    first = min(250, len(skus) + 1)
    variables = {"first": first, "query": " OR ".join(f'sku:"{sku}"' for sku in skus)}
    return variables, 2 + first * LOOKUP_COST_PER_SKU


def parse_variants(data: Mapping[str, Any]) -> list[ShopifyVariant]:
    """The variants in a VARIANTS_BY_SKU answer."""
    variants = []
    for node in (data.get("productVariants") or {}).get("nodes") or []:
        product = node["product"]
        weight = ((node.get("inventoryItem") or {}).get("measurement") or {}).get("weight")
        variants.append(
            ShopifyVariant(
                variant_id=node["id"],
                product_id=product["id"],
                sku=node.get("sku") or "",
                price=_decimal(node.get("price")),
                grams=grams(Decimal(str(weight["value"])), weight["unit"]) if weight else None,
                title=product["title"],
                active=product["status"] == "ACTIVE",
                single_variant=len(product["variants"]["nodes"]) == 1,
            )
        )
    return variants


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ShopifyError("BAD_RESPONSE", f"not a price: {value!r}") from exc


def raise_user_errors(operation: str, data: Mapping[str, Any]) -> None:
    """Raise ShopifyUserErrors when a mutation's answer carries userErrors."""
    payload = data.get(operation) or {}
    errors = payload.get("userErrors") or []
    if errors:
        raise ShopifyUserErrors(operation, [msgspec.convert(e, UserError) for e in errors])
