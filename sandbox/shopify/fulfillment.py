"""Shipping units from fulfillment orders: validation with Shopify's messages, then the stock movement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .events import EventLog
from .inventory import ship_committed
from .model import Fulfillment, FulfillmentLine, FulfillmentOrder, Order, TrackingInfo
from .order_status import fulfillment_status
from .store import ShopState
from .user_errors import UserError


@dataclass(frozen=True)
class FulfillmentOrderPick:
    """One `lineItemsByFulfillmentOrder` entry: lines None ships everything remaining."""

    fulfillment_order_id: int | None
    lines: list[tuple[int | None, int]] | None  # (fulfillment order line id, quantity)


def _find_fulfillment_order(state: ShopState, fo_id: int | None) -> tuple[Order, FulfillmentOrder] | None:
    for order in state.orders.values():
        for fo in order.fulfillment_orders:
            if fo.id == fo_id:
                return order, fo
    return None


_WHERE = ["fulfillment"]  # fulfillmentCreate's userErrors carry no code and this field [reference §4]
Row = tuple[FulfillmentOrder, int, int]  # (fulfillment order, its line id, quantity to ship)


def _rows_of_pick(fo: FulfillmentOrder, pick: FulfillmentOrderPick) -> list[Row] | UserError:
    if fo.status in ("CLOSED", "CANCELLED"):
        return UserError(
            _WHERE, f"Fulfillment order {fo.id} has an unfulfillable status= {fo.status.lower()}."
        )
    wanted = (
        pick.lines
        if pick.lines is not None
        else [(line.id, line.remaining_quantity) for line in fo.lines if line.remaining_quantity]
    )
    by_id = {line.id: line for line in fo.lines}
    rows: list[Row] = []
    for line_id, quantity in wanted:
        line = by_id.get(line_id) if line_id is not None else None
        if quantity <= 0:
            return UserError(_WHERE, "Quantity must be greater than 0")
        if line is None:
            return UserError(_WHERE, "Fulfillment order line item does not exist.")
        if quantity > line.remaining_quantity:
            return UserError(
                _WHERE,
                f"Invalid fulfillment order line item quantity requested: "
                f"{quantity} > {line.remaining_quantity} remaining.",
            )
        rows.append((fo, line.id, quantity))
    return rows


def _resolve_picks(
    state: ShopState, picks: list[FulfillmentOrderPick]
) -> tuple[list[UserError], Order | None, list[Row]]:
    """Checks the request and returns the rows to ship, or the first error as Shopify reports it."""
    found = [_find_fulfillment_order(state, pick.fulfillment_order_id) for pick in picks]
    located = [f for f in found if f is not None]
    if not picks or len(located) != len(picks):
        return [UserError(_WHERE, "Fulfillment order does not exist.")], None, []
    if len({order.id for order, _ in located}) > 1:
        return [UserError(_WHERE, "All fulfillment orders must belong to the same order.")], None, []
    if len({fo.location_id for _, fo in located}) > 1:
        return [UserError(_WHERE, "All fulfillment orders must be assigned to a single location.")], None, []
    rows: list[Row] = []
    for pick, (_order, fo) in zip(picks, located, strict=True):
        pick_rows = _rows_of_pick(fo, pick)
        if isinstance(pick_rows, UserError):
            return [pick_rows], None, []
        rows += pick_rows
    if not rows:
        return [UserError(_WHERE, "No fulfillable line items.")], None, []
    return [], located[0][0], rows


def create_fulfillment(
    state: ShopState,
    picks: list[FulfillmentOrderPick],
    tracking: list[TrackingInfo],
    notify_customer: bool,
    now: datetime,
    events: EventLog,
) -> tuple[Fulfillment | None, list[UserError]]:
    """fulfillmentCreate: ships the picked units (committed and on_hand go down at the location)."""
    errors, order, rows = _resolve_picks(state, picks)
    if errors or order is None:
        return None, errors
    return ship(state, order, rows, tracking, notify_customer, now, events), []


def ship(
    state: ShopState,
    order: Order,
    rows: list[tuple[FulfillmentOrder, int, int]],
    tracking: list[TrackingInfo],
    notify_customer: bool,
    now: datetime,
    events: EventLog,
) -> Fulfillment:
    """Records a fulfillment of already validated rows and moves the stock."""
    lines: list[FulfillmentLine] = []
    for fo, fo_line_id, quantity in rows:
        fo_line = next(line for line in fo.lines if line.id == fo_line_id)
        fo_line.remaining_quantity -= quantity
        fo.status = "CLOSED" if all(line.remaining_quantity == 0 for line in fo.lines) else "IN_PROGRESS"
        fo.updated_at = now
        line_item = next(li for li in order.line_items if li.id == fo_line.line_item_id)
        line_item.fulfilled_quantity += quantity
        level = (
            state.levels.get((state.variants[line_item.variant_id].inventory_item_id, fo.location_id))
            if line_item.variant_id
            else None
        )
        if level is not None and state.items[level.item_id].tracked:
            ship_committed(level, quantity, now)
            events.add("inventory_levels/update", level)
        lines.append(FulfillmentLine(state.ids.next(), line_item.id, quantity))
    fulfillment = Fulfillment(
        state.ids.next(),
        order.id,
        rows[0][0].location_id,
        f"{order.name}.{len(order.fulfillments) + 1}",
        now,
        now,
        lines,
        tracking,
        notify_customer,
    )
    order.fulfillments.append(fulfillment)
    order.updated_at = now
    events.add("fulfillments/create", fulfillment)
    events.add("orders/updated", order)
    if fulfillment_status(order) == "FULFILLED":
        events.add("orders/fulfilled", order)
    return fulfillment
