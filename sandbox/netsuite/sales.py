"""Sales order rules: pricing, commitment of stock, status from fulfilment and billing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import billing, returns, shipping
from .account import Account, to_decimal
from .errors import missing_field, user_error
from .items import item_record
from .order_state import NON_COMMITTING, refresh_order_status, sync_demands
from .pricing import compute_totals, price_lines
from .record_types import KINDS, RecordKind
from .rules_base import RecordRules, TransactionRules, TransformRequest, children_of
from .store import StoredRecord
from .sublists import number_lines

ZERO = Decimal(0)


class SalesOrderRules(TransactionRules):
    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if record.body.get("entity") is None:
            raise missing_field("Customer", "entity")
        if not record.lines("item"):
            raise missing_field("Items", "item")
        expand_item_groups(account, record)
        number_lines(record.lines("item"))
        price_lines(account, record)
        for line in record.lines("item"):
            line.setdefault("quantityFulfilled", ZERO)
            line.setdefault("quantityBilled", ZERO)
        if creating:
            _check_gift_certificates(account, record)
        compute_totals(account, record)
        record.body.setdefault("orderStatus", {"id": "B"})

    def after_create(self, account: Account, record: StoredRecord) -> None:
        for redemption in record.lines("giftCertRedemption"):
            certificate = account.record("giftCertificate", int(redemption["authCode"]["id"]))
            applied = to_decimal(redemption.get("authCodeApplied", 0), "authCodeApplied")
            certificate.body["amountRemaining"] = certificate.body["amountRemaining"] - applied
            account.store.saved(certificate)
        sync_demands(account, record)
        refresh_order_status(record)

    def after_update(self, account: Account, record: StoredRecord, before: StoredRecord) -> None:
        if before.body.get("orderStatus", {}).get("id") == "C":
            raise user_error("A cancelled sales order cannot be edited.")
        for line in record.lines("item"):
            if line["quantity"] < line.get("quantityFulfilled", ZERO):
                raise user_error(
                    "The quantity cannot be less than the quantity already fulfilled.",
                    path="item.items.quantity",
                )
        sync_demands(account, record)
        refresh_order_status(record)

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        if children_of(account, record):
            raise user_error("This record cannot be deleted because it has dependent records.")
        record.body["orderStatus"] = {"id": "C"}
        sync_demands(account, record)

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        if source.body.get("orderStatus", {}).get("id") in NON_COMMITTING:
            raise user_error("This sales order is not approved or is closed; it cannot be transformed.")
        if target.name == "itemFulfillment":
            return shipping.fulfill_order(account, source, request)
        if target.name in {"invoice", "cashSale"}:
            return billing.bill_order(account, source, target, request)
        if target.name == "returnAuthorization":
            return returns.authorize_return(account, source, request)
        return RecordRules.transform(self, account, source, target, request)


def expand_item_groups(account: Account, record: StoredRecord) -> None:
    """An item group becomes its members on the order (§5); the group line itself moves nothing."""
    expanded: list[dict[str, Any]] = []
    for index, line in enumerate(record.lines("item")):
        expanded.append(line)
        item = item_record(account, line.get("item"), f"item.items[{index}].item")
        if item.kind.name != "itemGroup" or line.get("groupExpanded"):
            continue
        line["groupExpanded"] = True
        group_qty = to_decimal(line.get("quantity", 1), f"item.items[{index}].quantity")
        for member in item.lines("member"):
            expanded.append(
                {
                    "item": dict(member["item"]),
                    "inGroup": True,
                    "quantity": group_qty * to_decimal(member.get("quantity", 1), "member.quantity"),
                    **({"location": dict(line["location"])} if line.get("location") else {}),
                }
            )
    record.sublists["item"] = expanded


def _check_gift_certificates(account: Account, order: StoredRecord) -> None:
    for index, redemption in enumerate(order.lines("giftCertRedemption")):
        path = f"giftCertRedemption.items[{index}]"
        ref = redemption.get("authCode")
        if not isinstance(ref, dict):
            raise missing_field("Gift Certificate", f"{path}.authCode")
        certificate = account.store.get(KINDS["giftcertificate"], int(ref["id"]))
        applied = to_decimal(redemption.get("authCodeApplied", 0), f"{path}.authCodeApplied")
        if certificate is None or applied > certificate.body.get("amountRemaining", ZERO):
            raise user_error("The gift certificate does not have enough remaining.", path=path)
