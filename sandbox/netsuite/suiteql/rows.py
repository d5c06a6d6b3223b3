"""Rows of the record-backed SuiteQL tables: transactions and their lines, items, stock, customers."""

from __future__ import annotations

from collections.abc import Iterator

from ..record_types import OUTBOUND_CODES, STOCKED_ITEM_KINDS, Family
from ..store import StoredRecord
from .table_model import DataView, Row, as_date, customs, flag, ref


def status_letter(record: StoredRecord) -> str | None:
    status = record.body.get("orderStatus") or record.body.get("status")
    return str(status["id"]) if isinstance(status, dict) else None


def transaction_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_family(Family.TRANSACTION):
        body = record.body
        letter = status_letter(record)
        packages = tracking_numbers(record)
        yield {
            "id": record.id,
            "tranid": body.get("tranId"),
            "type": record.kind.code,
            "recordtype": record.kind.name.lower(),
            "status": f"{record.kind.code}:{letter}" if letter else None,
            "trandate": as_date(body.get("tranDate")),
            "entity": ref(body.get("entity") or body.get("customer")),
            "otherrefnum": body.get("otherRefNum"),
            "externalid": record.external_id,
            "currency": ref(body.get("currency")),
            "exchangerate": body.get("exchangeRate"),
            "foreigntotal": body.get("total"),
            "memo": body.get("memo"),
            "createddate": record.created,
            "lastmodifieddate": record.last_modified,
            "createdfrom": ref(body.get("createdFrom")),
            "shipcarrier": body.get("shipCarrier"),
            "trackingnumberlist": ",".join(packages) or None,
            **customs(body, "custbody"),
        }


# Carrier-integrated accounts keep tracking in suffixed lists (reference §7.10).
_PACKAGE_LISTS = {"package": "", "packageUps": "Ups", "packageFedEx": "FedEx", "packageUsps": "Usps"}


def tracking_numbers(record: StoredRecord) -> list[str]:
    """Every package tracking number of a fulfillment, whichever package list holds it."""
    numbers: list[str] = []
    for sublist, suffix in _PACKAGE_LISTS.items():
        for package in record.sublists.get(sublist, []):
            number = package.get(f"packageTrackingNumber{suffix}")
            if number:
                numbers.append(str(number))
    return numbers


def line_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_family(Family.TRANSACTION):
        sign = -1 if record.kind.code in OUTBOUND_CODES else 1
        created_from = ref(record.body.get("createdFrom"))
        yield {
            "transaction": record.id,
            "id": 0,
            "linesequencenumber": 0,
            "mainline": "T",
            "taxline": "F",
            "item": None,
            "quantity": None,
            "netamount": record.body.get("total"),
            "location": ref(record.body.get("location")),
            "createdfrom": created_from,
            "entity": ref(record.body.get("entity")),
            "donotdisplayline": "F",
            "isclosed": "F",
        }
        for line in record.sublists.get("item", []) + record.sublists.get("inventory", []):
            quantity = line.get("quantity", line.get("adjustQtyBy"))
            amount = line.get("amount")
            yield {
                "transaction": record.id,
                "id": int(line.get("line", 0)),
                "linesequencenumber": int(line.get("line", 0)),
                "mainline": "F",
                "taxline": "F",
                "item": ref(line.get("item")),
                "itemtype": (line.get("itemType") or {}).get("id"),
                "quantity": sign * quantity if quantity is not None else None,
                "rate": line.get("rate"),
                "rateamount": line.get("rate"),
                "netamount": sign * amount if amount is not None else None,
                "location": ref(line.get("location")),
                "createdfrom": created_from,
                "entity": ref(record.body.get("entity")),
                "quantityshiprecv": line.get("quantityFulfilled", line.get("quantityReceived")),
                "quantitybilled": line.get("quantityBilled"),
                "quantitycommitted": line.get("quantityCommitted"),
                "quantitybackordered": line.get("quantityBackOrdered"),
                "orderline": line.get("orderLine"),
                "isclosed": flag(line.get("isClosed")),
                "donotdisplayline": "F",
                "memo": line.get("description"),
                **customs(line, "custcol"),
            }


def item_rows(view: DataView) -> Iterator[Row]:
    for item in view.store.of_family(Family.ITEM):
        body = item.body
        yield {
            "id": item.id,
            "itemid": body.get("itemId"),
            "fullname": body.get("itemId"),
            "displayname": body.get("displayName"),
            "description": body.get("salesDescription"),
            "itemtype": item.kind.code,
            "isinactive": flag(body.get("isInactive")),
            "isserialitem": flag(body.get("isSerialItem")),
            "islotitem": flag(body.get("isLotItem")),
            "externalid": item.external_id,
            "upccode": body.get("upcCode"),
            "baseprice": body.get("basePrice"),
            "weight": body.get("weight"),
            "createddate": item.created,
            "lastmodifieddate": item.last_modified,
            **customs(body, "custitem"),
        }


def member_rows(view: DataView) -> Iterator[Row]:
    for item in view.store.of_family(Family.ITEM):
        for line in item.sublists.get("member", []):
            yield {"parentitem": item.id, "item": ref(line.get("item")), "quantity": line.get("quantity")}


def stock_rows(view: DataView) -> Iterator[Row]:
    locations = view.store.of_kind("location")
    for item in view.store.of_family(Family.ITEM):
        if item.kind.name not in STOCKED_ITEM_KINDS:
            continue
        for location in locations:
            level = view.level(item.id, location.id)
            yield {
                "item": item.id,
                "location": location.id,
                "quantityonhand": level.on_hand,
                "quantityavailable": level.available,
                "quantitycommitted": level.committed,
                "quantityonorder": level.on_order,
                "quantitybackordered": level.backordered,
                "quantityintransit": level.in_transit,
                "lastquantityavailablechange": level.last_available_change,
                "lastmodifieddate": level.last_modified,
                "preferredstocklevel": None,
                "reorderpoint": None,
                "averagecostmli": None,
            }


def assignment_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_family(Family.TRANSACTION):
        for line in record.sublists.get("item", []) + record.sublists.get("inventory", []):
            detail = (line.get("inventoryDetail") or {}).get("inventoryAssignment") or {}
            for assignment in detail.get("items", []):
                if "inventoryNumberId" in assignment:
                    yield {
                        "transaction": record.id,
                        "transactionline": int(line.get("line", 0)),
                        "inventorynumber": assignment["inventoryNumberId"],
                        "quantity": assignment["quantity"],
                        "binnumber": None,
                        "inventorystatus": None,
                    }


# How NetSuite names the link between a line and the line it came from.
_LINK_TYPES = {
    "ItemShip": "ShipRcpt",
    "ItemRcpt": "ShipRcpt",
    "CustInvc": "OrdBill",
    "CashSale": "OrdBill",
    "RtnAuth": "RtnAuth",
    "CustCred": "SaleRet",
    "CashRfnd": "SaleRet",
}


def line_link_rows(view: DataView) -> Iterator[Row]:
    """previoustransactionlinelink: which order line each fulfillment/bill/return line came from."""
    for record in view.store.of_family(Family.TRANSACTION):
        source = ref(record.body.get("createdFrom"))
        if source is None:
            continue
        previous = view.store.get_in_family(Family.TRANSACTION, source)
        for line in record.sublists.get("item", []):
            if line.get("orderLine") is None:
                continue
            yield {
                "previousdoc": source,
                "previousline": int(line["orderLine"]),
                "previoustype": previous.kind.code if previous else None,
                "nextdoc": record.id,
                "nextline": int(line.get("line", 0)),
                "nexttype": record.kind.code,
                "linktype": _LINK_TYPES.get(record.kind.code or "", "OrdFulfill"),
                "foreignamount": line.get("amount"),
                "quantity": line.get("quantity"),
            }


def _customer_row(record: StoredRecord) -> Row:
    body = record.body
    return {
        "id": record.id,
        "entityid": body.get("entityId"),
        "companyname": body.get("companyName"),
        "firstname": body.get("firstName"),
        "lastname": body.get("lastName"),
        "email": body.get("email"),
        "phone": body.get("phone"),
        "isperson": flag(body.get("isPerson")),
        "externalid": record.external_id,
        "currency": ref(body.get("currency")),
        "isinactive": flag(body.get("isInactive")),
        "datecreated": record.created,
        "lastmodifieddate": record.last_modified,
        **customs(body, "custentity"),
    }


def customer_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_kind("customer"):
        yield _customer_row(record)
