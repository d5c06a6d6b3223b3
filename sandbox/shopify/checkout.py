"""Placing an order as a storefront checkout or a POS sale would: acceptance, pricing, payment, stock.

Selling obeys the published quantity: with inventory policy DENY an order for more than `available`
at its location(s) is refused as a storefront would; an accepted order moves units available → committed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .events import EventLog, ShopEvent
from .fulfillment import ship
from .ids import gid
from .inventory import commit_for_order, convert_hold_to_order, release_hold
from .ledger import UnitsMoved
from .model import (
    CheckoutHold,
    Customer,
    FulfillmentOrder,
    FulfillmentOrderLine,
    GiftCard,
    Location,
    Order,
)
from .order_builder import OrderTerms, build_order, issue_sold_gift_cards, take_payment
from .order_status import financial_status
from .pricing import Discount
from .requests import CustomerSpec, OrderSpec
from .store import ShopState, record_number
from .user_errors import DomainRefusal


@dataclass
class Take:
    """Units of one order line served from one location; `held` of them come from checkout holds."""

    location_id: int
    quantity: int
    held: int = 0
    hold_id: int | None = None


def _candidate_locations(state: ShopState, spec: OrderSpec, item_id: int) -> list[Location]:
    if spec.location is not None:
        return [state.location(spec.location)]
    # Web orders route to active online-fulfilling locations that stock the item, oldest first.
    return [
        loc
        for loc in sorted(state.locations.values(), key=lambda loc: loc.id)
        if loc.is_active and loc.fulfills_online_orders and (item_id, loc.id) in state.levels
    ]


def _allocate(state: ShopState, spec: OrderSpec, holds: list[CheckoutHold]) -> list[list[Take]]:
    """Where each line's units come from; refuses when DENY stock is short anywhere."""
    taken: dict[tuple[int, int], int] = defaultdict(int)
    held_left = {hold.id: hold.quantity for hold in holds}
    plan: list[list[Take]] = []
    for line in spec.lines:
        variant = state.variant_by_sku(line.sku)
        item = state.items[variant.inventory_item_id]
        if state.products[variant.product_id].is_gift_card:
            plan.append([])
            continue
        candidates = _candidate_locations(state, spec, item.id)
        takes: list[Take] = []
        remaining = line.quantity
        for hold in holds:
            if hold.item_id == item.id and remaining and held_left[hold.id]:
                use = min(remaining, held_left[hold.id])
                held_left[hold.id] -= use
                remaining -= use
                takes.append(Take(hold.location_id, use, held=use, hold_id=hold.id))
        for location in candidates:
            level = state.levels.get((item.id, location.id))
            free = (level.quantities["available"] if level else 0) - taken[(item.id, location.id)]
            use = min(remaining, max(free, 0)) if item.tracked else remaining
            if use > 0:
                taken[(item.id, location.id)] += use
                takes.append(Take(location.id, use))
                remaining -= use
        if remaining > 0:
            if variant.inventory_policy == "DENY" and item.tracked:
                where = candidates[0].name if len(candidates) == 1 else "online locations"
                raise DomainRefusal(
                    "INSUFFICIENT_INVENTORY",
                    f"Only {line.quantity - remaining} of '{line.sku}' available at {where}; "
                    f"{line.quantity} requested.",
                    sku=line.sku,
                    requested=line.quantity,
                    available=line.quantity - remaining,
                    location=where,
                )
            if not candidates:
                raise DomainRefusal(
                    "NOT_STOCKED",
                    f"'{line.sku}' is not stocked at any location that can sell it.",
                    sku=line.sku,
                )
            takes.append(Take(candidates[0].id, remaining))  # CONTINUE: oversell on purpose
        plan.append(takes)
    return plan


def _validate(state: ShopState, spec: OrderSpec) -> tuple[Decimal, Location | None]:
    if not spec.lines:
        raise DomainRefusal("EMPTY_ORDER", "An order needs at least one line.")
    for line in spec.lines:
        if line.quantity <= 0:
            raise DomainRefusal(
                "INVALID_QUANTITY", f"Quantity of '{line.sku}' must be positive.", sku=line.sku
            )
        product = state.products[state.variant_by_sku(line.sku).product_id]
        if product.status != "ACTIVE":  # archived and draft products can't be bought
            raise DomainRefusal(
                "PRODUCT_NOT_ACTIVE", f"'{line.sku}' is not for sale ({product.status}).", sku=line.sku
            )
    location = state.location(spec.location) if spec.location is not None else None
    if spec.source == "pos" and (location is None or not location.is_pos):
        raise DomainRefusal("NOT_A_POS_LOCATION", "A POS sale needs `location` naming a POS location.")
    currency = spec.presentment_currency or state.config.currency
    if currency == state.config.currency:
        return Decimal(1), location
    if currency not in state.config.exchange_rates:
        raise DomainRefusal("UNSUPPORTED_CURRENCY", f"Shop {state.config.name} does not sell in {currency}.")
    return state.config.exchange_rates[currency], location


def _holds(state: ShopState, hold_ids: list[str], now: datetime) -> list[CheckoutHold]:
    holds = []
    for reference in hold_ids:
        hold = state.holds.get(record_number(reference, "CheckoutHold"))
        if hold is None or hold.state != "held" or hold.expires_at <= now:
            raise DomainRefusal(
                "HOLD_NOT_ACTIVE", f"Checkout hold {reference} is not active (expired or released)."
            )
        holds.append(hold)
    return holds


def _discount(state: ShopState, code: str | None) -> tuple[Discount | None, str | None]:
    if code is None:
        return None, None
    found = next((d for d in state.discount_codes.values() if d.code.lower() == code.lower()), None)
    if found is None or found.status != "ACTIVE":
        raise DomainRefusal("INVALID_DISCOUNT_CODE", f"Discount code '{code}' is not valid.")
    return Discount(found.value_type, found.value), found.code


def _customer(
    state: ShopState, spec: CustomerSpec | None, now: datetime, events: EventLog
) -> Customer | None:
    if spec is None:
        return None
    if spec.id is not None:
        customer = state.customers.get(record_number(spec.id, "Customer"))
        if customer is None:
            raise DomainRefusal("UNKNOWN_CUSTOMER", f"No customer {spec.id}.")
        return customer
    existing = state.customer_by_email(spec.email) if spec.email else None
    if existing is not None:
        return existing
    customer = state.add_customer(spec, now)
    events.add("customers/create", customer)
    return customer


def place_order(state: ShopState, spec: OrderSpec, now: datetime) -> tuple[Order, list[ShopEvent]]:
    """Accepts (or refuses, raising DomainRefusal) an order; returns it with the events it caused."""
    rate, pos_location = _validate(state, spec)
    holds = _holds(state, spec.hold_ids, now)
    variants = [state.variant_by_sku(line.sku) for line in spec.lines]
    plan = _allocate(state, spec, holds)
    gift_card = _gift_card(state, spec.gift_card_code)
    if (
        spec.customer is not None
        and spec.customer.id is not None
        and record_number(spec.customer.id, "Customer") not in state.customers
    ):
        raise DomainRefusal("UNKNOWN_CUSTOMER", f"No customer {spec.customer.id}.")
    discount, code = _discount(state, spec.discount_code)
    # Everything is validated: from here on the order is accepted and the shop changes.
    events = EventLog()
    for discount_code in state.discount_codes.values():
        if code is not None and discount_code.code == code:
            discount_code.usage_count += 1
    customer = _customer(state, spec.customer, now, events)
    order = build_order(state, OrderTerms(spec, variants, rate, discount, code, customer, pos_location), now)
    take_payment(state, order, gift_card, now, paid=spec.paid)
    _commit_stock(state, order, plan, holds, now, events)
    issue_sold_gift_cards(state, order, now)
    if customer is not None:
        customer.orders_count += 1
        customer.amount_spent += order.total_price.shop
    state.orders[order.id] = order
    events.add("orders/create", order)
    if financial_status(order) == "PAID":
        events.add("orders/paid", order)
    if spec.source == "pos" and spec.pos_carry_out:
        _carry_out(state, order, now, events)
    return order, events.events


def _gift_card(state: ShopState, code: str | None) -> GiftCard | None:
    if code is None:
        return None
    card = next((c for c in state.gift_cards.values() if c.code == code), None)
    if card is None or not card.enabled or card.balance <= 0:
        raise DomainRefusal("INVALID_GIFT_CARD", f"Gift card '{code}' is not valid or has no balance.")
    return card


def _commit_stock(
    state: ShopState,
    order: Order,
    plan: list[list[Take]],
    holds: list[CheckoutHold],
    now: datetime,
    events: EventLog,
) -> None:
    by_location: dict[int, list[FulfillmentOrderLine]] = defaultdict(list)
    for line, takes in zip(order.line_items, plan, strict=True):
        item_id = state.variants[line.variant_id].inventory_item_id  # type: ignore[index]
        for take in takes:
            level = (
                state.stock_level(item_id, take.location_id, now) if state.items[item_id].tracked else None
            )
            if level is not None:
                available_before = level.quantities["available"]
                convert_hold_to_order(level, take.held, now)
                commit_for_order(level, take.quantity - take.held, now)
                events.add("inventory_levels/update", level)
            else:
                available_before = None
            location = state.locations[take.location_id]
            state.ledger.movements.append(
                UnitsMoved(
                    now,
                    "sold",
                    gid("Order", order.id),
                    order.name,
                    line.sku,
                    gid("Location", location.id),
                    location.name,
                    take.quantity,
                    order.source_name,
                    available_before,
                )
            )
            by_location[take.location_id].append(
                FulfillmentOrderLine(state.ids.next(), line.id, take.quantity, take.quantity)
            )
    _settle_holds(state, plan, holds, now, events)
    for location_id, lines in by_location.items():
        order.fulfillment_orders.append(
            FulfillmentOrder(state.ids.next(), order.id, location_id, now, now, lines)
        )


def _settle_holds(
    state: ShopState, plan: list[list[Take]], holds: list[CheckoutHold], now: datetime, events: EventLog
) -> None:
    """Converted holds are done; units a hold kept but the order did not need go back to available."""
    used: dict[int, int] = defaultdict(int)
    for take in (take for takes in plan for take in takes if take.hold_id is not None):
        used[take.hold_id] += take.held  # type: ignore[index]
    for hold in holds:
        leftover = hold.quantity - used[hold.id]
        if leftover:
            level = state.levels[(hold.item_id, hold.location_id)]
            release_hold(level, leftover, now)
            events.add("inventory_levels/update", level)
        hold.state = "converted"


def _carry_out(state: ShopState, order: Order, now: datetime, events: EventLog) -> None:
    rows = [
        (fo, fo_line.id, fo_line.remaining_quantity)
        for fo in order.fulfillment_orders
        for fo_line in fo.lines
    ]
    if rows:
        ship(state, order, rows, [], False, now, events)
