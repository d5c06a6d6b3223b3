"""A transfer order's bookkeeping: demand at the source, on order at the destination, its status."""

from __future__ import annotations

from decimal import Decimal

from .account import Account
from .rules_base import set_status
from .store import StoredRecord

ZERO = Decimal(0)


def sync_transfer_demands(account: Account, order: StoredRecord) -> None:
    """Demand at the source and on-order at the destination for every unshipped/unreceived unit."""
    active = order.body["status"]["id"] not in {"A", "C", "H"}
    source, destination = order.ref_id("location"), order.ref_id("transferLocation")
    assert source is not None and destination is not None
    for line in order.lines("item"):
        item = int(line["item"]["id"])
        key = (order.id, int(line["line"]), item)
        unshipped = line["quantity"] - line["quantityFulfilled"] if active else ZERO
        current = account.warehouse.demands.get(key)
        if unshipped <= ZERO:
            account.warehouse.release_demand(key, order.id)
        elif current is None or current.open_qty != unshipped:
            account.warehouse.place_demand(key, item, source, unshipped, order.id)
        expected = (
            line["quantity"] - line["quantityReceived"]
            if active
            else line["quantityFulfilled"] - line["quantityReceived"]
        )
        change = expected - line.get("quantityOnOrder", ZERO)
        if change:
            account.warehouse.expect(item, destination, change, order.id)
        line["quantityOnOrder"] = expected
        line["quantityCommitted"] = account.warehouse.committed_for(key)


def refresh_transfer(account: Account, order: StoredRecord) -> None:
    """Pending Fulfillment → Partially Fulfilled → Pending Receipt → Received."""
    sync_transfer_demands(account, order)
    if order.body["status"]["id"] in {"A", "C", "H"}:
        return
    lines = order.lines("item")
    shipped_all = all(line["quantityFulfilled"] >= line["quantity"] for line in lines)
    received_all = all(line["quantityReceived"] >= line["quantity"] for line in lines)
    any_shipped = any(line["quantityFulfilled"] > ZERO for line in lines)
    letter = "G" if received_all else "F" if shipped_all else "E" if any_shipped else "B"
    set_status(order, letter)
    account.store.saved(order)
