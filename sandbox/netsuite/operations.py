"""What the account's warehouse staff do: receive and count stock, ship and receive transfers, pick,
pack and ship sales orders (with carriers, tracking numbers and serial/lot picks). Pure: no HTTP."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import structlog

from .account import Account
from .config import AutoFulfillment
from .errors import NetSuiteApiError, user_error
from .inventory_detail import number_id
from .items import item_record, stock_components, tracks_numbers
from .record_service import RecordService
from .store import StoredRecord

ZERO = Decimal(0)
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class LineShipment:
    order_line: int
    quantity: Decimal


class WarehouseOperations:
    """The staff's actions, each recorded as the NetSuite transaction a person would enter."""

    def __init__(self, account: Account, service: RecordService) -> None:
        self.account = account
        self.service = service

    def receive_stock(
        self,
        item: int,
        location: int,
        quantity: Decimal,
        numbers: list[str] | None = None,
        memo: str = "Stock received",
    ) -> StoredRecord:
        """Goods arrive (a positive inventory adjustment, with new serial/lot numbers if tracked)."""
        if quantity <= ZERO:
            raise user_error("The quantity received must be positive.")
        return self.adjust_stock(item, location, quantity, numbers, memo)

    def adjust_stock(
        self,
        item: int,
        location: int,
        delta: Decimal,
        numbers: list[str] | None = None,
        memo: str = "Cycle count",
    ) -> StoredRecord:
        line: dict[str, Any] = {
            "item": {"id": str(item)},
            "location": {"id": str(location)},
            "adjustQtyBy": delta,
        }
        item_rec = item_record(self.account, {"id": str(item)}, "item")
        if tracks_numbers(item_rec):
            line["inventoryDetail"] = {
                "inventoryAssignment": {
                    "items": self._assignments(item_rec, location, abs(delta), numbers, incoming=delta > ZERO)
                }
            }
        return self.service.create(
            "inventoryAdjustment",
            {"adjLocation": {"id": str(location)}, "memo": memo, "inventory": {"items": [line]}},
        )

    def create_transfer(self, item: int, source: int, destination: int, quantity: Decimal) -> StoredRecord:
        return self.service.create(
            "transferOrder",
            {
                "location": {"id": str(source)},
                "transferLocation": {"id": str(destination)},
                "item": {"items": [{"item": {"id": str(item)}, "quantity": quantity}]},
            },
        )

    def ship_transfer(self, transfer_id: int, shipments: list[LineShipment] | None = None) -> StoredRecord:
        """The source location ships a transfer order: its goods go in transit."""
        order = self.account.record("transferOrder", transfer_id)
        return self.service.transform(
            "transferOrder",
            str(transfer_id),
            "itemFulfillment",
            {"item": {"items": self._ship_lines(order, shipments)}},
            frozenset({"item"}) if shipments else frozenset(),
        )

    def receive_transfer(self, transfer_id: int) -> StoredRecord:
        """The destination receives everything in transit for a transfer order."""
        order = self.account.record("transferOrder", transfer_id)
        lines = []
        for line in order.lines("item"):
            qty = line.get("quantityFulfilled", ZERO) - line.get("quantityReceived", ZERO)
            item = item_record(self.account, line["item"], "item")
            if qty > ZERO and tracks_numbers(item):
                lines.append(
                    {
                        "orderLine": line["line"],
                        "quantity": qty,
                        "inventoryDetail": {
                            "inventoryAssignment": {"items": self._shipped_numbers(order, int(line["line"]))}
                        },
                    }
                )
        return self.service.transform(
            "transferOrder",
            str(transfer_id),
            "itemReceipt",
            {"item": {"items": lines}} if lines else {},
            frozenset(),
        )

    def fulfill_order(
        self,
        order_id: int,
        shipments: list[LineShipment] | None = None,
        carrier: str = "UPS",
        tracking_numbers: list[str] | None = None,
    ) -> StoredRecord:
        """Pick, pack and ship a sales order, fully or only the given lines/quantities."""
        order = self.account.record("salesOrder", order_id)
        tracking = tracking_numbers or [f"1Z{secrets.token_hex(8).upper()}"]
        packages = [
            {"packageTrackingNumber": number, "packageWeight": 1, "packageDescr": carrier}
            for number in tracking
        ]
        return self.service.transform(
            "salesOrder",
            str(order_id),
            "itemFulfillment",
            {
                "shipCarrier": carrier,
                "shipStatus": {"id": "C"},
                "item": {"items": self._ship_lines(order, shipments)},
                "package": {"items": packages},
            },
            frozenset({"item"}) if shipments else frozenset(),
        )

    def fulfill_due_orders(self, schedule: AutoFulfillment) -> list[StoredRecord]:
        """One pass of the warehouse's routine: ship what is committed on orders old enough."""
        cutoff = self.account.clock.now().timestamp() - schedule.delay_seconds
        shipped: list[StoredRecord] = []
        for order in self.account.store.of_kind("salesOrder"):
            if order.created is None or order.created.timestamp() > cutoff:
                continue
            shipments = self._due_shipments(order, Decimal(str(schedule.fraction)))
            if not shipments:
                continue
            try:
                shipped.append(self.fulfill_order(order.id, shipments, carrier=schedule.carrier))
            except NetSuiteApiError as refusal:
                # One order that cannot ship (e.g. serials missing) must not stop the whole round.
                log.warning(
                    "netsuite_sandbox.auto_fulfillment_skipped", order=order.id, reason=refusal.detail
                )
        return shipped

    def _due_shipments(self, order: StoredRecord, fraction: Decimal) -> list[LineShipment]:
        shipments = []
        for line in order.lines("item"):
            committed = line.get("quantityCommitted", ZERO)
            if committed > ZERO and not line.get("isClosed"):
                open_qty = line["quantity"] - line.get("quantityFulfilled", ZERO)
                share = max(Decimal(1), (open_qty * fraction).to_integral_value())
                shipments.append(LineShipment(int(line["line"]), min(committed, share)))
        return shipments

    def _ship_lines(self, order: StoredRecord, shipments: list[LineShipment] | None) -> list[dict[str, Any]]:
        """Transform lines for the shipments, with serial/lot picks for tracked items."""
        if shipments is None:
            shipments = [
                LineShipment(int(line["line"]), line.get("quantityCommitted", ZERO))
                for line in order.lines("item")
                if line.get("quantityCommitted", ZERO) > ZERO
            ]
        lines = []
        for shipment in shipments:
            line = next((x for x in order.lines("item") if int(x["line"]) == shipment.order_line), None)
            if line is None:
                raise user_error(f"The order has no line {shipment.order_line}.")
            entry: dict[str, Any] = {"orderLine": shipment.order_line, "quantity": shipment.quantity}
            item = item_record(self.account, line["item"], "item")
            if tracks_numbers(item) and stock_components(self.account, item):
                location = int(line["location"]["id"])
                entry["inventoryDetail"] = {
                    "inventoryAssignment": {
                        "items": self._assignments(item, location, shipment.quantity, None, incoming=False)
                    }
                }
            lines.append(entry)
        return lines

    def _assignments(
        self, item: StoredRecord, location: int, quantity: Decimal, numbers: list[str] | None, incoming: bool
    ) -> list[dict[str, Any]]:
        if incoming:
            serial = item.kind.name == "serializedInventoryItem"
            texts = numbers or (
                [f"SN-{secrets.token_hex(4).upper()}" for _ in range(int(quantity))]
                if serial
                else [f"LOT-{secrets.token_hex(3).upper()}"]
            )
            per = Decimal(1) if serial or len(texts) > 1 else quantity
            return [{"receiptInventoryNumber": text, "quantity": per} for text in texts]
        picked = (
            {text: Decimal(1) for text in numbers}
            if numbers
            else self.account.warehouse.pick_numbers(item.id, location, quantity)
        )
        return [
            {"issueInventoryNumber": {"id": str(number_id(self.account, item.id, text))}, "quantity": count}
            for text, count in picked.items()
        ]

    def _shipped_numbers(self, order: StoredRecord, order_line: int) -> list[dict[str, Any]]:
        """Serial/lot numbers that left on a transfer's fulfillments, to be received at the other end."""
        numbers: list[dict[str, Any]] = []
        for record in self.account.store.of_kind("itemFulfillment"):
            if record.ref_id("createdFrom") != order.id:
                continue
            for line in record.lines("item"):
                if int(line.get("orderLine", 0)) != order_line:
                    continue
                for assignment in (
                    (line.get("inventoryDetail") or {}).get("inventoryAssignment", {}).get("items", [])
                ):
                    numbers.append(
                        {
                            "issueInventoryNumber": {"id": str(assignment["inventoryNumberId"])},
                            "quantity": assignment["quantity"],
                        }
                    )
        return numbers
