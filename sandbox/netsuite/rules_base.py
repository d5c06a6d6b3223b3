"""Per-record-type rules plugged into the generic record service: defaults, checks, side effects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .account import Account
from .errors import invalid_field_value, user_error
from .record_types import KINDS, Family, RecordKind
from .store import StoredRecord

TransformRequest = tuple[dict[str, Any], dict[str, list[dict[str, Any]]], bool]  # body, sublists, replace

STATUS_NAMES: dict[str, dict[str, str]] = {
    "CashSale": {"A": "Unapproved Payment", "B": "Not Deposited", "C": "Deposited"},
    "CustInvc": {"A": "Open", "B": "Paid In Full"},
    "CustCred": {"A": "Open", "B": "Fully Applied"},
    "CustDep": {"A": "Not Deposited", "B": "Deposited", "C": "Fully Applied"},
    "ItemShip": {"A": "Picked", "B": "Packed", "C": "Shipped"},
    "RtnAuth": {
        "A": "Pending Approval",
        "B": "Pending Receipt",
        "D": "Partially Received",
        "F": "Pending Refund",
        "G": "Refunded",
    },
    "TrnfrOrd": {
        "A": "Pending Approval",
        "B": "Pending Fulfillment",
        "D": "Partially Fulfilled",
        "E": "Pending Receipt/Partially Fulfilled",
        "F": "Pending Receipt",
        "G": "Received",
        "H": "Closed",
    },
}


class RecordRules:
    """Default behaviour: a plain record with no side effects."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        """Fill defaults and validate; raise NetSuiteApiError on bad content."""

    def after_create(self, account: Account, record: StoredRecord) -> None:
        """Side effects of a new record (stock, linked records)."""

    def after_update(self, account: Account, record: StoredRecord, before: StoredRecord) -> None:
        """Side effects of a change."""

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        """Refuse or undo before the record goes."""

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        raise user_error(f"You cannot transform a {source.kind.name} into a {target.name}.")


class TransactionRules(RecordRules):
    """Common to all transactions: tranId, tranDate, currency and exchange rate set at creation."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        body = record.body
        if creating:
            body.setdefault("tranId", account.next_tran_id(record.kind))
            body.setdefault("tranDate", account.today().isoformat())
            if body.get("currency") is None:
                base = base_currency(account)
                if base is not None:
                    body["currency"] = {"id": str(base.id)}
            body.setdefault("exchangeRate", exchange_rate(account, record.ref_id("currency")))
        if body.get("tranDate") is not None:
            _check_date(body["tranDate"], "tranDate")


class PostedStockRules(TransactionRules):
    """Stock already moved by this record: its lines are frozen (the emulator does not reverse them)."""

    def after_update(self, account: Account, record: StoredRecord, before: StoredRecord) -> None:
        stock_lines = ("item", "inventory")
        if [record.sublists.get(s) for s in stock_lines] != [before.sublists.get(s) for s in stock_lines]:
            raise user_error(f"The emulator does not edit the lines of a posted {record.kind.name}.")

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        raise user_error(
            f"The emulator does not delete a posted {record.kind.name}; post a reversing transaction instead."
        )


def _check_date(value: Any, field: str) -> None:
    """Date-only fields are `YYYY-MM-DD` and are not shifted between time zones (reference §1.2)."""
    try:
        date.fromisoformat(str(value))
    except ValueError:
        raise invalid_field_value(value, field, field) from None


def set_status(record: StoredRecord, letter: str) -> None:
    code = record.kind.code or ""
    record.body["status"] = {"id": letter, "refName": STATUS_NAMES.get(code, {}).get(letter, letter)}


def base_currency(account: Account) -> StoredRecord | None:
    currencies = account.store.of_kind("currency")
    for currency in currencies:
        if currency.body.get("isBaseCurrency") or currency.body.get("symbol") == account.config.base_currency:
            return currency
    return currencies[0] if currencies else None


def exchange_rate(account: Account, currency_id: int | None) -> Any:
    """The latest rate from `currencyRate` records, else the currency's own rate, else 1."""
    if currency_id is None:
        return Decimal(1)
    rates = [
        r for r in account.store.of_kind("currencyRate") if r.ref_id("transactionCurrency") == currency_id
    ]
    if rates:
        latest = max(rates, key=lambda r: (str(r.body.get("effectiveDate", "")), r.id))
        return Decimal(str(latest.body.get("exchangeRate", 1)))
    currency = account.store.get(KINDS["currency"], currency_id)
    return Decimal(str(currency.body.get("exchangeRate", 1))) if currency else Decimal(1)


def children_of(account: Account, record: StoredRecord) -> list[StoredRecord]:
    """Transactions created from this one (fulfillments, invoices, receipts...)."""
    return [t for t in account.store.of_family(Family.TRANSACTION) if t.ref_id("createdFrom") == record.id]
