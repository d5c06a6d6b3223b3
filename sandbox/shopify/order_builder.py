"""Building an accepted order's record: lines priced in shop and presentment currency, and its payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .model import (
    Customer,
    DiscountApplication,
    GiftCard,
    LineItem,
    Location,
    Order,
    ShippingLine,
    TaxLine,
    Transaction,
    Variant,
)
from .money import MoneyBag, to_cents
from .pricing import Discount, OrderPricing, PricedLine, price_order
from .requests import GiftCardSpec, OrderSpec
from .store import ShopState


@dataclass(frozen=True)
class OrderTerms:
    """What checkout decided before the order exists: the lines' variants, currency, discount, customer."""

    spec: OrderSpec
    variants: list[Variant]
    rate: Decimal  # presentment units per shop-currency unit
    discount: Discount | None = None
    code: str | None = None
    customer: Customer | None = None
    pos_location: Location | None = None


@dataclass(frozen=True)
class DualPricing:
    """The same order priced independently in each currency, so both sets of totals add up exactly."""

    shop: OrderPricing
    presentment: OrderPricing
    presentment_prices: list[Decimal]
    shop_currency: str
    currency: str
    tax_rate: Decimal

    def bag(self, shop_amount: Decimal, presentment_amount: Decimal) -> MoneyBag:
        return MoneyBag(shop_amount, presentment_amount, self.shop_currency, self.currency)


def _is_gift_card(state: ShopState, variant: Variant) -> bool:
    return state.products[variant.product_id].is_gift_card


def price_in_both_currencies(state: ShopState, terms: OrderTerms) -> DualPricing:
    spec, variants = terms.spec, terms.variants
    location = terms.pos_location
    tax_rate = location.tax_rate if location and location.tax_rate is not None else state.config.tax_rate
    shipping = spec.shipping.price if spec.shipping and spec.source == "web" else Decimal(0)

    def priced(
        unit_prices: list[Decimal], discount: Discount | None, shipping_price: Decimal
    ) -> OrderPricing:
        lines = [
            PricedLine(price, line.quantity, variant.taxable, _is_gift_card(state, variant))
            for price, line, variant in zip(unit_prices, spec.lines, variants, strict=True)
        ]
        return price_order(lines, discount, shipping_price, tax_rate)

    discount = terms.discount
    converted = (
        discount
        if discount is None or discount.value_type == "percentage"
        else Discount(discount.value_type, to_cents(discount.value * terms.rate))
    )
    presentment_prices = [to_cents(v.price * terms.rate) for v in variants]
    return DualPricing(
        priced([v.price for v in variants], discount, shipping),
        priced(presentment_prices, converted, to_cents(shipping * terms.rate)),
        presentment_prices,
        state.config.currency,
        spec.presentment_currency or state.config.currency,
        tax_rate,
    )


def line_items_for(state: ShopState, terms: OrderTerms, pricing: DualPricing) -> list[LineItem]:
    """New line items for the terms' lines, priced (e.g. for an order being built or edited)."""
    items = []
    for index, (line, variant) in enumerate(zip(terms.spec.lines, terms.variants, strict=True)):
        product = state.products[variant.product_id]
        gift = product.is_gift_card
        shop_line, presentment_line = pricing.shop.lines[index], pricing.presentment.lines[index]
        tax = pricing.bag(shop_line.tax, presentment_line.tax)
        items.append(
            LineItem(
                state.ids.next(),
                variant.id,
                product.id,
                line.sku,
                product.title,
                "" if variant.title == "Default Title" else variant.title,
                product.vendor,
                line.quantity,
                pricing.bag(variant.price, pricing.presentment_prices[index]),
                pricing.bag(shop_line.discount, presentment_line.discount),
                [TaxLine("Sales Tax", pricing.tax_rate, tax)] if variant.taxable and not gift else [],
                taxable=variant.taxable and not gift,
                is_gift_card=gift,
                requires_shipping=state.items[variant.inventory_item_id].requires_shipping and not gift,
                grams=variant.grams,
                current_quantity=line.quantity,
                fulfilled_quantity=line.quantity if gift else 0,
            )
        )  # gift cards are delivered digitally at once
    return items


def build_order(state: ShopState, terms: OrderTerms, now: datetime) -> Order:
    """The order record (not yet stored, not yet paid); takes the shop's next order number."""
    spec, pricing = terms.spec, price_in_both_currencies(state, terms)
    shop, presentment = pricing.shop, pricing.presentment
    discount, customer, location = terms.discount, terms.customer, terms.pos_location
    applications = (
        []
        if discount is None or terms.code is None
        else [DiscountApplication(0, terms.code, discount.value_type, discount.value)]
    )
    shipping_lines = (
        []
        if spec.source != "web" or spec.shipping is None
        else [
            ShippingLine(
                state.ids.next(),
                spec.shipping.title,
                spec.shipping.title.lower().replace(" ", "_"),
                pricing.bag(shop.shipping, presentment.shipping),
            )
        ]
    )
    number = state.next_order_number
    state.next_order_number += 1
    return Order(
        state.ids.next(),
        number,
        now,
        now,
        pricing.shop_currency,
        pricing.currency,
        spec.source,
        line_items_for(state, terms, pricing),
        shipping_lines,
        applications,
        [],
        pricing.bag(shop.subtotal, presentment.subtotal),
        pricing.bag(shop.total_discounts, presentment.total_discounts),
        pricing.bag(shop.total_tax, presentment.total_tax),
        pricing.bag(shop.shipping, presentment.shipping),
        pricing.bag(shop.total, presentment.total),
        email=customer.email if customer else None,
        customer_id=customer.id if customer else None,
        retail_location_id=location.id if spec.source == "pos" and location else None,
        device_id=1 if spec.source == "pos" else None,
        note=spec.note,
        tags=list(spec.tags),
    )


def take_payment(
    state: ShopState, order: Order, gift_card: GiftCard | None, now: datetime, paid: bool = True
) -> None:
    """Gift card first (a payment, not a discount), the rest by card (web) or cash (POS) when `paid`."""
    total = order.total_price
    by_gift_card = total.zero_like()
    if gift_card is not None:
        shop_part = min(gift_card.balance, total.shop)
        presentment_part = (
            total.presentment
            if shop_part == total.shop
            else to_cents(shop_part * total.presentment / total.shop)
        )
        by_gift_card = MoneyBag(shop_part, presentment_part, total.shop_currency, total.presentment_currency)
        gift_card.balance -= shop_part
        gift_card.updated_at = now
        order.transactions.append(
            Transaction(
                state.ids.next(),
                "SALE",
                "SUCCESS",
                "gift_card",
                by_gift_card,
                now,
                location_id=order.retail_location_id,
                source_name=order.source_name,
                gift_card_id=gift_card.id,
            )
        )
    rest = total - by_gift_card
    if paid and (rest.shop > 0 or not order.transactions):
        gateway = "cash" if order.source_name == "pos" else "shopify_payments"
        order.transactions.append(
            Transaction(
                state.ids.next(),
                "SALE",
                "SUCCESS",
                gateway,
                rest,
                now,
                location_id=order.retail_location_id,
                source_name=order.source_name,
            )
        )


def issue_sold_gift_cards(state: ShopState, order: Order, now: datetime) -> None:
    """A sold gift card line issues cards (deferred revenue for the ERP, not an inventory item)."""
    for line in order.line_items:
        if line.is_gift_card:
            for unit in range(line.quantity):
                state.add_gift_card(
                    GiftCardSpec(f"GC{order.number}{line.id}{unit}", line.unit_price.shop),
                    now,
                    order_id=order.id,
                )
