"""Rules of the non-transaction records: customers, items, locations, currencies, promotions."""

from __future__ import annotations

from .account import Account, to_decimal
from .errors import missing_field, user_error
from .items import validate_members
from .record_types import Family
from .rules_base import RecordRules
from .store import StoredRecord


class CustomerRules(RecordRules):
    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        body = record.body
        if not (body.get("companyName") or body.get("lastName") or body.get("firstName")):
            raise missing_field("Company Name", "companyName")
        body.setdefault("isPerson", bool(body.get("firstName") or body.get("lastName")))
        if not body.get("entityId"):
            person = " ".join(str(body[k]) for k in ("firstName", "lastName") if body.get(k))
            body["entityId"] = body.get("companyName") or person
        body.setdefault("isInactive", False)

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        for transaction in account.store.of_family(Family.TRANSACTION):
            if record.id in (transaction.ref_id("entity"), transaction.ref_id("customer")):
                raise user_error("This record cannot be deleted because it has dependent records.")


class ItemRules(RecordRules):
    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        body = record.body
        if not body.get("itemId"):
            raise missing_field("Item Name/Number", "itemId")
        body.setdefault("displayName", body["itemId"])
        body.setdefault("isInactive", False)
        if record.kind.name == "serializedInventoryItem":
            body["isSerialItem"] = True
        if record.kind.name == "lotNumberedInventoryItem":
            body["isLotItem"] = True
        if body.get("basePrice") is not None:
            body["basePrice"] = to_decimal(body["basePrice"], "basePrice")
        # The locations sublist is NetSuite's read-only view of stock; it is rendered from the warehouse.
        record.sublists.pop("locations", None)
        validate_members(account, record)

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        """An item on any transaction line, kit or group stays (NetSuite: dependent records)."""
        for other in [*account.store.of_family(Family.TRANSACTION), *account.store.of_family(Family.ITEM)]:
            for lines in other.sublists.values():
                if any(
                    isinstance(line.get("item"), dict) and line["item"].get("id") == str(record.id)
                    for line in lines
                ):
                    raise user_error("This record cannot be deleted because it has dependent records.")


class NamedListRules(RecordRules):
    """Locations, subsidiaries, currencies: a name is all they need."""

    def __init__(self, required: str = "name", label: str = "Name") -> None:
        self._required, self._label = required, label

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        if not record.body.get(self._required):
            raise missing_field(self._label, self._required)
        record.body.setdefault("isInactive", False)


class CurrencyRateRules(RecordRules):
    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        for field in ("baseCurrency", "transactionCurrency", "exchangeRate"):
            if record.body.get(field) is None:
                raise missing_field(field, field)
        record.body["exchangeRate"] = to_decimal(record.body["exchangeRate"], "exchangeRate")
        record.body.setdefault("effectiveDate", account.today().isoformat())
