"""Item records: what an item is for stock purposes, and validation of kit/group members."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .account import Account, to_decimal
from .errors import invalid_field_value, user_error
from .record_types import STOCKED_ITEM_KINDS, Family
from .store import StoredRecord


@dataclass(frozen=True)
class StockComponent:
    """One stocked item moved when a line moves: itself, or a kit's member."""

    item: int
    per_unit: Decimal


def item_record(account: Account, item_ref: object, path: str) -> StoredRecord:
    if not isinstance(item_ref, dict) or "id" not in item_ref:
        raise user_error("Please enter value(s) for: Item", path=path)
    record = account.store.get_in_family(Family.ITEM, int(item_ref["id"]))
    if record is None:
        raise invalid_field_value(item_ref.get("id"), "item", path)
    return record


def is_stocked(item: StoredRecord) -> bool:
    return item.kind.name in STOCKED_ITEM_KINDS


def tracks_numbers(item: StoredRecord) -> bool:
    """Serialized and lot-numbered items need inventory detail when stock moves."""
    return item.kind.name in {"serializedInventoryItem", "lotNumberedInventoryItem"} or bool(
        item.body.get("isSerialItem") or item.body.get("isLotItem")
    )


def stock_components(account: Account, item: StoredRecord) -> list[StockComponent]:
    """What leaves the shelf when one unit of `item` is sold: a kit takes its members (§5)."""
    if is_stocked(item):
        return [StockComponent(item.id, Decimal(1))]
    if item.kind.name != "kitItem":
        return []
    components: list[StockComponent] = []
    for member in item.lines("member"):
        member_item = item_record(account, member.get("item"), "member.items.item")
        per_unit = to_decimal(member.get("quantity", 1), "member.items.quantity")
        components += [
            StockComponent(c.item, c.per_unit * per_unit) for c in stock_components(account, member_item)
        ]
    return components


def validate_members(account: Account, item: StoredRecord) -> None:
    """Kits and groups need members, and members must be real items."""
    if item.kind.name not in {"kitItem", "itemGroup"}:
        return
    members = item.lines("member")
    if not members:
        raise user_error("Please enter value(s) for: Members", path="member")
    for index, member in enumerate(members):
        path = f"member.items[{index}].item"
        member_item = item_record(account, member.get("item"), path)
        if member_item.id == item.id:
            raise invalid_field_value(member_item.id, "item", path)
        member["quantity"] = to_decimal(member.get("quantity", 1), f"member.items[{index}].quantity")


def base_price(item: StoredRecord) -> Decimal:
    for key in ("basePrice", "rate", "price"):
        value = item.body.get(key)
        if value is not None and not (isinstance(value, str) and value.endswith("%")):
            return Decimal(str(value))
    return Decimal(0)
