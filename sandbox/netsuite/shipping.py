"""Goods leaving and arriving: item fulfillments (from sales and transfer orders) and item receipts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .account import Account, to_decimal
from .errors import user_error
from .inventory_detail import numbers_moved
from .items import item_record, stock_components
from .order_state import refresh_order_status, sync_demands
from .record_types import KINDS
from .rules_base import PostedStockRules, TransactionRules, TransformRequest, set_status
from .store import StoredRecord
from .sublists import apply_transform_lines, line_by_number
from .transfer_state import refresh_transfer

ZERO = Decimal(0)


class ItemFulfillmentRules(PostedStockRules):
    """Fulfillments exist only by transform; their packages and ship status stay editable."""

    def prepare(self, account: Account, record: StoredRecord, creating: bool) -> None:
        super().prepare(account, record, creating)
        ship_status = record.body.get("shipStatus")
        if isinstance(ship_status, dict):
            set_status(record, str(ship_status["id"]))  # Picked → Packed → Shipped


def fulfill_order(account: Account, order: StoredRecord, request: TransformRequest) -> StoredRecord:
    """`salesOrder/{id}/!transform/itemFulfillment`: ship committed stock, record packages."""
    defaults = [
        {
            "orderLine": int(line["line"]),
            "item": dict(line["item"]),
            "location": dict(line["location"]),
            "quantity": line["quantityCommitted"],
            "itemReceive": True,
        }
        for line in order.lines("item")
        if line.get("location") and line.get("quantityCommitted", ZERO) > ZERO and not line.get("isClosed")
    ]
    fulfillment = _new_document(account, order, "itemFulfillment", defaults, request)
    for index, line in enumerate(fulfillment.lines("item")):
        order_line = line_by_number(order.lines("item"), int(line["orderLine"]), f"item.items[{index}]")
        qty = to_decimal(line.get("quantity"), f"item.items[{index}].quantity")
        if not order_line.get("location"):
            raise user_error(
                f"Sales order line {order_line['line']} has no location; set one before fulfilling it.",
                path=f"item.items[{index}].orderLine",
            )
        if line.get("location") and line["location"]["id"] != order_line["location"]["id"]:
            raise user_error(
                "Fulfill the line from the location its stock is committed at.",
                path=f"item.items[{index}].location",
            )
        _ship_line(account, order, order_line, fulfillment, line, qty, index)
        order_line["quantityFulfilled"] = order_line.get("quantityFulfilled", ZERO) + qty
    sync_demands(account, order)
    refresh_order_status(order)
    account.store.saved(order)
    account.store.saved(fulfillment)
    return fulfillment


def _ship_line(
    account: Account,
    order: StoredRecord,
    order_line: dict[str, Any],
    fulfillment: StoredRecord,
    line: dict[str, Any],
    qty: Decimal,
    index: int,
) -> None:
    item = item_record(account, order_line["item"], f"item.items[{index}].item")
    line.setdefault("location", dict(order_line["location"]))
    for component in stock_components(account, item):
        units = qty * component.per_unit
        component_item = item_record(account, {"id": str(component.item)}, "item")
        numbers = numbers_moved(account, line, item, component_item, units, index, incoming=False)
        key = (order.id, int(order_line["line"]), component.item)
        account.warehouse.ship_demand(key, units, fulfillment.id, numbers)
        if order.kind.name == "transferOrder":
            destination = int(order.body["transferLocation"]["id"])
            account.warehouse.put_in_transit(component.item, destination, units, fulfillment.id)
    line.update(
        {
            "item": dict(order_line["item"]),
            "itemType": order_line.get("itemType"),
            "quantity": qty,
            "location": dict(order_line["location"]),
            "line": index + 1,
        }
    )


def fulfill_transfer(account: Account, order: StoredRecord, request: TransformRequest) -> StoredRecord:
    """`transferOrder/{id}/!transform/itemFulfillment`: stock leaves the source, goes in transit."""
    defaults: list[dict[str, Any]] = []
    for line in order.lines("item"):
        committed = account.warehouse.committed_for((order.id, int(line["line"]), int(line["item"]["id"])))
        if committed > ZERO:
            defaults.append(
                {
                    "orderLine": int(line["line"]),
                    "item": dict(line["item"]),
                    "location": dict(line["location"]),
                    "quantity": committed,
                    "itemReceive": True,
                }
            )
    fulfillment = _new_document(account, order, "itemFulfillment", defaults, request)
    for index, line in enumerate(fulfillment.lines("item")):
        order_line = line_by_number(order.lines("item"), int(line["orderLine"]), f"item.items[{index}]")
        qty = to_decimal(line.get("quantity"), f"item.items[{index}].quantity")
        _ship_line(account, order, order_line, fulfillment, line, qty, index)
        order_line["quantityFulfilled"] = order_line.get("quantityFulfilled", ZERO) + qty
    refresh_transfer(account, order)
    account.store.saved(fulfillment)
    return fulfillment


def receive_transfer(account: Account, order: StoredRecord, request: TransformRequest) -> StoredRecord:
    """`transferOrder/{id}/!transform/itemReceipt`: in-transit goods arrive at the destination."""
    destination = dict(order.body["transferLocation"])
    defaults = [
        {
            "orderLine": int(line["line"]),
            "item": dict(line["item"]),
            "location": destination,
            "quantity": line.get("quantityFulfilled", ZERO) - line.get("quantityReceived", ZERO),
            "itemReceive": True,
        }
        for line in order.lines("item")
        if line.get("quantityFulfilled", ZERO) > line.get("quantityReceived", ZERO)
    ]
    receipt = _new_document(account, order, "itemReceipt", defaults, request)
    for index, line in enumerate(receipt.lines("item")):
        order_line = line_by_number(order.lines("item"), int(line["orderLine"]), f"item.items[{index}]")
        qty = to_decimal(line.get("quantity"), f"item.items[{index}].quantity")
        if qty > order_line.get("quantityFulfilled", ZERO) - order_line.get("quantityReceived", ZERO):
            raise user_error(
                "You cannot receive more than was shipped.", path=f"item.items[{index}].quantity"
            )
        item_id = int(order_line["item"]["id"])
        item = item_record(account, order_line["item"], "item")
        numbers = numbers_moved(account, line, item, item, qty, index, incoming=True)
        account.warehouse.arrive_from_transit(item_id, int(destination["id"]), qty, receipt.id, numbers)
        order_line["quantityReceived"] = order_line.get("quantityReceived", ZERO) + qty
        line.update({"quantity": qty, "line": index + 1, "location": destination})
    refresh_transfer(account, order)
    account.store.saved(receipt)
    return receipt


def receive_return(account: Account, authorization: StoredRecord, request: TransformRequest) -> StoredRecord:
    """`returnAuthorization/{id}/!transform/itemReceipt`: returned goods go back on the shelf."""
    defaults = [
        {
            "orderLine": int(line["line"]),
            "item": dict(line["item"]),
            "location": dict(line["location"]),
            "quantity": line["quantity"] - line.get("quantityReceived", ZERO),
            "itemReceive": True,
        }
        for line in authorization.lines("item")
        if line.get("location")
        and line["quantity"] > line.get("quantityReceived", ZERO)
        and stock_components(account, item_record(account, line["item"], "item"))
    ]
    receipt = _new_document(account, authorization, "itemReceipt", defaults, request)
    for index, line in enumerate(receipt.lines("item")):
        order_line = line_by_number(
            authorization.lines("item"), int(line["orderLine"]), f"item.items[{index}]"
        )
        qty = to_decimal(line.get("quantity"), f"item.items[{index}].quantity")
        location = int(line["location"]["id"])
        item = item_record(account, order_line["item"], "item")
        for component in stock_components(account, item):
            member = item_record(account, {"id": str(component.item)}, "item")
            numbers = numbers_moved(
                account, line, item, member, qty * component.per_unit, index, incoming=True
            )
            account.warehouse.receive(
                component.item, location, qty * component.per_unit, receipt.id, "return", numbers
            )
        order_line["quantityReceived"] = order_line.get("quantityReceived", ZERO) + qty
        line.update({"quantity": qty, "line": index + 1})
    received_all = all(x.get("quantityReceived", ZERO) >= x["quantity"] for x in authorization.lines("item"))
    set_status(authorization, "F" if received_all else "D")
    account.store.saved(authorization)
    account.store.saved(receipt)
    return receipt


def _new_document(
    account: Account,
    source: StoredRecord,
    kind_name: str,
    defaults: list[dict[str, Any]],
    request: TransformRequest,
) -> StoredRecord:
    body, sublists, replace = request
    lines = apply_transform_lines(defaults, sublists.get("item", []), replace)
    if not lines:
        raise user_error("You must enter at least one line item for this transaction.", path="item")
    header: dict[str, Any] = {"createdFrom": {"id": str(source.id)}}
    for key in ("entity", "subsidiary", "transferLocation"):
        if key in source.body:
            header[key] = source.body[key]
    if kind_name == "itemFulfillment":
        header["shipStatus"] = {"id": "C"}
    header.update(body)
    extra = {name: list(items) for name, items in sublists.items() if name != "item"}
    record = account.store.insert(KINDS[kind_name.lower()], header, {"item": lines, **extra})
    TransactionRules().prepare(account, record, creating=True)
    if kind_name == "itemFulfillment":
        set_status(record, str(record.body["shipStatus"]["id"]))
    return record
