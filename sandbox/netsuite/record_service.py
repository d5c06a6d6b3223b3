"""The REST record service's operations on the account, independent of HTTP."""

from __future__ import annotations

from typing import Any

from .account import Account
from .errors import NetSuiteApiError, record_not_found, user_error
from .order_state import refresh_line_commitments
from .record_types import STOCKED_ITEM_KINDS, TRANSFORMS, Family, RecordKind, kind_named
from .references import normalize_fields, normalize_reference
from .rules import rules_for
from .store import RecordStore, StoredRecord, snapshot
from .sublists import merge_sublist
from .transfer_state import sync_transfer_demands

# Fields NetSuite computes; a client echoing a GET back must not be able to set them.
_READ_ONLY = {
    "id",
    "links",
    "createdDate",
    "lastModifiedDate",
    "refName",
    "status",
    "subtotal",
    "total",
    "discountTotal",
    "giftCertApplied",
}
_READ_ONLY_LINE = {
    "links",
    "itemType",
    "quantityFulfilled",
    "quantityBilled",
    "quantityCommitted",
    "quantityBackOrdered",
    "quantityReceived",
    "quantityCredited",
    "quantityOnOrder",
    "inventoryNumberId",
    "groupExpanded",
}


def parse_body(
    account: Account, kind: RecordKind, payload: Any
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Split a request body into body fields and sublist lines, normalising every reference."""
    if not isinstance(payload, dict):
        raise NetSuiteApiError(400, "INVALID_CONTENT", "The request body must be a JSON object.")
    body: dict[str, Any] = {}
    sublists: dict[str, list[dict[str, Any]]] = {}
    for name, value in payload.items():
        if name in _READ_ONLY:
            continue
        if name in kind.sublists or (isinstance(value, dict) and "items" in value):
            if isinstance(value, dict) and "items" not in value:
                continue  # `{"links": [...]}` echoed from a GET: the sublist is not being written
            sublists[name] = _parse_lines(account, name, value)
        else:
            body[name] = normalize_reference(account, name, value, name)
    return body, sublists


def _parse_lines(account: Account, name: str, value: Any) -> list[dict[str, Any]]:
    items = value.get("items") if isinstance(value, dict) else None
    if not isinstance(items, list) or not all(isinstance(line, dict) for line in items):
        raise NetSuiteApiError(
            400, "INVALID_CONTENT", f'The sublist {name} must be written as {{"items": [...]}}.', path=name
        )
    return [
        normalize_fields(
            account, {k: v for k, v in line.items() if k not in _READ_ONLY_LINE}, f"{name}.items[{i}]."
        )
        for i, line in enumerate(items)
    ]


class RecordService:
    """Create, read, update, upsert, delete and transform records the way NetSuite does."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def find(self, kind: RecordKind, id_text: str, store: RecordStore | None = None) -> StoredRecord:
        """An id slot takes a number or `eid:{externalId}` (reference §1.1)."""
        store = store or self.account.store
        if id_text.startswith("eid:"):
            matches = store.find_external(kind, id_text[4:])
            if not matches:
                raise record_not_found()
            return matches[0]
        if not id_text.isdigit():
            raise record_not_found()
        record = store.get(kind, int(id_text))
        if record is None:
            raise record_not_found()
        return record

    def create(self, type_name: str, payload: Any) -> StoredRecord:
        kind = kind_named(type_name)
        if not kind.creatable:
            raise user_error(f"A {kind.name} cannot be created directly; transform its source record.")
        body, sublists = parse_body(self.account, kind, payload)
        return self._insert(kind, body, sublists)

    def update(self, type_name: str, id_text: str, payload: Any, replace: frozenset[str]) -> StoredRecord:
        kind = kind_named(type_name)
        record = self.find(kind, id_text)
        body, sublists = parse_body(self.account, kind, payload)
        self._check_external_id(kind, body.get("externalId"), record)
        before = snapshot(record)
        with self.account.atomic(record):
            for name, value in body.items():
                if value is None:
                    record.body.pop(name, None)  # PATCH with null clears the field (§1.2)
                else:
                    record.body[name] = value
            for name, lines in sublists.items():
                record.sublists[name] = merge_sublist(record.lines(name), lines, name in replace, name)
            for name in replace - set(sublists):
                record.sublists[name] = []
            rules = rules_for(kind)
            rules.prepare(self.account, record, creating=False)
            rules.after_update(self.account, record, before)
            self.account.store.saved(record)
        self._settle()
        return record

    def upsert(self, type_name: str, id_text: str, payload: Any, replace: frozenset[str]) -> StoredRecord:
        """PUT works only with an `eid:` URL: update when present, create when absent."""
        kind = kind_named(type_name)
        if not id_text.startswith("eid:"):
            raise NetSuiteApiError(
                400,
                "INVALID_PARAMETER",
                "The PUT method is supported only with an external ID (eid:) in the URL.",
            )
        external_id = id_text[4:]
        if self.account.store.find_external(kind, external_id):
            return self.update(type_name, id_text, payload, replace)
        if not kind.creatable:
            raise user_error(f"A {kind.name} cannot be created directly; transform its source record.")
        body, sublists = parse_body(self.account, kind, payload)
        body["externalId"] = external_id
        return self._insert(kind, body, sublists)

    def delete(self, type_name: str, id_text: str) -> None:
        kind = kind_named(type_name)
        record = self.find(kind, id_text)
        with self.account.atomic(record):
            rules_for(kind).before_delete(self.account, record)
            self.account.store.delete(record)
        self._settle()

    def transform(
        self, type_name: str, id_text: str, target_name: str, payload: Any, replace: frozenset[str]
    ) -> StoredRecord:
        kind = kind_named(type_name)
        target = kind_named(target_name)
        source = self.find(kind, id_text)
        if target.name not in TRANSFORMS.get(kind.name, frozenset()):
            raise user_error(f"You cannot transform a {kind.name} into a {target.name}.")
        body, sublists = parse_body(self.account, target, payload or {})
        self._check_external_id(target, body.get("externalId"), None)
        with self.account.atomic(source):
            record = rules_for(kind).transform(self.account, source, target, (body, sublists, bool(replace)))
        self._settle()
        return record

    def stock_locations(self, item: StoredRecord) -> list[dict[str, Any]]:
        """The read-only `locations` sublist of an inventory item, straight from the warehouse."""
        if item.kind.name not in STOCKED_ITEM_KINDS:
            return []
        lines = []
        for location in self.account.store.of_kind("location"):
            level = self.account.warehouse.level(item.id, location.id)
            lines.append(
                {
                    "line": location.id,
                    "location": {"id": str(location.id)},
                    "quantityOnHand": level.on_hand,
                    "quantityAvailable": level.available,
                    "quantityCommitted": level.committed,
                    "quantityOnOrder": level.on_order,
                    "quantityBackOrdered": level.backordered,
                    "quantityInTransit": level.in_transit,
                }
            )
        return lines

    def _insert(
        self, kind: RecordKind, body: dict[str, Any], sublists: dict[str, list[dict[str, Any]]]
    ) -> StoredRecord:
        self._check_external_id(kind, body.get("externalId"), None)
        rules = rules_for(kind)
        with self.account.atomic():
            record = self.account.store.insert(kind, body, sublists)
            rules.prepare(self.account, record, creating=True)
            rules.after_create(self.account, record)
            self.account.store.saved(record)
        self._settle()
        return record

    def _settle(self) -> None:
        """Stock that arrived was committed to waiting orders: show it on their lines too."""
        warehouse = self.account.warehouse
        for transaction_id in sorted(warehouse.reallocated):
            record = self.account.store.get_in_family(Family.TRANSACTION, transaction_id)
            if record is not None and record.kind.name == "salesOrder":
                refresh_line_commitments(self.account, record)
            elif record is not None and record.kind.name == "transferOrder":
                sync_transfer_demands(self.account, record)
        warehouse.reallocated.clear()

    def _check_external_id(self, kind: RecordKind, external_id: Any, owner: StoredRecord | None) -> None:
        if external_id is None or self.account.config.duplicate_external_id == "allow":
            return
        clash = [r for r in self.account.store.find_external(kind, str(external_id)) if r is not owner]
        if clash:
            # The REST code for this case is unverified (reference §1.5); USER_ERROR is what SOAP-era
            # integrations report for "a record with this external ID already exists".
            raise user_error(
                f"A {kind.name} with the external ID {external_id} already exists.", path="externalId"
            )
