"""The one mapping between a Shopify order id and its NetSuite sales order's external id (DESIGN §2).

The external id is Shopify's numeric order id as a decimal string (`820982911946154508`): Shopify
order ids are unique across shops, and NetSuite external ids allow only letters, digits, `_` and `-`
(reference/netsuite.md §1.1), so a GraphQL GID cannot be used as it is.
"""

from __future__ import annotations

_GID_PREFIX = "gid://shopify/Order/"


def sales_order_external_id(shopify_order_id: str | int) -> str:
    """The external id for a Shopify order, from its numeric id or its GraphQL GID."""
    text = str(shopify_order_id).strip().removeprefix(_GID_PREFIX)
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"not a Shopify order id: {shopify_order_id!r}")
    return text


def shopify_order_id(external_id: str | None) -> str | None:
    """The Shopify order id a sales order's external id names, or None if it is not one of ours."""
    if external_id and external_id.isascii() and external_id.isdigit():
        return external_id
    return None
