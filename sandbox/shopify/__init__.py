"""A faithful Shopify emulator (Admin GraphQL 2026-04, webhooks, storefront/POS, throttling, ground truth).

See README.md in this folder for how to run it and its /_sandbox/ control API.
"""

from .ledger import QuantityWrite, UnitsMoved, UnitsSold
from .requests import (
    CancelSpec,
    CustomerEditSpec,
    CustomerSpec,
    DiscountCodeSpec,
    EditLineSpec,
    EditSpec,
    FaultSpec,
    GiftCardSpec,
    HoldSpec,
    LocationSpec,
    OrderLineSpec,
    OrderSpec,
    ProductSpec,
    RefundLineSpec,
    RefundSpec,
    ShippingSpec,
    ShopSpec,
    StockSpec,
    VariantEditSpec,
    VariantSpec,
)
from .sandbox import ShopifySandbox, ShopInfo
from .user_errors import DomainRefusal
from .webhooks import DeliveryAttempt, sign

__all__ = [
    "CancelSpec",
    "CustomerEditSpec",
    "CustomerSpec",
    "DeliveryAttempt",
    "DiscountCodeSpec",
    "DomainRefusal",
    "EditLineSpec",
    "EditSpec",
    "FaultSpec",
    "GiftCardSpec",
    "HoldSpec",
    "LocationSpec",
    "OrderLineSpec",
    "OrderSpec",
    "ProductSpec",
    "QuantityWrite",
    "RefundLineSpec",
    "RefundSpec",
    "ShippingSpec",
    "ShopInfo",
    "ShopSpec",
    "ShopifySandbox",
    "StockSpec",
    "UnitsMoved",
    "UnitsSold",
    "VariantEditSpec",
    "VariantSpec",
    "sign",
]
