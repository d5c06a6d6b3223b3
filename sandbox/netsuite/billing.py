"""Invoices and cash sales: billing a sales order, or a standalone sale (POS), and gift certificates."""

from __future__ import annotations

import secrets
import string
from decimal import Decimal
from typing import Any

from . import returns
from .account import Account, to_decimal
from .errors import missing_field, user_error
from .inventory_detail import numbers_moved
from .items import item_record, stock_components
from .order_state import SHIPPABLE_TYPES, refresh_order_status, sync_demands
from .pricing import compute_totals, price_lines
from .record_types import KINDS, RecordKind
from .rules_base import RecordRules, TransactionRules, TransformRequest, set_status
from .store import StoredRecord
from .sublists import apply_transform_lines, number_lines

ZERO = Decimal(0)
_COPIED_FROM_ORDER = ("entity", "currency", "exchangeRate", "otherRefNum", "location", "memo", "subsidiary")


class BillingRules(TransactionRules):
    """Invoice / cash sale created directly: a sale with no order, so it ships its stock itself."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        if record.body.get("entity") is None:
            raise missing_field("Customer", "entity")
        if not record.lines("item"):
            raise missing_field("Items", "item")
        number_lines(record.lines("item"))
        price_lines(account, record)
        compute_totals(account, record)
        if creating:
            set_status(record, "B" if record.kind.name == "cashSale" else "A")

    def after_create(self, account: Account, record: StoredRecord) -> None:
        for index, line in enumerate(record.lines("item")):
            item = item_record(account, line["item"], f"item.items[{index}].item")
            components = stock_components(account, item)
            if components and not line.get("location"):
                raise missing_field("Location", f"item.items[{index}].location")
            for component in components:
                units = line["quantity"] * component.per_unit
                member = item_record(account, {"id": str(component.item)}, "item")
                numbers = numbers_moved(account, line, item, member, units, index, incoming=False)
                account.warehouse.issue(
                    component.item, int(line["location"]["id"]), units, record.id, "sale", numbers
                )
        issue_gift_certificates(account, record)

    def after_update(self, account: Account, record: StoredRecord, before: StoredRecord) -> None:
        if [_line_key(x) for x in record.lines("item")] != [_line_key(x) for x in before.lines("item")]:
            raise user_error(f"The emulator does not edit the lines of a posted {record.kind.name}.")

    def before_delete(self, account: Account, record: StoredRecord) -> None:
        raise user_error(f"The emulator does not delete a posted {record.kind.name}.")

    def transform(
        self, account: Account, source: StoredRecord, target: RecordKind, request: TransformRequest
    ) -> StoredRecord:
        if target.name in {"creditMemo", "cashRefund", "returnAuthorization"}:
            return returns.credit_sale(account, source, target, request)
        return RecordRules.transform(self, account, source, target, request)


def _line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    return (line.get("item", {}).get("id"), line.get("quantity"), line.get("rate"))


def bill_order(
    account: Account, order: StoredRecord, target: RecordKind, request: TransformRequest
) -> StoredRecord:
    """Bill what an order has not billed yet: an invoice bills shipped units, a cash sale ships the rest."""
    body, sublists, replace = request
    defaults = _unbilled_lines(order, ship_on_bill=target.name == "cashSale")
    lines = apply_transform_lines(defaults, sublists.get("item", []), replace)
    if not lines:
        raise user_error("You must enter at least one line item for this transaction.", path="item")
    first_bill = all(line.get("quantityBilled", ZERO) == ZERO for line in order.lines("item"))
    header = {k: order.body[k] for k in _COPIED_FROM_ORDER if k in order.body}
    header.update({k: v for k, v in order.body.items() if k.startswith("custbody")})
    if first_bill:
        header.update(
            {k: order.body[k] for k in ("shippingCost", "discountRate", "discountItem") if k in order.body}
        )
    header.update(body)
    header["createdFrom"] = {"id": str(order.id)}
    record = account.store.insert(target, header, {"item": lines})
    TransactionRules().prepare(account, record, creating=True)
    price_lines(account, record)
    compute_totals(account, record)
    set_status(record, "B" if target.name == "cashSale" else "A")
    _post_bill(account, order, record)
    account.store.saved(record)
    return record


def _unbilled_lines(order: StoredRecord, ship_on_bill: bool) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for line in order.lines("item"):
        code = line.get("itemType", {}).get("id")
        if code == "Group":
            continue
        billable = line["quantity"] - line.get("quantityBilled", ZERO)
        if code in SHIPPABLE_TYPES and not ship_on_bill:
            billable = min(billable, line.get("quantityFulfilled", ZERO) - line.get("quantityBilled", ZERO))
        if billable <= ZERO:
            continue
        copied = {
            k: v
            for k, v in line.items()
            if k.startswith("custcol")
            or k
            in {
                "item",
                "rate",
                "location",
                "description",
                "giftCertNumber",
                "giftCertRecipientEmail",
                "giftCertRecipientName",
                "giftCertFrom",
                "giftCertMessage",
            }
        }
        lines.append({**copied, "orderLine": int(line["line"]), "quantity": billable})
    return lines


def _post_bill(account: Account, order: StoredRecord, bill: StoredRecord) -> None:
    """Mark the order lines billed; a cash sale also ships units not fulfilled yet (no fulfillment)."""
    for index, line in enumerate(bill.lines("item")):
        line["line"] = index + 1
        order_line = next(
            (x for x in order.lines("item") if int(x["line"]) == int(line.get("orderLine", 0))), None
        )
        if order_line is None:
            continue
        order_line["quantityBilled"] = order_line.get("quantityBilled", ZERO) + line["quantity"]
        unshipped = order_line["quantityBilled"] - order_line.get("quantityFulfilled", ZERO)
        if (
            bill.kind.name == "cashSale"
            and unshipped > ZERO
            and order_line["itemType"]["id"] in SHIPPABLE_TYPES
        ):
            item = item_record(account, order_line["item"], "item")
            line.setdefault("location", order_line.get("location"))
            for component in stock_components(account, item):
                key = (order.id, int(order_line["line"]), component.item)
                units = unshipped * component.per_unit
                member = item_record(account, {"id": str(component.item)}, "item")
                numbers = numbers_moved(account, line, item, member, units, index, incoming=False)
                account.warehouse.ship_demand(key, units, bill.id, numbers)
            order_line["quantityFulfilled"] = order_line.get("quantityFulfilled", ZERO) + unshipped
    sync_demands(account, order)
    refresh_order_status(order)
    issue_gift_certificates(account, bill)
    account.store.saved(order)


def issue_gift_certificates(account: Account, bill: StoredRecord) -> None:
    """Selling a gift certificate item creates a gift certificate per unit once it is billed (§5)."""
    for line in bill.lines("item"):
        if line.get("itemType", {}).get("id") != "GiftCert":
            continue
        for unit in range(int(line["quantity"])):
            code = line.get("giftCertNumber") if unit == 0 and line.get("giftCertNumber") else _new_code()
            account.store.insert(
                KINDS["giftcertificate"],
                {
                    "giftCertCode": str(code)[:9],
                    "originalAmount": to_decimal(line["rate"], "rate"),
                    "amountRemaining": to_decimal(line["rate"], "rate"),
                    "email": line.get("giftCertRecipientEmail"),
                    "name": line.get("giftCertRecipientName"),
                    "sender": line.get("giftCertFrom"),
                    "item": dict(line["item"]),
                    "createdFrom": {"id": str(bill.id)},
                },
            )


def _new_code() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(9))
