"""A seeded demo: two shops with online warehouses, POS stores, a small catalog, codes and a gift card."""

from __future__ import annotations

from decimal import Decimal

from .requests import (
    DiscountCodeSpec,
    GiftCardSpec,
    LocationSpec,
    ProductSpec,
    ShopSpec,
    VariantSpec,
)

_CATALOG = [
    ("Canvas Tote", "Tandem Goods", [("TOTE-NAT", "Natural", "24.00"), ("TOTE-BLK", "Black", "24.00")]),
    ("Merino Beanie", "Tandem Goods", [("BEANIE-GRY", "Grey", "32.00"), ("BEANIE-NVY", "Navy", "32.00")]),
    ("Enamel Mug", "Tandem Goods", [("MUG-12OZ", "12 oz", "16.50")]),
    ("Field Notebook 3-pack", "Tandem Paper", [("NOTE-3PK", "Default Title", "12.00")]),
]


def _products(stock: dict[str, int]) -> list[ProductSpec]:
    products = [
        ProductSpec(
            title,
            [
                VariantSpec(sku, Decimal(price), title=variant, stock=stock)
                for sku, variant, price in variants
            ],
            vendor=vendor,
        )
        for title, vendor, variants in _CATALOG
    ]
    gift = VariantSpec("GIFT-50", Decimal("50.00"), title="$50", taxable=False, requires_shipping=False)
    return [*products, ProductSpec("Gift Card", [gift], gift_card=True)]


def demo_shops() -> list[ShopSpec]:
    """The demo shops; tokens and secrets are fixed so that configs and docs can name them."""
    us = ShopSpec(
        name="tandem-demo-us",
        access_token="shpat_demo_us",
        webhook_secret="demo-us-webhook-secret",
        currency="USD",
        tax_rate=Decimal("0.0825"),
        exchange_rates={"CAD": Decimal("1.37")},
        locations=[
            LocationSpec("US Warehouse", city="Reno"),
            LocationSpec(
                "SoHo Store",
                pos=True,
                fulfills_online_orders=False,
                city="New York",
                tax_rate=Decimal("0.08875"),
            ),
        ],
        products=_products({"US Warehouse": 40, "SoHo Store": 8}),
        discount_codes=[
            DiscountCodeSpec("WELCOME10", "percentage", Decimal("10")),
            DiscountCodeSpec("FIVEOFF", "fixed_amount", Decimal("5")),
        ],
        gift_cards=[GiftCardSpec("DEMO-GIFT-0001", Decimal("25.00"))],
    )
    eu = ShopSpec(
        name="tandem-demo-eu",
        access_token="shpat_demo_eu",
        webhook_secret="demo-eu-webhook-secret",
        currency="EUR",
        tax_rate=Decimal("0.21"),
        exchange_rates={"GBP": Decimal("0.85")},
        locations=[
            LocationSpec("EU Warehouse", city="Rotterdam", country_code="NL"),
            LocationSpec(
                "Berlin Store",
                pos=True,
                fulfills_online_orders=False,
                city="Berlin",
                country_code="DE",
                tax_rate=Decimal("0.19"),
            ),
        ],
        products=_products({"EU Warehouse": 25, "Berlin Store": 5}),
        discount_codes=[DiscountCodeSpec("WILLKOMMEN", "percentage", Decimal("10"))],
    )
    return [us, eu]
