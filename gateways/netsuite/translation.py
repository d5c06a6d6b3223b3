"""SuiteQL rows → bus messages (pure). Ids are made from the row itself, so a row read twice by two
overlapping windows is published twice under one `Nats-Msg-Id` and JetStream keeps one (DESIGN §4).

SuiteQL returns every value as a string and leaves NULL columns out (reference/netsuite.md §2).
A row that cannot be read raises `BadRow`; the poller dead-letters it and carries on.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

import msgspec

from actors.sku_messages import SKU_KIND, SalesOrderSeen, StockReading
from bus import subjects
from bus.bus import Outgoing
from bus.envelope import make_envelope
from gateways.netsuite.messages import ITEM_EVENT_KIND, ItemChanged
from gateways.netsuite.queries import LineKey, StockKey

Row = Mapping[str, str]


class BadRow(ValueError):
    """A row the poller cannot translate (missing key column, a quantity that is not a number)."""


class StockRow(msgspec.Struct, frozen=True):
    item_id: int
    sku: str
    location_id: str
    on_hand: int
    committed: int
    in_transit: int
    modified: str  # account-local text as NetSuite sent it; "" for a level never touched (NULL)


class OrderLineRow(msgspec.Struct, frozen=True):
    order_id: int  # NetSuite internal id of the sales order
    external_id: str
    line_id: int
    item_id: int
    sku: str
    item_type: str
    created: str
    modified: str


class ItemRow(msgspec.Struct, frozen=True):
    item_id: int
    sku: str
    title: str | None
    price: Decimal | None
    weight: Decimal | None
    active: bool
    item_type: str
    modified: str


# -- reading rows ----------------------------------------------------------------------------------


def parse_stock_row(row: Row) -> StockRow:
    # Quantities may be fractional (items sold by weight); rounding errs towards selling less.
    return StockRow(
        item_id=_whole(row, "item_id"),
        sku=_text(row, "sku"),
        location_id=str(_whole(row, "location_id")),
        on_hand=math.floor(_decimal(row, "on_hand")),
        committed=math.ceil(_decimal(row, "committed")),
        in_transit=math.floor(_decimal(row, "in_transit")),
        modified=row.get("modified", ""),
    )


def parse_order_line_row(row: Row) -> OrderLineRow:
    return OrderLineRow(
        order_id=_whole(row, "order_id"),
        external_id=_text(row, "external_id"),
        line_id=_whole(row, "line_id"),
        item_id=_whole(row, "item_id"),
        sku=_text(row, "sku"),
        item_type=_text(row, "item_type"),
        created=_text(row, "created"),
        modified=_text(row, "modified"),
    )


def parse_item_row(row: Row) -> ItemRow:
    return ItemRow(
        item_id=_whole(row, "item_id"),
        sku=_text(row, "sku"),
        title=row.get("title") or None,
        price=_decimal(row, "price") if row.get("price") else None,
        weight=_decimal(row, "weight") if row.get("weight") else None,
        active=row.get("inactive", "F") != "T",
        item_type=row.get("item_type") or "",
        modified=_text(row, "modified"),
    )


def _text(row: Row, column: str) -> str:
    value = row.get(column)
    if not value:
        raise BadRow(f"column {column!r} is missing or empty")
    return value


def _whole(row: Row, column: str) -> int:
    value = _text(row, column)
    if not value.isascii() or not value.isdigit():
        raise BadRow(f"column {column!r} is not a whole number: {value!r}")
    return int(value)


def _decimal(row: Row, column: str) -> Decimal:
    value = row.get(column)
    if value is None or value == "":
        return Decimal(0)  # SuiteQL leaves NULL columns out: no quantity recorded is none
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise BadRow(f"column {column!r} is not a number: {value!r}") from None
    if not number.is_finite():
        raise BadRow(f"column {column!r} is not a finite number: {value!r}")
    return number


def stock_key(row: Row) -> StockKey:
    """The keyset position of a raw stock row (raises KeyError/ValueError when it has none)."""
    return StockKey(int(row["item_id"]), int(row["location_id"]))


def item_key(row: Row) -> int:
    return int(row["item_id"])


def line_key(row: Row) -> LineKey:
    return LineKey(int(row["order_id"]), int(row["line_id"]))


# -- messages --------------------------------------------------------------------------------------


def stock_msg_id(row: StockRow) -> str:
    """One id per state of a stock level: same item, location, modification and quantities."""
    return (
        f"netsuite.stock:{row.item_id}:{row.location_id}:{row.modified}:"
        f"{row.on_hand}:{row.committed}:{row.in_transit}"
    )


def absorption_msg_id(row: StockRow, order_versions: Iterable[tuple[int, str]]) -> str:
    """A reading taken because sales orders were seen: one per (level state, set of order versions)."""
    versions = ",".join(f"{order}@{modified}" for order, modified in sorted(set(order_versions)))
    digest = hashlib.blake2b(versions.encode(), digest_size=12).hexdigest()
    return f"{stock_msg_id(row)}:after:{digest}"


def stock_reading(row: StockRow, read_at: float, msg_id: str | None = None) -> Outgoing:
    """A StockReading to the SKU's actor; `read_at` is when the query was sent (never later)."""
    payload = StockReading(
        location=row.location_id,
        on_hand=row.on_hand,
        committed=row.committed,
        in_transit=row.in_transit,
        read_at=read_at,
    )
    message_id = msg_id or stock_msg_id(row)
    return Outgoing(
        subject=subjects.actor(SKU_KIND, row.sku),
        envelope=make_envelope(payload, key=row.sku, id=message_id, at=read_at),
        msg_id=message_id,
        template="act.sku.{sku}",
        attributes={"tandem.flow": "inventory", "tandem.sku": row.sku},
    )


def sales_order_seen(
    *,
    order_id: str,
    sku: str,
    netsuite_id: int,
    modified_text: str,
    created_at: float,
    modified_at: float,
    seen_at: float,
) -> Outgoing:
    """A SalesOrderSeen to one SKU's actor; one id per (sales order version, SKU)."""
    payload = SalesOrderSeen(
        order_id=order_id, created_at=created_at, modified_at=modified_at, seen_at=seen_at
    )
    message_id = f"netsuite.so:{netsuite_id}:{modified_text}:{sku}"
    return Outgoing(
        subject=subjects.actor(SKU_KIND, sku),
        envelope=make_envelope(payload, key=sku, id=message_id, at=seen_at),
        msg_id=message_id,
        template="act.sku.{sku}",
        attributes={"tandem.flow": "inventory", "tandem.sku": sku, "tandem.order": order_id},
    )


def item_changed(row: ItemRow, *, modified_at: float, read_at: float) -> Outgoing:
    """An ItemChanged on evt.netsuite.item, keyed by SKU; one id per saved version of the item."""
    payload = ItemChanged(
        item_id=str(row.item_id),
        sku=row.sku,
        title=row.title,
        price=row.price,
        weight=row.weight,
        active=row.active,
        item_type=row.item_type,
        modified_at=modified_at,
        read_at=read_at,
    )
    values = msgspec.json.encode([row.sku, row.title, row.price, row.weight, row.active])
    digest = hashlib.blake2b(values, digest_size=8).hexdigest()
    message_id = f"netsuite.item:{row.item_id}:{row.modified}:{digest}"
    return Outgoing(
        subject=subjects.netsuite_event(ITEM_EVENT_KIND),
        envelope=make_envelope(payload, key=row.sku, id=message_id, at=read_at),
        msg_id=message_id,
        attributes={"tandem.flow": "items", "tandem.sku": row.sku},
    )
