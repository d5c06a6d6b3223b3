"""Inventory arithmetic, with no I/O: quantity writes (set/adjust with compare-and-set) and stock movements.

The rules follow Shopify 2026-04 [reference §2]: `on_hand` is the sum of the on-hand states, writes are
atomic per call, `changeFromQuantity` is a compare-and-set on the value before the write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .model import InventoryLevel
from .user_errors import UserError

SETTABLE_NAMES = ("available", "on_hand")
ADJUSTABLE_NAMES = ("available", "damaged", "incoming", "quality_control", "reserved", "safety_stock")
REASONS = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)
MAX_QUANTITY = 1_000_000_000
MAX_ADJUST_DELTA = 2_000_000_000
# States whose change also moves on_hand; `incoming` sits outside on_hand [reference §2.1].
_ON_HAND_STATES = ("available", "damaged", "quality_control", "reserved", "safety_stock")


@dataclass(frozen=True)
class QuantityRow:
    """One row of a set/adjust call, ids already resolved (None when the GID did not resolve)."""

    item_id: int | None
    location_id: int | None
    value: int  # the new quantity (set) or the delta (adjust)
    change_from: int | None
    ledger_document: str | None = None


@dataclass(frozen=True)
class QuantityChange:
    """One `changes` row of an InventoryAdjustmentGroup, plus the before/after the ground-truth log keeps."""

    level: InventoryLevel
    name: str
    delta: int
    before: int
    after: int


@dataclass(frozen=True)
class InventoryScope:
    """What the shop knows: item ids, location ids and the stocked levels."""

    item_ids: frozenset[int]
    location_ids: frozenset[int]
    levels: Mapping[tuple[int, int], InventoryLevel]


def _row_errors(rows: list[QuantityRow], scope: InventoryScope, list_field: str) -> list[UserError]:
    errors: list[UserError] = []
    seen: set[tuple[int, int]] = set()
    for index, row in enumerate(rows):
        path = ["input", list_field, str(index)]
        if row.item_id is None or row.item_id not in scope.item_ids:
            errors.append(
                UserError(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            )
            continue
        if row.location_id is None or row.location_id not in scope.location_ids:
            errors.append(
                UserError(
                    [*path, "locationId"], "The specified location could not be found.", "INVALID_LOCATION"
                )
            )
            continue
        pair = (row.item_id, row.location_id)
        if pair in seen:
            errors.append(
                UserError(
                    [*path],
                    "The combination of inventoryItemId and locationId must be unique.",
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                )
            )
        seen.add(pair)
        if pair not in scope.levels:
            errors.append(
                UserError(
                    [*path, "locationId"],
                    "The specified inventory item is not stocked at the location.",
                    "ITEM_NOT_STOCKED_AT_LOCATION",
                )
            )
    return errors


def _reason_errors(reason: str, reference_document: str | None) -> list[UserError]:
    errors = []
    if reason not in REASONS:
        errors.append(
            UserError(
                ["input", "reason"],
                "The quantity couldn't be updated because the reason is invalid. Valid values are: "
                + ", ".join(REASONS)
                + ".",
                "INVALID_REASON",
            )
        )
    if reference_document is not None and ":" not in reference_document:
        errors.append(
            UserError(
                ["input", "referenceDocumentUri"],
                "The reference document URI is invalid.",
                "INVALID_REFERENCE_DOCUMENT",
            )
        )
    return errors


def _stale(path: list[str], current: int) -> UserError:
    return UserError(
        [*path, "changeFromQuantity"],
        f"The specified changeFromQuantity is stale: the current quantity is {current}.",
        "CHANGE_FROM_QUANTITY_STALE",
    )


def plan_set(
    name: str, reason: str, reference_document: str | None, rows: list[QuantityRow], scope: InventoryScope
) -> tuple[list[UserError], list[tuple[InventoryLevel, int]]]:
    """Validate an inventorySetQuantities call; returns errors, or (level, delta on `available`) per row."""
    errors = _reason_errors(reason, reference_document)
    if name not in SETTABLE_NAMES:
        errors.append(
            UserError(
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
                "INVALID_NAME",
            )
        )
    errors += _row_errors(rows, scope, "quantities")
    if errors:
        return errors, []
    plan: list[tuple[InventoryLevel, int]] = []
    for index, row in enumerate(rows):
        path = ["input", "quantities", str(index)]
        level = scope.levels[(row.item_id, row.location_id)]  # type: ignore[index]
        current = level.quantity(name)
        if row.value > MAX_QUANTITY:
            errors.append(
                UserError(
                    [*path, "quantity"],
                    "The quantity can't be higher than 1,000,000,000.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
        elif name == "available" and row.value < -MAX_QUANTITY:
            errors.append(
                UserError(
                    [*path, "quantity"],
                    "The quantity can't be lower than -1,000,000,000.",
                    "INVALID_QUANTITY_TOO_LOW",
                )
            )
        elif name == "on_hand" and row.value < 0:
            errors.append(
                UserError([*path, "quantity"], "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE")
            )
        elif row.change_from is not None and row.change_from != current:
            errors.append(_stale(path, current))
        else:
            # Setting on_hand moves available by the same delta: the other states are not touched.
            plan.append((level, row.value - current))
    return (errors, []) if errors else ([], plan)


def _ledger_errors(name: str, rows: list[QuantityRow]) -> list[UserError]:
    errors = []
    documents = {row.ledger_document for row in rows if row.ledger_document}
    for index, row in enumerate(rows):
        path = ["input", "changes", str(index), "ledgerDocumentUri"]
        if name == "available" and row.ledger_document:
            errors.append(
                UserError(
                    path,
                    "A ledger document URI is not allowed when adjusting available.",
                    "INVALID_AVAILABLE_DOCUMENT",
                )
            )
        elif name != "available" and not row.ledger_document:
            errors.append(
                UserError(
                    path,
                    "A ledger document URI is required for this quantity name.",
                    "INVALID_QUANTITY_DOCUMENT",
                )
            )
        elif row.ledger_document and row.ledger_document.startswith("gid://shopify/"):
            errors.append(
                UserError(
                    path, "The ledger document URI can't be a Shopify resource.", "INTERNAL_LEDGER_DOCUMENT"
                )
            )
    if len(documents) > 1:
        errors.append(
            UserError(
                ["input", "changes"],
                "Only one ledger document URI is allowed per call.",
                "MAX_ONE_LEDGER_DOCUMENT",
            )
        )
    return errors


def plan_adjust(
    name: str, reason: str, reference_document: str | None, rows: list[QuantityRow], scope: InventoryScope
) -> tuple[list[UserError], list[tuple[InventoryLevel, int]]]:
    """Validate an inventoryAdjustQuantities call; returns errors, or (level, delta on `name`) per row."""
    errors = _reason_errors(reason, reference_document)
    if name not in ADJUSTABLE_NAMES:
        errors.append(
            UserError(
                ["input", "name"], f"The quantity name '{name}' can't be adjusted.", "INVALID_QUANTITY_NAME"
            )
        )
        return errors, []
    errors += _row_errors(rows, scope, "changes") + _ledger_errors(name, rows)
    if errors:
        return errors, []
    plan: list[tuple[InventoryLevel, int]] = []
    for index, row in enumerate(rows):
        path = ["input", "changes", str(index)]
        level = scope.levels[(row.item_id, row.location_id)]  # type: ignore[index]
        current = level.quantity(name)
        if abs(row.value) > MAX_ADJUST_DELTA:
            code = "INVALID_QUANTITY_TOO_HIGH" if row.value > 0 else "INVALID_QUANTITY_TOO_LOW"
            errors.append(UserError([*path, "delta"], "The delta is out of bounds.", code))
        elif row.change_from is not None and row.change_from != current:
            errors.append(_stale(path, current))
        else:
            plan.append((level, row.value))
    return (errors, []) if errors else ([], plan)


def apply_delta(level: InventoryLevel, name: str, delta: int, now: datetime) -> list[QuantityChange]:
    """Move one stored state by delta; returns the changes rows incl. the mirrored on_hand row."""
    before = level.quantities[name]
    on_hand_before = level.on_hand
    level.quantities[name] = before + delta
    level.updated_at = now
    changes = [QuantityChange(level, name, delta, before, before + delta)]
    if name in _ON_HAND_STATES:
        changes.append(QuantityChange(level, "on_hand", delta, on_hand_before, level.on_hand))
    return changes


def move(level: InventoryLevel, source: str, target: str | None, quantity: int, now: datetime) -> None:
    """Move units between states at one level; target None means the units leave the building."""
    level.quantities[source] -= quantity
    if target is not None:
        level.quantities[target] += quantity
    level.updated_at = now


# The stock movements orders, holds, fulfillments and refunds cause [reference §2.1, §7].
def commit_for_order(level: InventoryLevel, quantity: int, now: datetime) -> None:
    move(level, "available", "committed", quantity, now)


def release_commitment(level: InventoryLevel, quantity: int, now: datetime) -> None:
    move(level, "committed", "available", quantity, now)


def ship_committed(level: InventoryLevel, quantity: int, now: datetime) -> None:
    move(level, "committed", None, quantity, now)


def sell_carry_out(level: InventoryLevel, quantity: int, now: datetime) -> None:
    """A POS carry-out sale leaves on_hand at once, with no lasting committed phase."""
    move(level, "available", None, quantity, now)


def restock_returned(level: InventoryLevel, quantity: int, now: datetime) -> None:
    level.quantities["available"] += quantity
    level.updated_at = now


def hold_for_checkout(level: InventoryLevel, quantity: int, now: datetime) -> None:
    move(level, "available", "reserved", quantity, now)


def release_hold(level: InventoryLevel, quantity: int, now: datetime) -> None:
    move(level, "reserved", "available", quantity, now)


def convert_hold_to_order(level: InventoryLevel, quantity: int, now: datetime) -> None:
    move(level, "reserved", "committed", quantity, now)
