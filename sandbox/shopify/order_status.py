"""Derived order facts: financial and fulfillment status, money received, current totals. Pure."""

from __future__ import annotations

from decimal import Decimal

from .model import LineItem, Order, TaxLine
from .money import MoneyBag

_PAYMENT_KINDS = ("SALE", "CAPTURE")


def _successful(order: Order, kinds: tuple[str, ...]) -> MoneyBag:
    total = order.total_price.zero_like()
    for transaction in order.transactions:
        if transaction.kind in kinds and transaction.status == "SUCCESS":
            total = total + transaction.amount
    return total


def amount_received(order: Order) -> MoneyBag:
    return _successful(order, _PAYMENT_KINDS)


def amount_refunded(order: Order) -> MoneyBag:
    return _successful(order, ("REFUND",))


def net_payment(order: Order) -> MoneyBag:
    return amount_received(order) - amount_refunded(order)


def financial_status(order: Order) -> str:
    """Order.displayFinancialStatus [reference §3.1]."""
    received, refunded = amount_received(order).shop, amount_refunded(order).shop
    if received == 0:
        return "VOIDED" if order.cancelled_at else "PENDING"
    if refunded >= received:
        return "REFUNDED"
    if refunded > 0:
        return "PARTIALLY_REFUNDED"
    return "PAID" if received >= order.total_price.shop else "PARTIALLY_PAID"


def unfulfilled_quantity(order: Order, line: LineItem) -> int:
    """Units of a line still waiting in open fulfillment orders."""
    return sum(
        fo_line.remaining_quantity
        for fo in order.fulfillment_orders
        for fo_line in fo.lines
        if fo_line.line_item_id == line.id
    )


def fulfillment_status(order: Order) -> str:
    """Order.displayFulfillmentStatus."""
    shipped = sum(line.fulfilled_quantity for line in order.line_items if not line.is_gift_card)
    waiting = sum(unfulfilled_quantity(order, line) for line in order.line_items)
    if waiting == 0 and shipped > 0:
        return "FULFILLED"
    if waiting == 0 and order.line_items and all(line.current_quantity == 0 for line in order.line_items):
        return "RESTOCKED"
    return "PARTIALLY_FULFILLED" if shipped > 0 else "UNFULFILLED"


def rest_fulfillment_status(order: Order) -> str | None:
    """REST `fulfillment_status`: null | partial | fulfilled."""
    return {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(fulfillment_status(order))


def line_current_total(line: LineItem) -> MoneyBag:
    """What the customer pays for a line's current units: discounted price plus tax, pro rata."""
    gross = MoneyBag(
        line.unit_price.shop * line.quantity,
        line.unit_price.presentment * line.quantity,
        line.unit_price.shop_currency,
        line.unit_price.presentment_currency,
    )
    return (gross - line.discount_allocation + line.total_tax).scaled(line.current_quantity, line.quantity)


def current_total_price(order: Order) -> MoneyBag:
    total = order.total_shipping
    for refund in order.refunds:
        total = total - refund.shipping
    for line in order.line_items:
        total = total + line_current_total(line)
    return total


def total_outstanding(order: Order) -> MoneyBag:
    """Still to pay (positive) or owed back to the customer (negative) after edits and refunds."""
    return current_total_price(order) - net_payment(order)


def order_tax_lines(order: Order) -> list[TaxLine]:
    """Order-level tax lines: the line taxes summed per title and rate."""
    totals: dict[tuple[str, Decimal], MoneyBag] = {}
    for line in order.line_items:
        for tax in line.tax_lines:
            key = (tax.title, tax.rate)
            totals[key] = totals[key] + tax.price if key in totals else tax.price
    return [TaxLine(title, rate, price) for (title, rate), price in totals.items()]
