"""What the storefront/POS simulation and the seeding API accept: msgspec Structs, validated at decode."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec


class LocationSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    fulfills_online_orders: bool = True
    pos: bool = False
    tax_rate: Decimal | None = None
    city: str | None = None
    country_code: str = "US"


class VariantSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: str
    price: Decimal
    title: str = "Default Title"
    inventory_policy: Literal["DENY", "CONTINUE"] = "DENY"
    taxable: bool = True
    tracked: bool = True
    requires_shipping: bool = True
    grams: int = 0
    # Initial stock: location name -> units on hand (all `available`).
    stock: dict[str, int] = {}


class ProductSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str
    variants: list[VariantSpec]
    vendor: str = "Tandem Sandbox"
    product_type: str = ""
    tags: list[str] = []
    gift_card: bool = False


class DiscountCodeSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    value_type: Literal["percentage", "fixed_amount"]
    value: Decimal
    title: str | None = None


class GiftCardSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    value: Decimal


class CustomerSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A customer placing an order: `id` (GID or number) for an existing one, else details of a new one."""

    id: str | int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


class ShopSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str  # the handle: <name>.myshopify.com
    access_token: str | None = None  # the main app's Admin API token; generated when omitted
    apps: dict[str, str] = {}  # more API clients: app name -> token (the ledger records who wrote what)
    webhook_secret: str | None = None  # the app's client secret that signs webhooks; generated when omitted
    currency: str = "USD"
    tax_rate: Decimal = Decimal("0.08")
    exchange_rates: dict[str, Decimal] = {}  # presentment currency -> units per one shop-currency unit
    bucket_size: int = 2000
    restore_rate: int = 100
    locations: list[LocationSpec] = []
    products: list[ProductSpec] = []
    discount_codes: list[DiscountCodeSpec] = []
    gift_cards: list[GiftCardSpec] = []
    customers: list[CustomerSpec] = []
    # The shop's first numeric id; it owns the next SHOP_ID_SPAN ids. None: the sandbox gives it the
    # lowest span no other shop has, so ids (like Shopify's) never repeat across shops.
    first_id: Annotated[int, msgspec.Meta(ge=1)] | None = None


class StockSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Set `available` at a location (creating the level if needed).

    By default this is physical stock put on a shelf by the test (seeded truth). With `merchant_edit`
    it is a merchant typing a number in Shopify admin instead: logged in quantity_writes as app
    "shopify-admin", so a sync engine's compare-and-set sees it as drift.
    """

    sku: str
    location: str
    available: int
    merchant_edit: bool = False


class VariantEditSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A merchant editing a variant in Shopify admin (fires products/update)."""

    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    barcode: str | None = None
    taxable: bool | None = None
    inventory_policy: Literal["DENY", "CONTINUE"] | None = None
    title: str | None = None


class CustomerEditSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A merchant editing a customer in Shopify admin (fires customers/update)."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    note: str | None = None
    tags: list[str] | None = None


class OrderLineSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: str
    quantity: int


class ShippingSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str = "Standard"
    price: Decimal = Decimal("0")


class OrderSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A checkout (source "web") or a POS sale (source "pos" with a location)."""

    lines: list[OrderLineSpec]
    source: Literal["web", "pos"] = "web"
    location: str | None = None  # location name or GID; required for POS, pins a web order otherwise
    customer: CustomerSpec | None = None
    discount_code: str | None = None
    gift_card_code: str | None = None
    presentment_currency: str | None = None
    shipping: ShippingSpec | None = None
    hold_ids: list[str] = []  # checkout holds this order converts (their units are already reserved)
    note: str | None = None
    tags: list[str] = []
    pos_carry_out: bool = True  # POS lines leave with the customer: fulfilled at sale
    paid: bool = True  # False: a manual payment method; the rest stays due until mark_paid


class HoldSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: str
    location: str
    quantity: int
    expires_in_seconds: float = 600.0


class RefundLineSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    line_item_id: str | int
    quantity: int
    restock_type: Literal["RETURN", "CANCEL", "NO_RESTOCK"] = "RETURN"
    location: str | None = None


class RefundSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A refund as the merchant/POS does it: the money is the suggested amount for the lines (+ shipping)."""

    lines: list[RefundLineSpec] = []
    refund_shipping: bool = False
    note: str | None = None


class CancelSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Literal["CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"] = "CUSTOMER"
    restock: bool = True
    refund: bool = True


class EditLineSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    line_item_id: str | int
    quantity: int  # the new current quantity


class EditSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    set_quantities: list[EditLineSpec] = []
    add_lines: list[OrderLineSpec] = []


class FaultSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Misbehaviour injected per shop; all default to a healthy shop."""

    latency_seconds: float = 0.0
    error_rate: float = 0.0  # share of GraphQL requests answered 5xx
    error_status: int = 503
    force_throttle: bool = False
    webhook_drop_rate: float = 0.0
    webhook_duplicate_rate: float = 0.0
    webhook_delay_seconds: float = 0.0
    webhook_reorder: bool = False  # random extra delay (up to webhook_reorder_window) per delivery
    webhook_reorder_window: float = 0.5
    seed: int | None = None
