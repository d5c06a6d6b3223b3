"""Reading inventorySetQuantities' userErrors: which row each one names, and which mean "stale"."""

from __future__ import annotations

from collections.abc import Sequence

from contract.shopify_inventory import Key
from gateways.shopify.errors import ShopifyUserErrors, UserError

STALE = "CHANGE_FROM_QUANTITY_STALE"  # changeFromQuantity differs from what Shopify holds


def errors_by_row(keys: Sequence[Key], errors: list[UserError]) -> dict[Key, list[UserError]]:
    """Each refused row's errors (`keys` in call order); an error naming no row refuses the batch."""
    by_row: dict[Key, list[UserError]] = {}
    for error in errors:
        index = row_index(error)
        if index is None or index >= len(keys):
            raise ShopifyUserErrors("inventorySetQuantities", errors)
        by_row.setdefault(keys[index], []).append(error)
    return by_row


def row_index(error: UserError) -> int | None:
    """The row an error names: field ["input", "quantities", "<i>", ...]."""
    field = error.field or []
    if len(field) >= 3 and field[1] == "quantities" and str(field[2]).isdigit():
        return int(field[2])
    return None
