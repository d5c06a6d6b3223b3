"""Reference fields: which field points at which record type, validation, and display names."""

from __future__ import annotations

from typing import Any

from .account import Account
from .errors import invalid_field_value
from .record_types import KINDS, Family
from .store import StoredRecord

# Field name -> the record type (or family) its `{"id": …}` points at. Other dict-valued fields with an
# id (accounts, ship methods, custom list values) are kept as given without validation.
REFERENCE_TARGETS: dict[str, str | Family] = {
    "entity": "customer",
    "customer": "customer",
    "parent": "customer",
    "item": Family.ITEM,
    "discountItem": Family.ITEM,
    "discount": Family.ITEM,
    "location": "location",
    "transferLocation": "location",
    "adjLocation": "location",
    "currency": "currency",
    "baseCurrency": "currency",
    "transactionCurrency": "currency",
    "subsidiary": "subsidiary",
    "createdFrom": Family.TRANSACTION,
    "salesOrder": "salesOrder",
    "promoCode": "promotionCode",
    "authCode": "giftCertificate",
    "issueInventoryNumber": "inventoryNumber",
}

# Select fields whose values are letters, rendered with a display name (reference §5 status codes).
ENUM_NAMES: dict[str, dict[str, str]] = {
    "orderStatus": {
        "A": "Pending Approval",
        "B": "Pending Fulfillment",
        "C": "Cancelled",
        "D": "Partially Fulfilled",
        "E": "Pending Billing/Partially Fulfilled",
        "F": "Pending Billing",
        "G": "Billed",
        "H": "Closed",
    },
    "shipStatus": {"A": "Picked", "B": "Packed", "C": "Shipped"},
}

TRANSACTION_LABELS = {
    "salesOrder": "Sales Order",
    "itemFulfillment": "Item Fulfillment",
    "invoice": "Invoice",
    "cashSale": "Cash Sale",
    "customerDeposit": "Customer Deposit",
    "creditMemo": "Credit Memo",
    "cashRefund": "Cash Refund",
    "customerRefund": "Customer Refund",
    "returnAuthorization": "Return Authorization",
    "inventoryAdjustment": "Inventory Adjustment",
    "inventoryTransfer": "Inventory Transfer",
    "transferOrder": "Transfer Order",
    "itemReceipt": "Item Receipt",
    "depositApplication": "Deposit Application",
}


def resolve_target(account: Account, target: str | Family, ref: dict[str, Any]) -> StoredRecord | None:
    """The record a normalised reference points at, or None."""
    if "id" in ref:
        try:
            record_id = int(str(ref["id"]))
        except ValueError:
            return None
        if isinstance(target, Family):
            return account.store.get_in_family(target, record_id)
        return account.store.get(KINDS[target.lower()], record_id)
    external_id = str(ref.get("externalId"))
    candidates = (
        [r for r in account.store.of_family(target) if r.external_id == external_id]
        if isinstance(target, Family)
        else account.store.find_external(KINDS[target.lower()], external_id)
    )
    return candidates[0] if candidates else None


def normalize_reference(account: Account, field: str, value: Any, path: str) -> Any:
    """Turn `7`, `"7"`, `{"id": "7"}` or `{"externalId": "X"}` into `{"id": "7"}`, checking it exists."""
    target = REFERENCE_TARGETS.get(field)
    if value is None:
        return None
    if field in ENUM_NAMES:
        letter = str(value.get("id")) if isinstance(value, dict) else str(value)
        if letter not in ENUM_NAMES[field]:
            raise invalid_field_value(letter, field, path)
        return {"id": letter}
    if target is None:
        return value
    ref = value if isinstance(value, dict) else {"id": str(value)}
    if "id" not in ref and "externalId" not in ref:
        raise invalid_field_value(value, field, path)
    record = resolve_target(account, target, ref)
    if record is None:
        raise invalid_field_value(ref.get("id", ref.get("externalId")), field, path)
    return {"id": str(record.id)}


def normalize_fields(account: Account, fields: dict[str, Any], path_prefix: str = "") -> dict[str, Any]:
    """Normalise every reference and select field of a body or sublist line."""
    return {
        name: normalize_reference(account, name, value, f"{path_prefix}{name}")
        for name, value in fields.items()
    }


def display_name(account: Account, field: str, ref: dict[str, Any]) -> str | None:
    """NetSuite's `refName` for a reference value."""
    if field in ENUM_NAMES:
        return ENUM_NAMES[field].get(str(ref.get("id")))
    target = REFERENCE_TARGETS.get(field)
    if target is None:
        return None
    record = resolve_target(account, target, ref)
    return record_title(record) if record else None


def record_title(record: StoredRecord) -> str:
    body = record.body
    if record.kind.family is Family.TRANSACTION:
        return (
            f"{TRANSACTION_LABELS.get(record.kind.name, record.kind.name)} #{body.get('tranId', record.id)}"
        )
    if record.kind.family is Family.ENTITY:
        person = " ".join(str(body[k]) for k in ("firstName", "lastName") if body.get(k))
        return str(body.get("entityId") or body.get("companyName") or person or record.id)
    for key in ("itemId", "name", "giftCertCode", "code", "inventoryNumber", "symbol"):
        if body.get(key):
            return str(body[key])
    return str(record.id)
