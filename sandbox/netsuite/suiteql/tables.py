"""SuiteQL tables over the account: NetSuite's table and column names, typed Python values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..record_types import KINDS, OUTBOUND_CODES, STOCKED_ITEM_KINDS, Family
from ..references import ENUM_NAMES, TRANSACTION_LABELS, record_title
from ..rules_base import STATUS_NAMES
from ..store import RecordStore, StoredRecord
from ..warehouse import StockLevel

Row = dict[str, Any]


@dataclass(frozen=True)
class DataView:
    """What a query sees: the records and stock levels (possibly as of a moment in the past)."""

    store: RecordStore
    level: Callable[[int, int], StockLevel]


@dataclass(frozen=True)
class TableDef:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[DataView], Iterator[Row]]
    custom_prefix: str | None = None
    # column -> how BUILTIN.DF shows its value
    displays: dict[str, Callable[[DataView, Any], str | None]] = field(default_factory=dict)

    def has_column(self, name: str) -> bool:
        return name in self.columns or bool(self.custom_prefix and name.startswith(self.custom_prefix))


def _flag(value: Any) -> str:
    return "T" if value else "F"


def _ref(value: Any) -> int | None:
    return int(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _customs(source: dict[str, Any], prefix: str) -> Row:
    return {
        k.lower(): (_ref(v) if isinstance(v, dict) else v) for k, v in source.items() if k.startswith(prefix)
    }


def _title_in(family: Family | str) -> Callable[[DataView, Any], str | None]:
    def display(view: DataView, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(family, Family):
            record = view.store.get_in_family(family, int(value))
        else:
            record = next((r for r in view.store.of_kind(family) if r.id == int(value)), None)
        return record_title(record) if record else None

    return display


def status_letter(record: StoredRecord) -> str | None:
    status = record.body.get("orderStatus") or record.body.get("status")
    return str(status["id"]) if isinstance(status, dict) else None


def _transaction_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_family(Family.TRANSACTION):
        body = record.body
        letter = status_letter(record)
        packages = record.sublists.get("package", [])
        yield {
            "id": record.id,
            "tranid": body.get("tranId"),
            "type": record.kind.code,
            "recordtype": record.kind.name.lower(),
            "status": f"{record.kind.code}:{letter}" if letter else None,
            "trandate": _date(body.get("tranDate")),
            "entity": _ref(body.get("entity") or body.get("customer")),
            "otherrefnum": body.get("otherRefNum"),
            "externalid": record.external_id,
            "currency": _ref(body.get("currency")),
            "exchangerate": body.get("exchangeRate"),
            "foreigntotal": body.get("total"),
            "memo": body.get("memo"),
            "createddate": record.created,
            "lastmodifieddate": record.last_modified,
            "createdfrom": _ref(body.get("createdFrom")),
            "shipcarrier": body.get("shipCarrier"),
            "trackingnumberlist": ",".join(
                str(p["packageTrackingNumber"]) for p in packages if p.get("packageTrackingNumber")
            )
            or None,
            **_customs(body, "custbody"),
        }


def _line_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_family(Family.TRANSACTION):
        sign = -1 if record.kind.code in OUTBOUND_CODES else 1
        created_from = _ref(record.body.get("createdFrom"))
        yield {
            "transaction": record.id,
            "id": 0,
            "linesequencenumber": 0,
            "mainline": "T",
            "taxline": "F",
            "item": None,
            "quantity": None,
            "netamount": record.body.get("total"),
            "location": _ref(record.body.get("location")),
            "createdfrom": created_from,
            "entity": _ref(record.body.get("entity")),
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
                "item": _ref(line.get("item")),
                "itemtype": (line.get("itemType") or {}).get("id"),
                "quantity": sign * quantity if quantity is not None else None,
                "rate": line.get("rate"),
                "rateamount": line.get("rate"),
                "netamount": sign * amount if amount is not None else None,
                "location": _ref(line.get("location")),
                "createdfrom": created_from,
                "entity": _ref(record.body.get("entity")),
                "quantityshiprecv": line.get("quantityFulfilled", line.get("quantityReceived")),
                "quantitybilled": line.get("quantityBilled"),
                "quantitycommitted": line.get("quantityCommitted"),
                "quantitybackordered": line.get("quantityBackOrdered"),
                "orderline": line.get("orderLine"),
                "isclosed": _flag(line.get("isClosed")),
                "donotdisplayline": "F",
                "memo": line.get("description"),
                **_customs(line, "custcol"),
            }


def _item_rows(view: DataView) -> Iterator[Row]:
    for item in view.store.of_family(Family.ITEM):
        body = item.body
        yield {
            "id": item.id,
            "itemid": body.get("itemId"),
            "fullname": body.get("itemId"),
            "displayname": body.get("displayName"),
            "description": body.get("salesDescription"),
            "itemtype": item.kind.code,
            "isinactive": _flag(body.get("isInactive")),
            "isserialitem": _flag(body.get("isSerialItem")),
            "islotitem": _flag(body.get("isLotItem")),
            "externalid": item.external_id,
            "upccode": body.get("upcCode"),
            "baseprice": body.get("basePrice"),
            "createddate": item.created,
            "lastmodifieddate": item.last_modified,
            **_customs(body, "custitem"),
        }


def _member_rows(view: DataView) -> Iterator[Row]:
    for item in view.store.of_family(Family.ITEM):
        for line in item.sublists.get("member", []):
            yield {"parentitem": item.id, "item": _ref(line.get("item")), "quantity": line.get("quantity")}


def _stock_rows(view: DataView) -> Iterator[Row]:
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


def _assignment_rows(view: DataView) -> Iterator[Row]:
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


def _simple(
    kind: str, columns: dict[str, Callable[[StoredRecord], Any]]
) -> Callable[[DataView], Iterator[Row]]:
    def rows(view: DataView) -> Iterator[Row]:
        for record in view.store.of_kind(kind):
            yield {name: read(record) for name, read in columns.items()}

    return rows


def _body(key: str) -> Callable[[StoredRecord], Any]:
    return lambda record: record.body.get(key)


def _body_ref(key: str) -> Callable[[StoredRecord], Any]:
    return lambda record: _ref(record.body.get(key))


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
        "isperson": _flag(body.get("isPerson")),
        "externalid": record.external_id,
        "currency": _ref(body.get("currency")),
        "isinactive": _flag(body.get("isInactive")),
        "datecreated": record.created,
        "lastmodifieddate": record.last_modified,
        **_customs(body, "custentity"),
    }


def _customer_rows(view: DataView) -> Iterator[Row]:
    for record in view.store.of_kind("customer"):
        yield _customer_row(record)


def _display_type(view: DataView, value: Any) -> str | None:
    kind = next((k for k in KINDS.values() if k.code == value and k.family is Family.TRANSACTION), None)
    return TRANSACTION_LABELS.get(kind.name) if kind else value


def _display_status(view: DataView, value: Any) -> str | None:
    if not value:
        return None
    code, _, letter = str(value).partition(":")
    names = ENUM_NAMES["orderStatus"] if code == "SalesOrd" else STATUS_NAMES.get(code, {})
    return f"{_display_type(view, code)} : {names.get(letter, letter)}"


_ITEM, _LOCATION, _ENTITY = _title_in(Family.ITEM), _title_in("location"), _title_in(Family.ENTITY)
_CURRENCY, _TRANSACTION = _title_in("currency"), _title_in(Family.TRANSACTION)

_TABLES = [
    TableDef(
        "transaction",
        (
            "id",
            "tranid",
            "type",
            "recordtype",
            "status",
            "trandate",
            "entity",
            "otherrefnum",
            "externalid",
            "currency",
            "exchangerate",
            "foreigntotal",
            "memo",
            "createddate",
            "lastmodifieddate",
            "createdfrom",
            "shipcarrier",
            "trackingnumberlist",
        ),
        _transaction_rows,
        "custbody",
        {
            "type": _display_type,
            "status": _display_status,
            "entity": _ENTITY,
            "currency": _CURRENCY,
            "createdfrom": _TRANSACTION,
        },
    ),
    TableDef(
        "transactionline",
        (
            "transaction",
            "id",
            "linesequencenumber",
            "mainline",
            "taxline",
            "item",
            "itemtype",
            "quantity",
            "rate",
            "rateamount",
            "netamount",
            "location",
            "createdfrom",
            "entity",
            "quantityshiprecv",
            "quantitybilled",
            "quantitycommitted",
            "quantitybackordered",
            "orderline",
            "isclosed",
            "donotdisplayline",
            "memo",
        ),
        _line_rows,
        "custcol",
        {
            "item": _ITEM,
            "location": _LOCATION,
            "entity": _ENTITY,
            "transaction": _TRANSACTION,
            "createdfrom": _TRANSACTION,
        },
    ),
    TableDef(
        "item",
        (
            "id",
            "itemid",
            "fullname",
            "displayname",
            "description",
            "itemtype",
            "isinactive",
            "isserialitem",
            "islotitem",
            "externalid",
            "upccode",
            "baseprice",
            "createddate",
            "lastmodifieddate",
        ),
        _item_rows,
        "custitem",
    ),
    TableDef(
        "itemmember",
        ("parentitem", "item", "quantity"),
        _member_rows,
        None,
        {"parentitem": _ITEM, "item": _ITEM},
    ),
    TableDef(
        "customer",
        (
            "id",
            "entityid",
            "companyname",
            "firstname",
            "lastname",
            "email",
            "phone",
            "isperson",
            "externalid",
            "currency",
            "isinactive",
            "datecreated",
            "lastmodifieddate",
        ),
        _customer_rows,
        "custentity",
        {"currency": _CURRENCY},
    ),
    TableDef(
        "location",
        ("id", "name", "isinactive", "externalid", "lastmodifieddate"),
        _simple(
            "location",
            {
                "id": lambda r: r.id,
                "name": _body("name"),
                "isinactive": lambda r: _flag(r.body.get("isInactive")),
                "externalid": lambda r: r.external_id,
                "lastmodifieddate": lambda r: r.last_modified,
            },
        ),
    ),
    TableDef(
        "inventoryassignment",
        ("transaction", "transactionline", "inventorynumber", "quantity", "binnumber", "inventorystatus"),
        _assignment_rows,
        None,
        {"transaction": _TRANSACTION, "inventorynumber": _title_in("inventoryNumber")},
    ),
    TableDef(
        "inventorynumber",
        ("id", "inventorynumber", "item", "expirationdate"),
        _simple(
            "inventoryNumber",
            {
                "id": lambda r: r.id,
                "inventorynumber": _body("inventoryNumber"),
                "item": _body_ref("item"),
                "expirationdate": lambda r: _date(r.body.get("expirationDate")),
            },
        ),
        None,
        {"item": _ITEM},
    ),
    TableDef(
        "currency",
        ("id", "name", "symbol", "isbasecurrency", "exchangerate"),
        _simple(
            "currency",
            {
                "id": lambda r: r.id,
                "name": _body("name"),
                "symbol": _body("symbol"),
                "isbasecurrency": lambda r: _flag(r.body.get("isBaseCurrency")),
                "exchangerate": _body("exchangeRate"),
            },
        ),
    ),
    TableDef(
        "currencyrate",
        ("id", "basecurrency", "transactioncurrency", "exchangerate", "effectivedate"),
        _simple(
            "currencyRate",
            {
                "id": lambda r: r.id,
                "basecurrency": _body_ref("baseCurrency"),
                "transactioncurrency": _body_ref("transactionCurrency"),
                "exchangerate": _body("exchangeRate"),
                "effectivedate": lambda r: _date(r.body.get("effectiveDate")),
            },
        ),
        None,
        {"basecurrency": _CURRENCY, "transactioncurrency": _CURRENCY},
    ),
    TableDef(
        "giftcertificate",
        (
            "id",
            "giftcertcode",
            "originalamount",
            "amountremaining",
            "email",
            "name",
            "expirationdate",
            "item",
        ),
        _simple(
            "giftCertificate",
            {
                "id": lambda r: r.id,
                "giftcertcode": _body("giftCertCode"),
                "originalamount": _body("originalAmount"),
                "amountremaining": _body("amountRemaining"),
                "email": _body("email"),
                "name": _body("name"),
                "expirationdate": lambda r: _date(r.body.get("expirationDate")),
                "item": _body_ref("item"),
            },
        ),
        None,
        {"item": _ITEM},
    ),
    TableDef(
        "promotioncode",
        ("id", "code", "name", "rate", "discount", "isinactive"),
        _simple(
            "promotionCode",
            {
                "id": lambda r: r.id,
                "code": _body("code"),
                "name": _body("name"),
                "rate": _body("rate"),
                "discount": _body_ref("discount"),
                "isinactive": lambda r: _flag(r.body.get("isInactive")),
            },
        ),
        None,
        {"discount": _ITEM},
    ),
    TableDef(
        "subsidiary", ("id", "name"), _simple("subsidiary", {"id": lambda r: r.id, "name": _body("name")})
    ),
    TableDef("dual", (), lambda view: iter([{}])),
]
_STOCK_COLUMNS = (
    "item",
    "location",
    "quantityonhand",
    "quantityavailable",
    "quantitycommitted",
    "quantityonorder",
    "quantitybackordered",
    "quantityintransit",
    "lastquantityavailablechange",
    "lastmodifieddate",
    "preferredstocklevel",
    "reorderpoint",
    "averagecostmli",
)
_TABLES += [
    TableDef(name, _STOCK_COLUMNS, _stock_rows, None, {"item": _ITEM, "location": _LOCATION})
    for name in ("inventoryitemlocations", "aggregateitemlocation")
]

TABLES: dict[str, TableDef] = {table.name: table for table in _TABLES}
