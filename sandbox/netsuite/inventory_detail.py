"""Serial and lot numbers on lines: `inventoryDetail.inventoryAssignment.items[]` (reference §5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .account import Account, to_decimal
from .errors import invalid_field_value, user_error
from .items import tracks_numbers
from .record_types import KINDS
from .store import StoredRecord

ZERO = Decimal(0)


def assignments(line: dict[str, Any]) -> list[dict[str, Any]]:
    detail = line.get("inventoryDetail") or {}
    return list((detail.get("inventoryAssignment") or {}).get("items") or [])


def issued_numbers(account: Account, line: dict[str, Any], path: str) -> dict[str, Decimal]:
    """Serial/lot texts (and quantities) a line takes out of stock via `issueInventoryNumber`."""
    numbers: dict[str, Decimal] = {}
    for index, assignment in enumerate(assignments(line)):
        where = f"{path}.inventoryDetail.inventoryAssignment.items[{index}]"
        ref = assignment.get("issueInventoryNumber")
        if ref is None:
            raise user_error("Select an existing serial/lot number with issueInventoryNumber.", path=where)
        text = number_text(account, ref, f"{where}.issueInventoryNumber")
        numbers[text] = numbers.get(text, ZERO) + to_decimal(
            assignment.get("quantity", 1), f"{where}.quantity"
        )
    return numbers


def received_numbers(line: dict[str, Any], path: str) -> dict[str, Decimal]:
    """Serial/lot texts a line brings into stock via `receiptInventoryNumber` (a plain string)."""
    numbers: dict[str, Decimal] = {}
    for index, assignment in enumerate(assignments(line)):
        where = f"{path}.inventoryDetail.inventoryAssignment.items[{index}]"
        text = assignment.get("receiptInventoryNumber")
        if not isinstance(text, str) or not text:
            raise user_error("Enter the new serial/lot number in receiptInventoryNumber.", path=where)
        numbers[text] = numbers.get(text, ZERO) + to_decimal(
            assignment.get("quantity", 1), f"{where}.quantity"
        )
    return numbers


def number_text(account: Account, ref: Any, path: str) -> str:
    if isinstance(ref, str) and not ref.isdigit():
        return ref
    record_id = int(ref["id"]) if isinstance(ref, dict) else int(ref)
    record = account.store.get(KINDS["inventorynumber"], record_id)
    if record is None:
        raise invalid_field_value(record_id, "issueInventoryNumber", path)
    return str(record.body["inventoryNumber"])


def number_id(account: Account, item: int, text: str) -> int:
    """The system-made inventoryNumber record for a serial/lot (created on first receipt)."""
    existing = account.inventory_numbers.get((item, text))
    if existing is not None:
        return existing
    record = account.store.insert(
        KINDS["inventorynumber"], {"inventoryNumber": text, "item": {"id": str(item)}}
    )
    account.inventory_numbers[(item, text)] = record.id
    return record.id


def record_assignment(
    account: Account, line: dict[str, Any], item: int, numbers: dict[str, Decimal], issued: bool
) -> None:
    """Store the normalised detail on the line, as GET and SuiteQL's inventoryassignment show it."""
    key = "issueInventoryNumber" if issued else "receiptInventoryNumber"
    line["inventoryDetail"] = {
        "quantity": sum(numbers.values(), ZERO),
        "inventoryAssignment": {
            "items": [
                {
                    key: {"id": str(number_id(account, item, text))} if issued else text,
                    "inventoryNumberId": number_id(account, item, text),
                    "quantity": count,
                }
                for text, count in numbers.items()
            ]
        },
    }


def require_detail(item: StoredRecord, numbers: dict[str, Decimal], line_number: int, qty: Decimal) -> None:
    if not numbers:
        raise user_error(
            f"Please configure the inventory detail in line {line_number} of the item list.",
            path=f"item.items[{line_number - 1}].inventoryDetail",
        )
    if sum(numbers.values(), ZERO) != qty:
        raise user_error(
            "The total inventory detail quantity must be equal to the line quantity.",
            path=f"item.items[{line_number - 1}].inventoryDetail",
        )
    if item.kind.name == "serializedInventoryItem" and any(count != 1 for count in numbers.values()):
        raise user_error("Each serial number can only have a quantity of 1.")


def numbers_moved(
    account: Account,
    line: dict[str, Any],
    line_item: StoredRecord,
    moved_item: StoredRecord,
    qty: Decimal,
    index: int,
    incoming: bool,
) -> dict[str, Decimal]:
    """The serial/lot numbers a line moves for `moved_item` ({} when it is not tracked).

    The line's own tracked item needs inventory detail, as in NetSuite. A kit's tracked member is
    picked oldest-first on the way out (the emulator does not take per-member detail).
    """
    if not tracks_numbers(moved_item):
        return {}
    if moved_item.id != line_item.id:
        if incoming:
            raise user_error("The emulator does not return kits with serial/lot-numbered members.")
        location = int(line["location"]["id"])
        return account.warehouse.pick_numbers(moved_item.id, location, qty)
    path = f"item.items[{index}]"
    # Transfers bring back the numbers that left (issueInventoryNumber); receipts may name new ones.
    existing = any("issueInventoryNumber" in a for a in assignments(line))
    numbers = (
        issued_numbers(account, line, path) if existing or not incoming else received_numbers(line, path)
    )
    require_detail(moved_item, numbers, index + 1, qty)
    record_assignment(account, line, moved_item.id, numbers, issued=not incoming)
    return numbers
