"""Merchant changes to an accepted order: cancel (restock and refund) and edit (quantities, new lines)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import msgspec

from .checkout import Take, _allocate, _commit_stock
from .events import EventLog, ShopEvent
from .ids import gid
from .inventory import commit_for_order
from .ledger import UnitsMoved
from .model import FulfillmentOrder, FulfillmentOrderLine, Order
from .order_builder import OrderTerms, line_items_for, price_in_both_currencies
from .order_status import unfulfilled_quantity
from .refunds import RefundLineRequest, RefundRequest, create_refund
from .requests import CancelSpec, EditSpec, OrderLineSpec, OrderSpec
from .store import ShopState, record_number
from .user_errors import DomainRefusal


def cancel_order(state: ShopState, order: Order, spec: CancelSpec, now: datetime) -> list[ShopEvent]:
    """orderCancel: unfulfilled units go back to available (restock) and the payment is refunded."""
    if order.cancelled_at is not None:
        raise DomainRefusal("ALREADY_CANCELLED", f"Order {order.name} is already cancelled.")
    if any(line.fulfilled_quantity and not line.is_gift_card for line in order.line_items):
        raise DomainRefusal(
            "ALREADY_FULFILLED", f"Order {order.name} has fulfilled items and can't be cancelled."
        )
    events = EventLog()
    lines = [
        RefundLineRequest(line.id, line.current_quantity, "CANCEL" if spec.restock else "NO_RESTOCK")
        for line in order.line_items
        if line.current_quantity and not line.is_gift_card
    ]
    request = RefundRequest(lines, full_shipping=spec.refund, transactions=None if spec.refund else [])
    _refund, errors = create_refund(state, order, request, now, events)
    if errors:
        raise DomainRefusal("CANCEL_FAILED", "; ".join(e.message for e in errors))
    for fo in order.fulfillment_orders:  # nothing shipped (checked above), so every one is cancelled
        fo.status = "CANCELLED"
    order.cancelled_at = order.closed_at = order.updated_at = now
    order.cancel_reason = spec.reason
    events.add("orders/cancelled", order)
    events.add("orders/updated", order)
    return events.events


def edit_order(state: ShopState, order: Order, spec: EditSpec, now: datetime) -> list[ShopEvent]:
    """orderEdit: lower or raise a line's current quantity (stock follows) and add new lines."""
    if order.cancelled_at is not None:
        raise DomainRefusal("ORDER_CANCELLED", f"Order {order.name} is cancelled and can't be edited.")
    events = EventLog()
    lines = {line.id: line for line in order.line_items}
    for change in spec.set_quantities:
        line = lines.get(record_number(change.line_item_id, "LineItem"))
        if line is None:
            raise DomainRefusal("UNKNOWN_LINE_ITEM", f"No line item {change.line_item_id} on {order.name}.")
        if change.quantity < line.current_quantity - unfulfilled_quantity(order, line) or change.quantity < 0:
            raise DomainRefusal("INVALID_QUANTITY", "A line can't go below its fulfilled quantity.")
    for change in spec.set_quantities:  # validated above; now apply
        line = lines[record_number(change.line_item_id, "LineItem")]
        delta = change.quantity - line.current_quantity
        if delta < 0:
            request = RefundRequest([RefundLineRequest(line.id, -delta, "CANCEL")], transactions=[])
            _refund, errors = create_refund(state, order, request, now, events)
            if errors:
                raise DomainRefusal("EDIT_FAILED", "; ".join(e.message for e in errors))
        elif delta > 0:
            _increase(state, order, line.id, delta, now, events)
    if spec.add_lines:
        _add_lines(state, order, spec, now, events)
    order.updated_at = now
    events.add("orders/updated", order)
    return events.events


def _order_spec_like(order: Order, state: ShopState, lines: list[OrderLineSpec]) -> OrderSpec:
    location = gid("Location", order.retail_location_id) if order.retail_location_id else None
    return OrderSpec(lines=lines, source="pos" if order.source_name == "pos" else "web", location=location)


def _increase(
    state: ShopState, order: Order, line_id: int, delta: int, now: datetime, events: EventLog
) -> None:
    line = next(li for li in order.line_items if li.id == line_id)
    takes: list[Take] = _allocate(
        state, _order_spec_like(order, state, [OrderLineSpec(line.sku, delta)]), []
    )[0]
    item_id = state.variants[line.variant_id].inventory_item_id  # type: ignore[index]
    for take in takes:
        level = state.stock_level(item_id, take.location_id, now)
        available_before = level.quantities["available"]
        commit_for_order(level, take.quantity, now)
        events.add("inventory_levels/update", level)
        fo = next(
            (
                fo
                for fo in order.fulfillment_orders
                if fo.location_id == take.location_id and fo.status not in ("CLOSED", "CANCELLED")
            ),
            None,
        )
        if fo is None:
            fo = FulfillmentOrder(state.ids.next(), order.id, take.location_id, now, now, [])
            order.fulfillment_orders.append(fo)
        fo.lines.append(FulfillmentOrderLine(state.ids.next(), line.id, take.quantity, take.quantity))
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
    line.current_quantity += delta


def _add_lines(state: ShopState, order: Order, spec: EditSpec, now: datetime, events: EventLog) -> None:
    order_spec = msgspec.structs.replace(
        _order_spec_like(order, state, list(spec.add_lines)), presentment_currency=order.presentment_currency
    )
    plan = _allocate(state, order_spec, [])
    variants = [state.variant_by_sku(line.sku) for line in spec.add_lines]
    rate = order.total_price.presentment / order.total_price.shop if order.total_price.shop else Decimal(1)
    location = state.locations.get(order.retail_location_id or -1)
    terms = OrderTerms(order_spec, variants, rate, pos_location=location)  # added lines get no discount
    added = line_items_for(state, terms, price_in_both_currencies(state, terms))
    # Commit stock through a view of the order holding only the new lines, then graft them on.
    view = dataclasses.replace(order, line_items=added, fulfillment_orders=[])
    _commit_stock(state, view, plan, [], now, events)
    order.line_items.extend(added)
    order.fulfillment_orders.extend(view.fulfillment_orders)
