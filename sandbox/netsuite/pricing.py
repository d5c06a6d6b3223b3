"""Line amounts and order totals of sales transactions: discounts, shipping, gift certificates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .account import Account, money, to_decimal
from .errors import user_error
from .items import base_price, item_record
from .record_types import KINDS
from .store import StoredRecord

ZERO = Decimal(0)
_NO_AMOUNT_TYPES = {"Group", "EndGroup"}


def price_lines(account: Account, record: StoredRecord, sublist: str = "item") -> None:
    """Fill in itemType, quantity, rate and amount of each line, NetSuite-style."""
    previous_amount = ZERO
    header_location = record.body.get("location")
    for index, line in enumerate(record.lines(sublist)):
        path = f"{sublist}.items[{index}]"
        item = item_record(account, line.get("item"), f"{path}.item")
        code = item.kind.code or ""
        line["itemType"] = {"id": code, "refName": code}
        if code in _NO_AMOUNT_TYPES:
            line["quantity"] = to_decimal(line.get("quantity", 1), f"{path}.quantity")
            line["amount"] = ZERO
            continue
        if code == "Discount":
            line["amount"] = _discount_amount(line.get("rate", item.body.get("rate")), previous_amount, path)
            line.setdefault("rate", line["amount"])
            line["quantity"] = Decimal(1)
            continue
        quantity = to_decimal(line.get("quantity", 1), f"{path}.quantity")
        if quantity <= ZERO:
            raise user_error("The quantity must be greater than zero.", path=f"{path}.quantity")
        line["quantity"] = quantity
        if "rate" not in line and "amount" in line:
            line["rate"] = money(to_decimal(line["amount"], f"{path}.amount") / quantity)
        rate = to_decimal(line.get("rate", base_price(item)), f"{path}.rate")
        line["rate"] = rate
        line["amount"] = money(quantity * rate)
        if header_location is not None and "location" not in line and code not in {"Discount", "GiftCert"}:
            line["location"] = dict(header_location)
        line.setdefault("isClosed", False)
        previous_amount = line["amount"]


def _discount_amount(rate: Any, base: Decimal, path: str) -> Decimal:
    """A discount line takes a fixed amount or a percentage of the line before it."""
    if isinstance(rate, str) and rate.strip().endswith("%"):
        percent = to_decimal(rate.strip()[:-1], f"{path}.rate")
        return money(base * percent / 100)
    return money(to_decimal(rate if rate is not None else 0, f"{path}.rate"))


def compute_totals(account: Account, record: StoredRecord) -> None:
    """subtotal, discountTotal, giftCertApplied and total, to the cent."""
    lines = record.lines("item")
    subtotal = sum(
        (line["amount"] for line in lines if line.get("itemType", {}).get("id") != "Discount"), ZERO
    )
    line_discounts = sum(
        (line["amount"] for line in lines if line.get("itemType", {}).get("id") == "Discount"), ZERO
    )
    header_discount = ZERO
    if record.body.get("discountRate") is not None:
        header_discount = _discount_amount(
            record.body["discountRate"], subtotal + line_discounts, "discountRate"
        )
    promo_discount = _promotion_discount(account, record, subtotal + line_discounts + header_discount)
    shipping = money(to_decimal(record.body.get("shippingCost", 0), "shippingCost"))
    before_gift = subtotal + line_discounts + header_discount + promo_discount + shipping
    gift_applied = sum(
        (
            money(to_decimal(r.get("authCodeApplied", 0), "giftCertRedemption.authCodeApplied"))
            for r in record.lines("giftCertRedemption")
        ),
        ZERO,
    )
    record.body["subtotal"] = money(subtotal)
    record.body["discountTotal"] = money(line_discounts + header_discount + promo_discount)
    record.body["giftCertApplied"] = money(-gift_applied) if gift_applied else ZERO
    record.body["total"] = money(before_gift - gift_applied)


def _promotion_discount(account: Account, record: StoredRecord, base: Decimal) -> Decimal:
    total = ZERO
    for index, promotion in enumerate(record.lines("promotions")):
        ref = promotion.get("promoCode")
        if not isinstance(ref, dict):
            raise user_error(
                "Please enter value(s) for: Promotion", path=f"promotions.items[{index}].promoCode"
            )
        promo = account.store.get(KINDS["promotioncode"], int(ref["id"]))
        rate = promo.body.get("rate", 0) if promo else 0
        amount = _discount_amount(rate, base, f"promotions.items[{index}]")
        promotion["discountAmount"] = amount
        total += amount
    return total
