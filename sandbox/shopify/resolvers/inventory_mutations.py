"""inventorySetQuantities / inventoryAdjustQuantities / inventoryActivate, 2026-04 shapes [reference §2.3]."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import GraphQLError

from ..idempotency import idempotency_key
from ..ids import gid
from ..inventory import QuantityChange, QuantityRow, apply_delta, plan_adjust, plan_set
from ..ledger import QuantityWrite
from ..model import InventoryLevel
from ..user_errors import UserError
from .context import RequestContext, ctx, number_or_none

Resolver = Callable[..., Any]


@dataclass
class AdjustmentGroup:
    """What an inventory write returns: the applied changes, with mirrored on_hand rows."""

    id: int
    created_at: datetime
    reason: str
    reference_document_uri: str | None
    changes: list[QuantityChange]
    ledger_document: str | None = None


def _require_change_from(rows: list[dict[str, Any]], input_type: str) -> None:
    # 2026-04: every row must carry the key, an int (compare-and-set) or an explicit null (no check).
    if any("changeFromQuantity" not in row for row in rows):
        raise GraphQLError(
            f"{input_type} must include the following argument: changeFromQuantity.",
            extensions={"code": "INVALID_FIELD_ARGUMENTS"},
        )


def _rows(rows: list[dict[str, Any]], value_key: str) -> list[QuantityRow]:
    return [
        QuantityRow(
            number_or_none(row["inventoryItemId"], "InventoryItem"),
            number_or_none(row["locationId"], "Location"),
            row[value_key],
            row.get("changeFromQuantity"),
            row.get("ledgerDocumentUri"),
        )
        for row in rows
    ]


def _log_writes(
    c: RequestContext,
    mutation: str,
    name: str,
    changes: list[QuantityChange],
    rows: list[QuantityRow],
    args: dict[str, Any],
    key: str,
) -> None:
    """Ground truth: every quantity the API client wrote, with before/after, for benchmarks."""
    written = [change for change in changes if change.name == name]
    for change, row in zip(written, rows, strict=True):
        location = c.state.locations[change.level.location_id]
        c.state.ledger.quantity_writes.append(
            QuantityWrite(
                c.now,
                mutation,
                c.state.sku_of_item(change.level.item_id),
                gid("InventoryItem", change.level.item_id),
                gid("Location", location.id),
                location.name,
                name,
                change.before,
                change.after,
                change.delta,
                row.change_from,
                args["reason"],
                args.get("referenceDocumentUri"),
                key,
                c.app,
            )
        )


def _apply(
    c: RequestContext,
    name: str,
    plan: list[tuple[InventoryLevel, int]],
    stored_name: str,
    args: dict[str, Any],
) -> AdjustmentGroup:
    changes: list[QuantityChange] = []
    for level, delta in plan:
        applied = apply_delta(level, stored_name, delta, c.now)
        if name == "on_hand":  # report the requested name first, as Shopify does
            applied = [
                QuantityChange(level, "on_hand", delta, applied[1].before, applied[1].after),
                applied[0],
            ]
        changes += applied
        if stored_name == "available":
            c.events.add("inventory_levels/update", level)
    return AdjustmentGroup(
        c.state.ids.next(), c.now, args["reason"], args.get("referenceDocumentUri"), changes
    )


def _empty() -> dict[str, Any]:
    return {"inventoryAdjustmentGroup": None, "userErrors": []}


def set_quantities(root: Any, info: Any, input: dict[str, Any]) -> Any:
    key = idempotency_key(info)
    _require_change_from(input["quantities"], "InventoryQuantityInput")
    c = ctx(info)

    def perform() -> dict[str, Any]:
        rows = _rows(input["quantities"], "quantity")
        errors, plan = plan_set(
            input["name"], input["reason"], input.get("referenceDocumentUri"), rows, c.state.inventory_scope()
        )
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        group = _apply(c, input["name"], plan, "available", input)
        _log_writes(c, "inventorySetQuantities", input["name"], group.changes, rows, input, key)
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    return c.idempotency.run(key, "inventorySetQuantities", input, _empty(), perform)


def adjust_quantities(root: Any, info: Any, input: dict[str, Any]) -> Any:
    key = idempotency_key(info)
    _require_change_from(input["changes"], "InventoryChangeInput")
    c = ctx(info)

    def perform() -> dict[str, Any]:
        rows = _rows(input["changes"], "delta")
        errors, plan = plan_adjust(
            input["name"], input["reason"], input.get("referenceDocumentUri"), rows, c.state.inventory_scope()
        )
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        group = _apply(c, input["name"], plan, input["name"], input)
        group.ledger_document = next((row.ledger_document for row in rows if row.ledger_document), None)
        _log_writes(c, "inventoryAdjustQuantities", input["name"], group.changes, rows, input, key)
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    return c.idempotency.run(key, "inventoryAdjustQuantities", input, _empty(), perform)


def activate(
    root: Any,
    info: Any,
    inventoryItemId: str,
    locationId: str,
    available: int | None = None,
    onHand: int | None = None,
) -> Any:
    """inventoryActivate: stock an item at a location so quantities can be written there."""
    key = idempotency_key(info)
    c = ctx(info)
    arguments = {
        "inventoryItemId": inventoryItemId,
        "locationId": locationId,
        "available": available,
        "onHand": onHand,
    }

    def perform() -> dict[str, Any]:
        item_id = number_or_none(inventoryItemId, "InventoryItem")
        location_id = number_or_none(locationId, "Location")
        if item_id not in c.state.items:
            return {
                "inventoryLevel": None,
                "userErrors": [UserError(["inventoryItemId"], "Inventory item not found.")],
            }
        if location_id not in c.state.locations:
            return {"inventoryLevel": None, "userErrors": [UserError(["locationId"], "Location not found.")]}
        level = c.state.stock_level(item_id, location_id, c.now)  # type: ignore[arg-type]
        if available is not None:
            level.quantities["available"] = available
        elif onHand is not None:
            level.quantities["available"] += onHand - level.on_hand
        if available is not None or onHand is not None:
            c.events.add("inventory_levels/update", level)
        return {"inventoryLevel": level, "userErrors": []}

    return c.idempotency.run(key, "inventoryActivate", arguments, {"inventoryLevel": None}, perform)


def _group_changes(
    group: AdjustmentGroup,
    info: Any,
    inventoryItemIds: list[str] | None = None,
    locationIds: list[str] | None = None,
    quantityNames: list[str] | None = None,
) -> list[Any]:
    items = {number_or_none(v, "InventoryItem") for v in inventoryItemIds or []}
    locations = {number_or_none(v, "Location") for v in locationIds or []}
    return [
        change
        for change in group.changes
        if (not items or change.level.item_id in items)
        and (not locations or change.level.location_id in locations)
        and (not quantityNames or change.name in quantityNames)
    ]


FIELD_RESOLVERS: dict[str, dict[str, Resolver]] = {
    "InventoryAdjustmentGroup": {
        "id": lambda g, info: gid("InventoryAdjustmentGroup", g.id),
        "changes": _group_changes,
    },
    "InventoryChange": {
        "quantityAfterChange": lambda change, info: (
            None
        ),  # always null in recorded responses [reference §2.2]
        "item": lambda change, info: ctx(info).state.items[change.level.item_id],
        "location": lambda change, info: ctx(info).state.locations[change.level.location_id],
        "ledgerDocumentUri": lambda change, info: None,
    },
}

MUTATIONS: dict[str, Resolver] = {
    "inventorySetQuantities": set_quantities,
    "inventoryAdjustQuantities": adjust_quantities,
    "inventoryActivate": activate,
}
