"""One shop's state: every record by id, lookups by SKU and location, the seeding rules, and its ledger."""

from __future__ import annotations

import re
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice

from .ids import IdSequence, InvalidGid, gid, parse_gid
from .inventory import InventoryScope
from .ledger import Ledger
from .model import (
    CheckoutHold,
    Customer,
    DiscountCode,
    GiftCard,
    InventoryItem,
    InventoryLevel,
    LineItem,
    Location,
    Order,
    Product,
    Variant,
    WebhookSubscription,
)
from .money import SUPPORTED_CURRENCIES
from .requests import CustomerSpec, DiscountCodeSpec, GiftCardSpec, LocationSpec, ProductSpec, ShopSpec
from .user_errors import DomainRefusal

Clock = Callable[[], datetime]


@dataclass
class ShopConfig:
    name: str
    access_token: str
    apps: dict[str, str]  # app name -> Admin API token (the main token is app "app")
    webhook_secret: str
    currency: str
    tax_rate: Decimal
    exchange_rates: dict[str, Decimal]
    bucket_size: int
    restore_rate: int

    @property
    def domain(self) -> str:
        return f"{self.name}.myshopify.com"

    def app_for_token(self, token: str | None) -> str | None:
        """The app a token belongs to, compared in constant time; None for a bad token."""
        match = None
        for app, known in self.apps.items():
            if token is not None and secrets.compare_digest(known.encode(), token.encode()):
                match = app
        return match


@dataclass
class ShopState:
    config: ShopConfig
    created_at: datetime
    ids: IdSequence = field(default_factory=IdSequence)
    locations: dict[int, Location] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    items: dict[int, InventoryItem] = field(default_factory=dict)
    levels: dict[tuple[int, int], InventoryLevel] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    gift_cards: dict[int, GiftCard] = field(default_factory=dict)
    discount_codes: dict[int, DiscountCode] = field(default_factory=dict)
    webhooks: dict[int, WebhookSubscription] = field(default_factory=dict)
    holds: dict[int, CheckoutHold] = field(default_factory=dict)
    # (expires_at, hold id) of every hold whose expiry the sweep has not reached, a min-heap: the
    # sweep pops only what has come due instead of scanning every hold ever placed.
    hold_expiries: list[tuple[datetime, int]] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)
    next_order_number: int = 1001
    # line item id -> order id, built as lookups need it (orders are only ever added, and an edit
    # only adds lines): see order_line
    line_orders: dict[int, int] = field(default_factory=dict)
    line_orders_seen: int = 0  # how many orders (in insertion order) line_orders covers

    # -- lookups -----------------------------------------------------------------------------------
    def order_line(self, line_id: int) -> tuple[Order, LineItem]:
        """The order and line item for a line id (KeyError if there is none). Indexes the orders
        added since the last look-up; a line an edit added to an older order re-indexes them all."""
        for start_over in (False, True):
            if start_over:
                self.line_orders, self.line_orders_seen = {}, 0
            for order in islice(self.orders.values(), self.line_orders_seen, None):
                self.line_orders.update((item.id, order.id) for item in order.line_items)
            self.line_orders_seen = len(self.orders)
            order = self.orders.get(self.line_orders.get(line_id, -1))
            line = next((item for item in order.line_items if item.id == line_id), None) if order else None
            if order is not None and line is not None:
                return order, line
        raise KeyError(line_id)

    def variant_by_sku(self, sku: str) -> Variant:
        for item in self.items.values():
            if item.sku == sku:
                return self.variants[item.variant_id]
        raise DomainRefusal(
            "UNKNOWN_SKU", f"No variant with SKU '{sku}' in shop {self.config.name}.", sku=sku
        )

    def location(self, reference: str | int) -> Location:
        """A location by name, GID or number."""
        if isinstance(reference, int) or str(reference).isdigit():
            found = self.locations.get(int(reference))
        elif str(reference).startswith("gid://"):
            try:
                found = self.locations.get(parse_gid(str(reference), "Location"))
            except InvalidGid:
                found = None
        else:
            found = next((loc for loc in self.locations.values() if loc.name == reference), None)
        if found is None:
            raise DomainRefusal(
                "UNKNOWN_LOCATION",
                f"No location '{reference}' in shop {self.config.name}.",
                location=str(reference),
            )
        return found

    def order(self, reference: str | int) -> Order:
        number = record_number(reference, "Order")
        if number not in self.orders:
            raise DomainRefusal("UNKNOWN_ORDER", f"No order '{reference}' in shop {self.config.name}.")
        return self.orders[number]

    def customer_by_email(self, email: str) -> Customer | None:
        return next(
            (c for c in self.customers.values() if c.email and c.email.lower() == email.lower()), None
        )

    def inventory_scope(self) -> InventoryScope:
        return InventoryScope(frozenset(self.items), frozenset(self.locations), self.levels)

    def sku_of_item(self, item_id: int) -> str:
        return self.items[item_id].sku

    # -- seeding -----------------------------------------------------------------------------------
    def add_location(self, spec: LocationSpec, now: datetime) -> Location:
        if any(loc.name == spec.name for loc in self.locations.values()):
            raise DomainRefusal("DUPLICATE_LOCATION", f"Location '{spec.name}' already exists.")
        location = Location(
            self.ids.next(),
            spec.name,
            now,
            fulfills_online_orders=spec.fulfills_online_orders,
            is_pos=spec.pos,
            tax_rate=spec.tax_rate,
            address={"city": spec.city, "countryCode": spec.country_code},
        )
        self.locations[location.id] = location
        return location

    def add_product(self, spec: ProductSpec, now: datetime) -> Product:
        handle = re.sub(r"[^a-z0-9]+", "-", spec.title.lower()).strip("-")
        product = Product(
            self.ids.next(),
            spec.title,
            handle,
            now,
            now,
            vendor=spec.vendor,
            product_type=spec.product_type,
            tags=list(spec.tags),
            is_gift_card=spec.gift_card,
        )
        for variant_spec in spec.variants:
            if any(item.sku == variant_spec.sku for item in self.items.values()):
                raise DomainRefusal("DUPLICATE_SKU", f"SKU '{variant_spec.sku}' already exists.")
            variant_id, item_id = self.ids.next(), self.ids.next()
            self.items[item_id] = InventoryItem(
                item_id,
                variant_spec.sku,
                variant_id,
                now,
                now,
                tracked=variant_spec.tracked and not spec.gift_card,
                requires_shipping=variant_spec.requires_shipping,
            )
            self.variants[variant_id] = Variant(
                variant_id,
                product.id,
                item_id,
                variant_spec.title,
                variant_spec.price,
                now,
                now,
                taxable=variant_spec.taxable,
                inventory_policy=variant_spec.inventory_policy,
                grams=variant_spec.grams,
            )
            product.variant_ids.append(variant_id)
            for location_name, units in variant_spec.stock.items():
                self.seed_available(variant_spec.sku, location_name, units, now)
        self.products[product.id] = product
        return product

    def stock_level(self, item_id: int, location_id: int, now: datetime) -> InventoryLevel:
        """The level of an item at a location, activating (stocking) it when it does not exist yet."""
        level = self.levels.get((item_id, location_id))
        if level is None:
            level = InventoryLevel(self.ids.next(), item_id, location_id, now, now)
            self.levels[(item_id, location_id)] = level
        return level

    def seed_available(self, sku: str, location_name: str, units: int, now: datetime) -> InventoryLevel:
        """Physical stock put on the shelf by the test: `available` set, and remembered as seeded truth."""
        variant = self.variant_by_sku(sku)
        location = self.location(location_name)
        level = self.stock_level(variant.inventory_item_id, location.id, now)
        level.quantities["available"] = units
        level.updated_at = now
        self.ledger.seeded_on_hand[(sku, location.name)] = level.on_hand
        return level

    def add_discount_code(self, spec: DiscountCodeSpec, now: datetime) -> DiscountCode:
        code = DiscountCode(
            self.ids.next(),
            self.ids.next(),
            spec.code,
            spec.title or spec.code,
            spec.value_type,
            spec.value,
            now,
        )
        self.discount_codes[code.id] = code
        return code

    def add_gift_card(self, spec: GiftCardSpec, now: datetime, order_id: int | None = None) -> GiftCard:
        card = GiftCard(
            self.ids.next(),
            spec.code,
            spec.value,
            spec.value,
            self.config.currency,
            now,
            now,
            order_id=order_id,
        )
        self.gift_cards[card.id] = card
        return card

    def add_customer(self, spec: CustomerSpec, now: datetime) -> Customer:
        if spec.email and self.customer_by_email(spec.email):
            raise DomainRefusal("DUPLICATE_CUSTOMER", f"A customer with email {spec.email} already exists.")
        customer = Customer(
            self.ids.next(),
            spec.email,
            now,
            now,
            first_name=spec.first_name,
            last_name=spec.last_name,
            phone=spec.phone,
        )
        self.customers[customer.id] = customer
        return customer


def record_number(reference: str | int, kind: str) -> int:
    """A record's number from a plain number, a numeric string or a GID of `kind` (control-API friendly)."""
    if isinstance(reference, int):
        return reference
    if reference.isdigit():
        return int(reference)
    try:
        return parse_gid(reference, kind)
    except InvalidGid as error:
        raise DomainRefusal("INVALID_ID", str(error)) from error


def new_shop(spec: ShopSpec, now: datetime, ids: IdSequence | None = None) -> ShopState:
    """A shop with its locations, catalog, codes and customers seeded from the spec."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", spec.name):
        raise DomainRefusal(
            "INVALID_SHOP_NAME", f"Shop name '{spec.name}' must be lowercase letters, digits, '-'."
        )
    unknown = sorted({spec.currency, *spec.exchange_rates} - SUPPORTED_CURRENCIES)
    if unknown:
        raise DomainRefusal(
            "UNSUPPORTED_CURRENCY", f"Currencies not supported by the emulator: {', '.join(unknown)}."
        )
    if any(rate <= 0 for rate in spec.exchange_rates.values()):
        raise DomainRefusal("INVALID_EXCHANGE_RATE", "Exchange rates must be positive.")
    token = spec.access_token or f"shpat_{secrets.token_hex(16)}"
    config = ShopConfig(
        spec.name,
        token,
        {"app": token, **spec.apps},
        spec.webhook_secret or secrets.token_hex(16),
        spec.currency,
        spec.tax_rate,
        dict(spec.exchange_rates),
        spec.bucket_size,
        spec.restore_rate,
    )
    state = ShopState(config, now, ids or IdSequence())
    for location in spec.locations:
        state.add_location(location, now)
    for product in spec.products:
        state.add_product(product, now)
    for code in spec.discount_codes:
        state.add_discount_code(code, now)
    for card in spec.gift_cards:
        state.add_gift_card(card, now)
    for customer in spec.customers:
        state.add_customer(customer, now)
    return state


def shop_gid(state: ShopState) -> str:
    return gid("Shop", zlib.crc32(state.config.name.encode()))
