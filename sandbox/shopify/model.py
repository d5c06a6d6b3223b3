"""The shop's records, as plain mutable dataclasses (the emulator's in-memory database rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .money import MoneyBag

# Named inventory quantities held per level; `on_hand` is derived from them [reference §2.1].
STORED_QUANTITY_NAMES = (
    "available",
    "committed",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
    "incoming",
)
ON_HAND_PARTS = ("available", "committed", "reserved", "damaged", "safety_stock", "quality_control")
QUANTITY_NAMES = (*STORED_QUANTITY_NAMES, "on_hand")


@dataclass
class Location:
    id: int
    name: str
    created_at: datetime
    is_active: bool = True
    fulfills_online_orders: bool = True
    is_pos: bool = False
    tax_rate: Decimal | None = None  # a POS store may tax differently from the shop
    address: dict[str, str | None] = field(default_factory=dict)


@dataclass
class InventoryItem:
    id: int
    sku: str
    variant_id: int
    created_at: datetime
    updated_at: datetime
    tracked: bool = True
    requires_shipping: bool = True
    unit_cost: Decimal | None = None


@dataclass
class InventoryLevel:
    id: int
    item_id: int
    location_id: int
    created_at: datetime
    updated_at: datetime
    quantities: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STORED_QUANTITY_NAMES, 0))

    @property
    def on_hand(self) -> int:
        return sum(self.quantities[name] for name in ON_HAND_PARTS)

    def quantity(self, name: str) -> int:
        return self.on_hand if name == "on_hand" else self.quantities[name]


@dataclass
class Variant:
    id: int
    product_id: int
    inventory_item_id: int
    title: str
    price: Decimal
    created_at: datetime
    updated_at: datetime
    compare_at_price: Decimal | None = None
    barcode: str | None = None
    taxable: bool = True
    inventory_policy: str = "DENY"  # ProductVariantInventoryPolicy: DENY | CONTINUE
    grams: int = 0


@dataclass
class Product:
    id: int
    title: str
    handle: str
    created_at: datetime
    updated_at: datetime
    vendor: str = "Tandem Sandbox"
    product_type: str = ""
    status: str = "ACTIVE"
    tags: list[str] = field(default_factory=list)
    variant_ids: list[int] = field(default_factory=list)
    is_gift_card: bool = False


@dataclass
class Metafield:
    id: int
    namespace: str
    key: str
    value: str
    type: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Customer:
    id: int
    email: str | None
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    state: str = "DISABLED"
    tax_exempt: bool = False
    addresses: list[dict[str, str | None]] = field(default_factory=list)
    metafields: dict[tuple[str, str], Metafield] = field(default_factory=dict)
    orders_count: int = 0
    amount_spent: Decimal = Decimal("0")


@dataclass
class TaxLine:
    title: str
    rate: Decimal
    price: MoneyBag


@dataclass
class DiscountApplication:
    index: int
    code: str
    value_type: str  # "percentage" | "fixed_amount"
    value: Decimal
    target_type: str = "line_item"
    target_selection: str = "all"
    allocation_method: str = "across"


@dataclass
class LineItem:
    id: int
    variant_id: int | None
    product_id: int | None
    sku: str
    title: str
    variant_title: str
    vendor: str
    quantity: int
    unit_price: MoneyBag
    discount_allocation: MoneyBag
    tax_lines: list[TaxLine]
    taxable: bool
    is_gift_card: bool
    requires_shipping: bool
    grams: int = 0
    current_quantity: int = 0
    fulfilled_quantity: int = 0
    refunded_quantity: int = 0

    @property
    def total_tax(self) -> MoneyBag:
        total = self.unit_price.zero_like()
        for tax in self.tax_lines:
            total = total + tax.price
        return total


@dataclass
class ShippingLine:
    id: int
    title: str
    code: str
    price: MoneyBag


@dataclass
class Transaction:
    id: int
    kind: str  # SALE AUTHORIZATION CAPTURE REFUND VOID ...
    status: str  # SUCCESS PENDING FAILURE ERROR
    gateway: str
    amount: MoneyBag
    processed_at: datetime
    parent_id: int | None = None
    location_id: int | None = None
    source_name: str = "web"
    gift_card_id: int | None = None


@dataclass
class FulfillmentOrderLine:
    id: int
    line_item_id: int
    total_quantity: int
    remaining_quantity: int


@dataclass
class FulfillmentOrder:
    id: int
    order_id: int
    location_id: int
    created_at: datetime
    updated_at: datetime
    lines: list[FulfillmentOrderLine]
    status: str = "OPEN"
    request_status: str = "UNSUBMITTED"


@dataclass
class TrackingInfo:
    company: str | None
    number: str | None
    url: str | None


@dataclass
class FulfillmentLine:
    id: int
    line_item_id: int
    quantity: int


@dataclass
class Fulfillment:
    id: int
    order_id: int
    location_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    lines: list[FulfillmentLine]
    tracking: list[TrackingInfo]
    notify_customer: bool = False
    status: str = "SUCCESS"


@dataclass
class RefundLine:
    id: int
    line_item_id: int
    quantity: int
    restock_type: str  # RETURN | CANCEL | NO_RESTOCK
    location_id: int | None
    subtotal: MoneyBag
    total_tax: MoneyBag

    @property
    def restocked(self) -> bool:
        return self.restock_type != "NO_RESTOCK"


@dataclass
class Refund:
    id: int
    order_id: int
    created_at: datetime
    lines: list[RefundLine]
    transaction_ids: list[int]
    total_refunded: MoneyBag
    shipping: MoneyBag
    note: str | None = None


@dataclass
class Order:
    id: int
    number: int
    created_at: datetime
    updated_at: datetime
    currency: str
    presentment_currency: str
    source_name: str
    line_items: list[LineItem]
    shipping_lines: list[ShippingLine]
    discount_applications: list[DiscountApplication]
    transactions: list[Transaction]
    subtotal: MoneyBag
    total_discounts: MoneyBag
    total_tax: MoneyBag
    total_shipping: MoneyBag
    total_price: MoneyBag
    email: str | None = None
    phone: str | None = None
    customer_id: int | None = None
    retail_location_id: int | None = None
    device_id: int | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    custom_attributes: list[dict[str, str]] = field(default_factory=list)
    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    fulfillment_orders: list[FulfillmentOrder] = field(default_factory=list)
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    metafields: dict[tuple[str, str], Metafield] = field(default_factory=dict)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    test: bool = False

    @property
    def name(self) -> str:
        return f"#{self.number}"


@dataclass
class GiftCard:
    id: int
    code: str
    initial_value: Decimal
    balance: Decimal
    currency: str
    created_at: datetime
    updated_at: datetime
    enabled: bool = True
    customer_id: int | None = None
    order_id: int | None = None
    expires_on: str | None = None


@dataclass
class DiscountCode:
    id: int  # DiscountCodeNode id
    redeem_code_id: int
    code: str
    title: str
    value_type: str  # "percentage" | "fixed_amount"
    value: Decimal
    created_at: datetime
    usage_count: int = 0
    status: str = "ACTIVE"


@dataclass
class WebhookSubscription:
    id: int
    topic: str  # GraphQL enum form, e.g. ORDERS_CREATE
    uri: str
    created_at: datetime
    updated_at: datetime
    format: str = "JSON"
    include_fields: list[str] = field(default_factory=list)
    name: str | None = None
    consecutive_failures: int = 0


@dataclass
class CheckoutHold:
    id: int
    item_id: int
    location_id: int
    quantity: int
    expires_at: datetime
    state: str = "held"  # held | released | expired | converted
