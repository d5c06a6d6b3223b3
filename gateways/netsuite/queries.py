"""SuiteQL text for the poller's delta sweeps (pure: strings in, strings out).

Every sweep is a window `lastmodifieddate >= since` read in pages ordered by the rows' unique key and
continued by keyset (`key > last key`), never by offset: each page is a fresh query from the last key
seen, so rows changing between pages cannot shift others past a page boundary, many rows sharing one
timestamp are all read, and the 100 000-row cap on one query never applies (§2, §7.4). The poller
moves its cursor to NetSuite's clock at the start of a sweep, so a row changed during the sweep is
read again by the next one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from gateways.netsuite.account_time import SUITEQL_FORMAT, AccountTime

# Item types that take stock when sold: inventory parts (serialized and lot-numbered too), assemblies,
# and kits (whose members take it; expanded with `kit_members`). Discounts, shipping, gift
# certificates and services are no SKU demand.
STOCKED_SALE_TYPES = ("InvtPart", "Assembly", "Kit")
KIT_TYPE = "Kit"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# Item columns by role; an account without one (or a role that may not read it) maps it to None.
DEFAULT_ITEM_COLUMNS: dict[str, str | None] = {
    "title": "displayname",
    "price": "baseprice",
    "weight": "weight",
}


class StockKey(msgspec.Struct, frozen=True):
    item_id: int
    location_id: int


class LineKey(msgspec.Struct, frozen=True):
    order_id: int
    line_id: int


def ids_list(ids: Sequence[int | str]) -> str:
    """`1, 2, 3` for an IN list; anything but a whole number is refused (no text reaches the query)."""
    values = []
    for value in ids:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit():
            raise ValueError(f"a NetSuite internal id must be a whole number, got {value!r}")
        values.append(str(int(text)))
    if not values:
        raise ValueError("an IN list needs at least one id")
    return ", ".join(values)


def text_list(values: Sequence[str]) -> str:
    """`'a', 'b'` for an IN list of strings: quotes doubled, as SQL string literals escape them."""
    if not values:
        raise ValueError("an IN list needs at least one value")
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def server_now() -> str:
    """NetSuite's own clock, in account-local text (the reference: get "now" from DUAL)."""
    return f"SELECT TO_CHAR(CURRENT_TIMESTAMP, '{SUITEQL_FORMAT}') AS now FROM DUAL"


def stock_levels(
    time: AccountTime,
    *,
    since: float | None,
    after: StockKey | None,
    locations: Sequence[str] | None,
    items: Sequence[int] | None = None,
    skus: Sequence[str] | None = None,
) -> str:
    """Per item × location quantities changed since `since` (all of them when None)."""
    where = []
    if since is not None:
        where.append(f"iil.lastmodifieddate >= {time.at_or_before(since)}")
    if locations:
        where.append(f"iil.location IN ({ids_list(locations)})")
    if items:
        where.append(f"iil.item IN ({ids_list(items)})")
    if skus:
        where.append(f"i.itemid IN ({text_list(skus)})")
    if after is not None:
        item, location = after.item_id, after.location_id
        where.append(f"(iil.item > {item} OR (iil.item = {item} AND iil.location > {location}))")
    return (
        "SELECT iil.item AS item_id, i.itemid AS sku, iil.location AS location_id, "
        "iil.quantityonhand AS on_hand, iil.quantitycommitted AS committed, "
        "iil.quantityintransit AS in_transit, "
        f"{time.select('iil.lastmodifieddate', 'modified')} "
        "FROM inventoryitemlocations iil JOIN item i ON i.id = iil.item"
        f"{_where(where)} ORDER BY iil.item, iil.location"
    )


def items(
    time: AccountTime, *, since: float | None, after: int | None, columns: dict[str, str | None] | None = None
) -> str:
    """Item master data (sku, title, price, weight, active) saved since `since`."""
    columns = {**DEFAULT_ITEM_COLUMNS, **(columns or {})}
    for alias, column in columns.items():
        if column is not None and not _IDENTIFIER.match(column):
            raise ValueError(f"item column for {alias} must be a SuiteQL column name, got {column!r}")
    optional = ", ".join(f"i.{column} AS {alias}" for alias, column in columns.items() if column)
    where = []
    if since is not None:
        where.append(f"i.lastmodifieddate >= {time.at_or_before(since)}")
    if after is not None:
        where.append(f"i.id > {int(after)}")
    return (
        "SELECT i.id AS item_id, i.itemid AS sku, i.isinactive AS inactive, i.itemtype AS item_type, "
        f"{optional + ', ' if optional else ''}{time.select('i.lastmodifieddate', 'modified')} "
        f"FROM item i{_where(where)} ORDER BY i.id"
    )


def sales_order_lines(time: AccountTime, *, since: float | None, after: LineKey | None) -> str:
    """Lines of sales orders with an external id, saved since `since`: which SKUs each order touches."""
    where = [
        "t.type = 'SalesOrd'",
        "t.externalid IS NOT NULL",
        "tl.mainline = 'F'",
        f"i.itemtype IN ({', '.join(repr(t) for t in STOCKED_SALE_TYPES)})",
    ]
    if since is not None:
        where.append(f"t.lastmodifieddate >= {time.at_or_before(since)}")
    if after is not None:
        order, line = after.order_id, after.line_id
        where.append(f"(t.id > {order} OR (t.id = {order} AND tl.id > {line}))")
    return (
        "SELECT t.id AS order_id, t.externalid AS external_id, tl.id AS line_id, tl.item AS item_id, "
        "i.itemid AS sku, i.itemtype AS item_type, "
        f"{time.select('t.createddate', 'created')}, {time.select('t.lastmodifieddate', 'modified')} "
        "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id JOIN item i ON i.id = tl.item"
        f"{_where(where)} ORDER BY t.id, tl.id"
    )


def kit_members(kits: Sequence[int]) -> str:
    """The component items of kits: selling a kit takes its members out of stock (§5)."""
    return (
        "SELECT m.parentitem AS kit_id, m.item AS item_id, i.itemid AS sku "
        f"FROM itemmember m JOIN item i ON i.id = m.item WHERE m.parentitem IN ({ids_list(kits)}) "
        "ORDER BY m.parentitem, m.item"
    )


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""
