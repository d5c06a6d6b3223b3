"""A sales order's stock and status bookkeeping: its demands in the warehouse, its line counts, its status."""

from __future__ import annotations

from decimal import Decimal

from .account import Account
from .items import item_record, stock_components
from .store import StoredRecord

ZERO = Decimal(0)
SHIPPABLE_TYPES = {"InvtPart", "Kit"}
# Orders in these states hold no stock: pending approval, cancelled, closed.
NON_COMMITTING = {"A", "C", "H"}


def sync_demands(account: Account, order: StoredRecord) -> None:
    """Make the warehouse's open demands match the order's open lines (commits, backorders)."""
    committing = order.body.get("orderStatus", {}).get("id") not in NON_COMMITTING
    live: set[tuple[int, int, int]] = set()
    for line in order.lines("item"):
        item = item_record(account, line["item"], "item.items.item")
        components = stock_components(account, item)
        if not components:
            continue
        open_qty = (
            ZERO
            if (not committing or line.get("isClosed"))
            else (line["quantity"] - line.get("quantityFulfilled", ZERO))
        )
        location = int(line["location"]["id"]) if line.get("location") else None
        for component in components:
            key = (order.id, int(line["line"]), component.item)
            # A line without a location is saved but commits nothing anywhere (multi-location stock).
            want = open_qty * component.per_unit
            current = account.warehouse.demands.get(key)
            if want <= ZERO or location is None:
                account.warehouse.release_demand(key, order.id)
                continue
            live.add(key)
            if current is None or current.open_qty != want or current.location != location:
                account.warehouse.place_demand(key, component.item, location, want, order.id)
    for key in [k for k in account.warehouse.demands.of(order.id) if k not in live]:
        account.warehouse.release_demand(key, order.id)
    refresh_line_commitments(account, order)


def refresh_line_commitments(account: Account, order: StoredRecord) -> None:
    """Copy the warehouse's commitment onto the lines (a kit line counts whole kits)."""
    for line in order.lines("item"):
        item = item_record(account, line["item"], "item.items.item")
        components = stock_components(account, item)
        if not components:
            continue
        open_qty = line["quantity"] - line.get("quantityFulfilled", ZERO)
        committed = min(
            (
                account.warehouse.committed_for((order.id, int(line["line"]), c.item)) / c.per_unit
                for c in components
            ),
            default=ZERO,
        )
        has_demand = (order.id, int(line["line"]), components[0].item) in account.warehouse.demands
        waiting = has_demand or (not line.get("location") and not line.get("isClosed"))
        line["quantityCommitted"] = committed
        line["quantityBackOrdered"] = max(ZERO, open_qty - committed) if waiting else ZERO


def refresh_order_status(order: StoredRecord) -> None:
    """Derive Pending Fulfillment / Partially Fulfilled / Pending Billing / Billed from the lines."""
    current = order.body.get("orderStatus", {}).get("id", "B")
    if current in NON_COMMITTING:
        return
    # Closed lines count as done: NetSuite stops expecting them to ship or bill.
    lines = [
        line
        for line in order.lines("item")
        if line.get("itemType", {}).get("id") != "Group" and not line.get("isClosed")
    ]
    if not lines:
        order.body["orderStatus"] = {"id": "H"}
        return
    shippable = [line for line in lines if line.get("itemType", {}).get("id") in SHIPPABLE_TYPES]
    all_shipped = all(line.get("quantityFulfilled", ZERO) >= line["quantity"] for line in shippable)
    any_shipped = any(line.get("quantityFulfilled", ZERO) > ZERO for line in shippable)
    all_billed = all(line.get("quantityBilled", ZERO) >= line["quantity"] for line in lines)
    any_billed = any(line.get("quantityBilled", ZERO) > ZERO for line in lines)
    if all_shipped and all_billed:
        letter = "G"
    elif all_shipped and shippable:
        letter = "F"
    elif any_shipped:
        letter = "E" if any_billed else "D"
    else:
        letter = "B"
    order.body["orderStatus"] = {"id": letter}
