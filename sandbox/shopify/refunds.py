"""Refunds: what may be refunded, the money per line, and restocking (RETURN / CANCEL / NO_RESTOCK). Pure.

RETURN puts fulfilled units back to `available` at a location; CANCEL releases unfulfilled units from
`committed`; NO_RESTOCK moves no stock for shipped units and writes off unshipped ones [reference §5; U].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .events import EventLog
from .ids import gid
from .inventory import move, release_commitment, restock_returned
from .ledger import UnitsMoved
from .model import LineItem, Order, Refund, RefundLine, Transaction
from .money import MoneyBag, rest_amount, to_cents
from .order_status import net_payment, unfulfilled_quantity
from .store import ShopState
from .user_errors import UserError


@dataclass(frozen=True)
class RefundLineRequest:
    line_item_id: int | None
    quantity: int
    restock_type: str
    location_id: int | None = None


@dataclass(frozen=True)
class RefundTransactionRequest:
    parent_id: int | None
    amount: Decimal  # in the order's presentment currency
    gateway: str
    kind: str = "REFUND"


@dataclass(frozen=True)
class RefundRequest:
    lines: list[RefundLineRequest]
    shipping_amount: Decimal | None = None
    full_shipping: bool = False
    transactions: list[RefundTransactionRequest] | None = None  # None: refund the suggested amount
    note: str | None = None


def _returnable(order: Order, line: LineItem) -> int:
    returned = sum(
        rl.quantity
        for r in order.refunds
        for rl in r.lines
        if rl.line_item_id == line.id and rl.restock_type in ("RETURN", "NO_RESTOCK")
    )
    return line.fulfilled_quantity - returned


def _line_errors(order: Order, request: RefundRequest) -> list[UserError]:
    lines = {line.id: line for line in order.line_items}
    errors = []
    for index, row in enumerate(request.lines):
        path = ["refundLineItems", str(index)]
        line = lines.get(row.line_item_id)  # type: ignore[arg-type]
        if line is None:
            errors.append(UserError([*path, "lineItemId"], "Line item does not exist on this order."))
        elif row.quantity <= 0 or row.quantity > line.current_quantity:
            errors.append(
                UserError(
                    [*path, "quantity"],
                    f"Quantity cannot refund more items than were purchased ({line.current_quantity}).",
                )
            )
        elif row.restock_type == "RETURN" and row.quantity > _returnable(order, line):
            errors.append(UserError([*path, "restockType"], "Only fulfilled items can be returned."))
        elif row.restock_type == "CANCEL" and row.quantity > unfulfilled_quantity(order, line):
            errors.append(UserError([*path, "restockType"], "Only unfulfilled items can be cancelled."))
    return errors


def _suggested_lines(
    order: Order, request: RefundRequest
) -> list[tuple[LineItem, RefundLineRequest, MoneyBag, MoneyBag]]:
    lines = {line.id: line for line in order.line_items}
    priced = []
    for row in request.lines:
        line = lines[row.line_item_id]  # type: ignore[index]
        gross = MoneyBag(
            line.unit_price.shop * line.quantity,
            line.unit_price.presentment * line.quantity,
            order.currency,
            order.presentment_currency,
        )
        subtotal = (gross - line.discount_allocation).scaled(row.quantity, line.quantity)
        priced.append((line, row, subtotal, line.total_tax.scaled(row.quantity, line.quantity)))
    return priced


def _shipping(order: Order, request: RefundRequest) -> tuple[MoneyBag, list[UserError]]:
    refunded = order.total_shipping.zero_like()
    for refund in order.refunds:
        refunded = refunded + refund.shipping
    left = order.total_shipping - refunded
    if request.full_shipping:
        return left, []
    if request.shipping_amount is None:
        return left.zero_like(), []
    if request.shipping_amount > left.presentment:
        return left, [UserError(["shipping", "amount"], "Shipping refund amount is greater than refundable.")]
    return left.scaled(1, 1) if request.shipping_amount == left.presentment else _convert(
        order, request.shipping_amount
    ), []


def _convert(order: Order, presentment_amount: Decimal) -> MoneyBag:
    total = order.total_price
    shop = (
        presentment_amount
        if total.presentment == 0
        else to_cents(presentment_amount * total.shop / total.presentment)
    )
    return MoneyBag(shop, presentment_amount, order.currency, order.presentment_currency)


def _suggested_transactions(order: Order, amount: MoneyBag) -> list[RefundTransactionRequest]:
    """Refund the card/cash payment first, then the gift card, each up to what it paid."""
    requests, left = [], amount.presentment
    for sale in reversed([t for t in order.transactions if t.kind in ("SALE", "CAPTURE")]):
        refunded = sum(
            (
                t.amount.presentment
                for t in order.transactions
                if t.kind == "REFUND" and t.parent_id == sale.id
            ),
            Decimal(0),
        )
        share = min(left, sale.amount.presentment - refunded)
        if share > 0:
            requests.append(RefundTransactionRequest(sale.id, share, sale.gateway))
            left -= share
    return requests


def _transaction_errors(order: Order, requests: list[RefundTransactionRequest]) -> list[UserError]:
    parents = {t.id for t in order.transactions}
    for request in requests:
        if request.kind != "REFUND":
            return [UserError(None, f"Kind {request.kind.lower()} is not a valid transaction")]
        if request.parent_id not in parents:
            return [UserError(None, "Transactions require a parent_id associated with the order")]
    total = sum((r.amount for r in requests), Decimal(0))
    received = net_payment(order).presentment
    if total > received:
        return [
            UserError(
                None,
                f"Refund amount ${rest_amount(total)} is greater than net payment received "
                f"${rest_amount(received)}",
            )
        ]
    return []


def create_refund(
    state: ShopState, order: Order, request: RefundRequest, now: datetime, events: EventLog
) -> tuple[Refund | None, list[UserError]]:
    """refundCreate: validates everything first, then restocks, records money and updates the order."""
    errors = _line_errors(order, request)
    if errors:
        return None, errors
    priced = _suggested_lines(order, request)
    shipping, errors = _shipping(order, request)
    if errors:
        return None, errors
    suggested = shipping
    for _line, _row, subtotal, tax in priced:
        suggested = suggested + subtotal + tax
    transactions = (
        request.transactions
        if request.transactions is not None
        else _suggested_transactions(order, suggested)
    )
    errors = _transaction_errors(order, transactions)
    if errors:
        return None, errors
    refund_lines = [
        refund_line
        for line, row, subtotal, tax in priced
        for refund_line in _restock(state, order, line, row, subtotal, tax, now, events)
    ]
    recorded = [_record_transaction(state, order, t, now) for t in transactions]
    total = order.total_price.zero_like()
    for transaction in recorded:
        total = total + transaction.amount
    refund = Refund(
        state.ids.next(), order.id, now, refund_lines, [t.id for t in recorded], total, shipping, request.note
    )
    order.refunds.append(refund)
    order.updated_at = now
    events.add("refunds/create", refund)
    events.add("orders/updated", order)
    return refund, []


def _record_transaction(
    state: ShopState, order: Order, request: RefundTransactionRequest, now: datetime
) -> Transaction:
    parent = next(t for t in order.transactions if t.id == request.parent_id)
    shop = (
        request.amount
        if parent.amount.presentment == 0
        else to_cents(request.amount * parent.amount.shop / parent.amount.presentment)
    )
    amount = MoneyBag(shop, request.amount, order.currency, order.presentment_currency)
    if parent.gift_card_id is not None:  # money goes back onto the card
        card = state.gift_cards[parent.gift_card_id]
        card.balance += shop
        card.updated_at = now
    transaction = Transaction(
        state.ids.next(),
        "REFUND",
        "SUCCESS",
        request.gateway,
        amount,
        now,
        parent_id=parent.id,
        location_id=parent.location_id,
        source_name=parent.source_name,
        gift_card_id=parent.gift_card_id,
    )
    order.transactions.append(transaction)
    return transaction


def _restock(
    state: ShopState,
    order: Order,
    line: LineItem,
    row: RefundLineRequest,
    subtotal: MoneyBag,
    tax: MoneyBag,
    now: datetime,
    events: EventLog,
) -> list[RefundLine]:
    """Stock and bookkeeping for one refunded line; unshipped units spread over several locations
    give one refund line per location, so each row says where its units went."""
    line.current_quantity -= row.quantity
    line.refunded_quantity += row.quantity
    item_id = state.variants[line.variant_id].inventory_item_id if line.variant_id else None
    location_id = row.location_id
    shipped_from = next(
        (f.location_id for f in order.fulfillments for fl in f.lines if fl.line_item_id == line.id), None
    )
    if row.restock_type == "RETURN":
        location_id = location_id or shipped_from or order.retail_location_id
        if item_id is not None and location_id is not None and state.items[item_id].tracked:
            level = state.stock_level(item_id, location_id, now)
            restock_returned(level, row.quantity, now)
            events.add("inventory_levels/update", level)
            _log_restock(state, order, line, location_id, row.quantity, now)
    elif row.restock_type == "NO_RESTOCK" and row.quantity <= _returnable(order, line):
        location_id = location_id or shipped_from or order.retail_location_id
    else:
        parts = _cancel_from_fulfillment_orders(state, order, line, row, item_id, now, events)
        return _split_refund_line(state, line, row, parts, subtotal, tax)
    return [RefundLine(state.ids.next(), line.id, row.quantity, row.restock_type, location_id, subtotal, tax)]


def _split_refund_line(
    state: ShopState,
    line: LineItem,
    row: RefundLineRequest,
    parts: list[tuple[int, int]],
    subtotal: MoneyBag,
    tax: MoneyBag,
) -> list[RefundLine]:
    rows: list[RefundLine] = []
    subtotal_left, tax_left = subtotal, tax
    for index, (location_id, quantity) in enumerate(parts):
        last = index == len(parts) - 1  # the last part takes the rounding remainder
        part_subtotal = subtotal_left if last else subtotal.scaled(quantity, row.quantity)
        part_tax = tax_left if last else tax.scaled(quantity, row.quantity)
        subtotal_left, tax_left = subtotal_left - part_subtotal, tax_left - part_tax
        rows.append(
            RefundLine(
                state.ids.next(), line.id, quantity, row.restock_type, location_id, part_subtotal, part_tax
            )
        )
    return rows


def _cancel_from_fulfillment_orders(
    state: ShopState,
    order: Order,
    line: LineItem,
    row: RefundLineRequest,
    item_id: int | None,
    now: datetime,
    events: EventLog,
) -> list[tuple[int, int]]:
    """Take unshipped units off open fulfillment orders; returns (location, units) taken per location."""
    left, taken = row.quantity, []
    for fo in order.fulfillment_orders:
        for fo_line in fo.lines:
            if fo_line.line_item_id != line.id or not fo_line.remaining_quantity or not left:
                continue
            take = min(left, fo_line.remaining_quantity)
            fo_line.remaining_quantity -= take
            left -= take
            taken.append((fo.location_id, take))
            if all(fl.remaining_quantity == 0 for fl in fo.lines):
                fo.status = "CLOSED"
            fo.updated_at = now
            level = state.levels.get((item_id, fo.location_id)) if item_id else None
            if level is not None and state.items[level.item_id].tracked:
                if row.restock_type == "CANCEL":
                    release_commitment(level, take, now)
                    _log_restock(state, order, line, fo.location_id, take, now)
                else:
                    move(level, "committed", None, take, now)
                    _log_restock(state, order, line, fo.location_id, take, now, kind="written_off")
                events.add("inventory_levels/update", level)
    return taken


def _log_restock(
    state: ShopState,
    order: Order,
    line: LineItem,
    location_id: int,
    quantity: int,
    now: datetime,
    kind: str = "restocked",
) -> None:
    location = state.locations[location_id]
    state.ledger.movements.append(
        UnitsMoved(
            now,
            kind,
            gid("Order", order.id),
            order.name,
            line.sku,
            gid("Location", location_id),
            location.name,
            quantity,
            order.source_name,
        )
    )
