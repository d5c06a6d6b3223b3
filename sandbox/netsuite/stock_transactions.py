"""Inventory adjustments, one-step inventory transfers and transfer orders (reference §6)."""

from __future__ import annotations

from decimal import Decimal

from .account import Account, to_decimal
from .errors import missing_field, user_error
from .inventory_detail import issued_numbers, received_numbers, record_assignment, require_detail
from .items import is_stocked, item_record, tracks_numbers
from .record_types import RecordKind
from .rules_base import PostedStockRules, RecordRules, TransactionRules, TransformRequest, set_status
from .shipping import fulfill_transfer, receive_transfer
from .store import StoredRecord
from .sublists import number_lines
from .transfer_state import refresh_transfer, sync_transfer_demands

ZERO = Decimal(0)


class InventoryAdjustmentRules(PostedStockRules):
    """`adjustQtyBy` is a signed delta; the header has `adjLocation`, the lines `location`."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if creating and not record.lines("inventory"):
            raise missing_field("Adjustments", "inventory")
        number_lines(record.lines("inventory"))

    def after_create(self, account: Account, record: StoredRecord) -> None:
        for index, line in enumerate(record.lines("inventory")):
            path = f"inventory.items[{index}]"
            item = _stocked_item(account, line, path)
            location = line.get("location") or record.body.get("adjLocation")
            if location is None:
                raise missing_field("Location", f"{path}.location")
            line["location"] = dict(location)
            delta = to_decimal(line.get("adjustQtyBy"), f"{path}.adjustQtyBy")
            line["adjustQtyBy"] = delta
            if delta > ZERO:
                numbers = received_numbers(line, path) if tracks_numbers(item) else {}
                _check_numbers(account, item, line, numbers, delta, issued=False)
                account.warehouse.receive(
                    item.id, int(location["id"]), delta, record.id, "adjustment", numbers
                )
            elif delta < ZERO:
                numbers = issued_numbers(account, line, path) if tracks_numbers(item) else {}
                _check_numbers(account, item, line, numbers, -delta, issued=True)
                account.warehouse.issue(
                    item.id, int(location["id"]), -delta, record.id, "adjustment", numbers
                )


class InventoryTransferRules(PostedStockRules):
    """One step, no in-transit: stock leaves `location` and lands in `transferLocation` at once."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        for field, label in (("location", "From Location"), ("transferLocation", "To Location")):
            if record.body.get(field) is None:
                raise missing_field(label, field)
        if creating and not record.lines("inventory"):
            raise missing_field("Items", "inventory")
        number_lines(record.lines("inventory"))

    def after_create(self, account: Account, record: StoredRecord) -> None:
        source, destination = record.ref_id("location"), record.ref_id("transferLocation")
        assert source is not None and destination is not None
        for index, line in enumerate(record.lines("inventory")):
            path = f"inventory.items[{index}]"
            item = _stocked_item(account, line, path)
            qty = to_decimal(line.get("adjustQtyBy"), f"{path}.adjustQtyBy")
            if qty <= ZERO:
                raise user_error("The quantity to transfer must be positive.", path=f"{path}.adjustQtyBy")
            numbers = issued_numbers(account, line, path) if tracks_numbers(item) else {}
            _check_numbers(account, item, line, numbers, qty, issued=True)
            account.warehouse.issue(item.id, source, qty, record.id, "transfer_out", numbers)
            account.warehouse.receive(item.id, destination, qty, record.id, "transfer_in", numbers)


class TransferOrderRules(TransactionRules):
    """Approval commits at the source and raises on-order at the destination (reference §6)."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        for field, label in (("location", "From Location"), ("transferLocation", "To Location")):
            if record.body.get(field) is None:
                raise missing_field(label, field)
        if record.body["location"] == record.body["transferLocation"]:
            raise user_error("The from and to locations must differ.", path="transferLocation")
        if not record.lines("item"):
            raise missing_field("Items", "item")
        number_lines(record.lines("item"))
        for index, line in enumerate(record.lines("item")):
            _stocked_item(account, line, f"item.items[{index}]")
            line["quantity"] = to_decimal(line.get("quantity", 1), f"item.items[{index}].quantity")
            line["location"] = dict(record.body["location"])
            line.setdefault("quantityFulfilled", ZERO)
            line.setdefault("quantityReceived", ZERO)
        if creating:
            set_status(record, str(record.body.pop("orderStatus", {}).get("id", "B")))

    def after_create(self, account: Account, record: StoredRecord) -> None:
        sync_transfer_demands(account, record)
        refresh_transfer(account, record)

    def after_update(self, account: Account, record: StoredRecord, before: StoredRecord) -> None:
        if (
            record.body["location"] != before.body["location"]
            or record.body["transferLocation"] != before.body["transferLocation"]
        ):
            raise user_error("The emulator does not move a transfer order between locations.")
        sync_transfer_demands(account, record)
        refresh_transfer(account, record)

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        if any(line.get("quantityFulfilled", ZERO) > ZERO for line in record.lines("item")):
            raise user_error("This record cannot be deleted because it has dependent records.")
        set_status(record, "H")
        sync_transfer_demands(account, record)

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        if source.body["status"]["id"] in {"A", "C", "H"}:
            raise user_error("This transfer order is not approved or is closed.")
        if target.name == "itemFulfillment":
            return fulfill_transfer(account, source, request)
        if target.name == "itemReceipt":
            return receive_transfer(account, source, request)
        return RecordRules.transform(self, account, source, target, request)


def _stocked_item(account: Account, line: dict[str, object], path: str) -> StoredRecord:
    item = item_record(account, line.get("item"), f"{path}.item")
    if not is_stocked(item):
        raise user_error(
            f"The item {item.body.get('itemId', item.id)} is not an inventory item.", path=f"{path}.item"
        )
    return item


def _check_numbers(
    account: Account,
    item: StoredRecord,
    line: dict[str, object],
    numbers: dict[str, Decimal],
    qty: Decimal,
    issued: bool,
) -> None:
    if not tracks_numbers(item):
        return
    require_detail(item, numbers, int(str(line.get("line", 1))), qty)
    record_assignment(account, line, item.id, numbers, issued=issued)
