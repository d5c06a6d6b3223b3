"""Order arithmetic in one currency: discount allocation, line tax, totals. Pure and exact to the cent.

Run once with shop prices and once with presentment prices; each total then sums exactly in its currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO, to_cents


@dataclass(frozen=True)
class PricedLine:
    unit_price: Decimal
    quantity: int
    taxable: bool
    is_gift_card: bool


@dataclass(frozen=True)
class Discount:
    value_type: str  # "percentage" (value 10 = 10 %) | "fixed_amount" (in this currency)
    value: Decimal


@dataclass(frozen=True)
class LinePricing:
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class OrderPricing:
    lines: list[LinePricing]
    subtotal: Decimal  # line totals after discounts, before tax and shipping
    total_discounts: Decimal
    total_tax: Decimal
    shipping: Decimal
    total: Decimal


def _allocate(lines: list[PricedLine], discount: Discount | None) -> list[Decimal]:
    """Per-line discount amounts; gift cards are never discounted (Shopify excludes them)."""
    eligible = [ZERO if line.is_gift_card else line.unit_price * line.quantity for line in lines]
    base = sum(eligible, ZERO)
    if discount is None or base == 0:
        return [ZERO for _ in lines]
    if discount.value_type == "percentage":
        return [to_cents(amount * discount.value / 100) for amount in eligible]
    total = min(to_cents(discount.value), base)
    shares = [to_cents(total * amount / base) for amount in eligible]
    # The rounding remainder goes a cent at a time to the last eligible lines with room (a line is
    # never discounted below zero or above its amount), so the allocations sum to the discount.
    cent = Decimal("0.01")
    remainder = total - sum(shares, ZERO)
    while remainder:
        step = cent if remainder > 0 else -cent
        for i in reversed(range(len(shares))):
            if remainder and ZERO <= shares[i] + step <= eligible[i]:
                shares[i] += step
                remainder -= step
    return shares


def price_order(
    lines: list[PricedLine], discount: Discount | None, shipping: Decimal, tax_rate: Decimal
) -> OrderPricing:
    """Totals of an order; tax is charged per taxable line on its discounted amount, shipping untaxed."""
    allocations = _allocate(lines, discount)
    priced = []
    for line, allocation in zip(lines, allocations, strict=True):
        net = line.unit_price * line.quantity - allocation
        tax = to_cents(net * tax_rate) if line.taxable and not line.is_gift_card else ZERO
        priced.append(LinePricing(discount=allocation, tax=tax))
    gross = sum((to_cents(line.unit_price * line.quantity) for line in lines), ZERO)
    total_discounts = sum(allocations, ZERO)
    total_tax = sum((line.tax for line in priced), ZERO)
    subtotal = gross - total_discounts
    return OrderPricing(
        priced,
        subtotal,
        total_discounts,
        total_tax,
        to_cents(shipping),
        subtotal + total_tax + to_cents(shipping),
    )
