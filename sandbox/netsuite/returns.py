"""Returns and money back: return authorizations, credit memos, cash refunds, deposits, refunds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .account import Account
from .errors import missing_field, user_error
from .inventory_detail import numbers_moved
from .items import item_record, stock_components
from .pricing import compute_totals, price_lines
from .record_types import KINDS, RecordKind
from .rules_base import RecordRules, TransactionRules, TransformRequest, set_status
from .shipping import receive_return
from .store import StoredRecord
from .sublists import apply_transform_lines, number_lines

ZERO = Decimal(0)
_HEADER_COPIED = ("entity", "currency", "exchangeRate", "otherRefNum", "location", "subsidiary", "memo")


class CreditRules(TransactionRules):
    """Credit memo / cash refund entered directly: returned inventory lines go back on the shelf."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if record.body.get("entity") is None:
            raise missing_field("Customer", "entity")
        number_lines(record.lines("item"))
        price_lines(account, record)
        compute_totals(account, record)
        if creating and record.kind.name == "creditMemo":
            set_status(record, "A")

    def after_create(self, account: Account, record: StoredRecord) -> None:
        _restock(account, record)

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        if source.kind.name == "creditMemo" and target.name == "customerRefund":
            return _refund_credit(account, source, request)
        return RecordRules.transform(self, account, source, target, request)


class ReturnAuthorizationRules(CreditRules):
    """An RMA moves nothing itself: the item receipt restocks, the credit memo/refund pays back."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if creating:
            set_status(record, "B")

    def after_create(self, account: Account, record: StoredRecord) -> None:
        """Nothing moves until the goods are received."""

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        if target.name == "itemReceipt":
            return receive_return(account, source, request)
        if target.name in {"creditMemo", "cashRefund"}:
            return credit_sale(account, source, target, request)
        return RecordRules.transform(self, account, source, target, request)


def authorize_return(account: Account, order: StoredRecord, request: TransformRequest) -> StoredRecord:
    """`salesOrder/{id}/!transform/returnAuthorization`: offer the shipped units back."""
    return credit_sale(account, order, KINDS["returnauthorization"], request)


def credit_sale(
    account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
) -> StoredRecord:
    """Turn a sale (or an RMA) into a return authorization, credit memo or cash refund."""
    body, sublists, replace = request
    defaults = [_returnable(line) for line in source.lines("item") if _returnable(line)["quantity"] > ZERO]
    lines = apply_transform_lines(defaults, sublists.get("item", []), replace)
    if not lines:
        raise user_error("You must enter at least one line item for this transaction.", path="item")
    header = {k: source.body[k] for k in _HEADER_COPIED if k in source.body}
    header.update({k: v for k, v in source.body.items() if k.startswith("custbody")})
    header.update(body)
    header["createdFrom"] = {"id": str(source.id)}
    record = account.store.insert(target, header, {"item": lines})
    TransactionRules().prepare(account, record, creating=True)
    price_lines(account, record)
    compute_totals(account, record)
    for index, line in enumerate(record.lines("item")):
        line["line"] = index + 1
        source_line = next(
            (x for x in source.lines("item") if int(x["line"]) == int(line.get("orderLine", 0))), None
        )
        if source_line is not None:
            source_line["quantityCredited"] = source_line.get("quantityCredited", ZERO) + line["quantity"]
    set_status(record, {"returnAuthorization": "B", "creditMemo": "A"}.get(target.name, "A"))
    if source.kind.name == "returnAuthorization":
        set_status(source, "G")
    else:
        _restock(account, record)
    account.store.saved(source)
    account.store.saved(record)
    return record


def _returnable(line: dict[str, Any]) -> dict[str, Any]:
    shipped = line.get("quantityFulfilled", line.get("quantity", ZERO))
    remaining = min(line.get("quantity", ZERO), shipped) - line.get("quantityCredited", ZERO)
    copied = {k: v for k, v in line.items() if k.startswith("custcol") or k in {"item", "rate", "location"}}
    return {**copied, "orderLine": int(line["line"]), "quantity": remaining}


def _restock(account: Account, record: StoredRecord) -> None:
    """Credit memos and cash refunds (not from an RMA) return inventory lines to their location."""
    if record.kind.name == "returnAuthorization":
        return
    for index, line in enumerate(record.lines("item")):
        item = item_record(account, line["item"], f"item.items[{index}].item")
        components = stock_components(account, item)
        if components and not line.get("location"):
            raise missing_field("Location", f"item.items[{index}].location")
        for component in components:
            units = line["quantity"] * component.per_unit
            member = item_record(account, {"id": str(component.item)}, "item")
            numbers = numbers_moved(account, line, item, member, units, index, incoming=True)
            account.warehouse.receive(
                component.item, int(line["location"]["id"]), units, record.id, "restock", numbers
            )


def _refund_credit(account: Account, memo: StoredRecord, request: TransformRequest) -> StoredRecord:
    body, _sublists, _replace = request
    header: dict[str, Any] = {
        k: memo.body[k] for k in ("entity", "currency", "exchangeRate") if k in memo.body
    }
    header.update(
        {
            "customer": memo.body.get("entity"),
            "createdFrom": {"id": str(memo.id)},
            "total": memo.body.get("total", ZERO),
        }
    )
    header.update(body)
    refund = account.store.insert(
        KINDS["customerrefund"],
        header,
        {"apply": [{"doc": {"id": str(memo.id)}, "apply": True, "amount": memo.body.get("total", ZERO)}]},
    )
    TransactionRules().prepare(account, refund, creating=True)
    set_status(memo, "B")
    account.store.saved(memo)
    account.store.saved(refund)
    return refund


class CustomerDepositRules(TransactionRules):
    """A payment taken before billing; applied to an invoice only by `!transform/depositApplication`."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if record.body.get("customer") is None:
            raise missing_field("Customer", "customer")
        if record.body.get("payment") is None:
            raise missing_field("Payment Amount", "payment")
        if creating:
            set_status(record, "B")

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        if target.name != "depositApplication":
            return RecordRules.transform(self, account, source, target, request)
        body, sublists, _replace = request
        header = {
            "customer": source.body["customer"],
            "deposit": {"id": str(source.id)},
            "createdFrom": {"id": str(source.id)},
            **body,
        }
        application = account.store.insert(target, header, {"apply": list(sublists.get("apply", []))})
        TransactionRules().prepare(account, application, creating=True)
        set_status(source, "C")
        account.store.saved(source)
        account.store.saved(application)
        return application


class CustomerRefundRules(TransactionRules):
    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if record.body.get("customer") is None:
            raise missing_field("Customer", "customer")
