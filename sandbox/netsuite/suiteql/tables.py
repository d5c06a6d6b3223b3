"""The SuiteQL tables: NetSuite's table and column names over the account (reference §2)."""

from __future__ import annotations

from typing import Any

from ..record_types import KINDS, Family
from ..references import ENUM_NAMES, TRANSACTION_LABELS
from ..rules_base import STATUS_NAMES
from .rows import (
    assignment_rows,
    customer_rows,
    item_rows,
    line_link_rows,
    line_rows,
    member_rows,
    stock_rows,
    transaction_rows,
)
from .table_model import DataView, TableDef, as_date, body, body_ref, flag, simple, title_in

__all__ = ["TABLES", "DataView", "TableDef"]


def _display_type(view: DataView, value: Any) -> str | None:
    kind = next((k for k in KINDS.values() if k.code == value and k.family is Family.TRANSACTION), None)
    return TRANSACTION_LABELS.get(kind.name) if kind else value


def _display_status(view: DataView, value: Any) -> str | None:
    if not value:
        return None
    code, _, letter = str(value).partition(":")
    names = ENUM_NAMES["orderStatus"] if code == "SalesOrd" else STATUS_NAMES.get(code, {})
    return f"{_display_type(view, code)} : {names.get(letter, letter)}"


_ITEM, _LOCATION, _ENTITY = title_in(Family.ITEM), title_in("location"), title_in(Family.ENTITY)
_CURRENCY, _TRANSACTION = title_in("currency"), title_in(Family.TRANSACTION)

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
        transaction_rows,
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
        line_rows,
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
            "weight",
            "createddate",
            "lastmodifieddate",
        ),
        item_rows,
        "custitem",
    ),
    TableDef(
        "itemmember",
        ("parentitem", "item", "quantity"),
        member_rows,
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
        customer_rows,
        "custentity",
        {"currency": _CURRENCY},
    ),
    TableDef(
        "location",
        ("id", "name", "isinactive", "externalid", "lastmodifieddate"),
        simple(
            "location",
            {
                "id": lambda r: r.id,
                "name": body("name"),
                "isinactive": lambda r: flag(r.body.get("isInactive")),
                "externalid": lambda r: r.external_id,
                "lastmodifieddate": lambda r: r.last_modified,
            },
        ),
    ),
    TableDef(
        "inventoryassignment",
        ("transaction", "transactionline", "inventorynumber", "quantity", "binnumber", "inventorystatus"),
        assignment_rows,
        None,
        {"transaction": _TRANSACTION, "inventorynumber": title_in("inventoryNumber")},
    ),
    *[
        TableDef(
            name,
            (
                "previousdoc",
                "previousline",
                "previoustype",
                "nextdoc",
                "nextline",
                "nexttype",
                "linktype",
                "foreignamount",
                "quantity",
            ),
            line_link_rows,
            None,
            {"previousdoc": _TRANSACTION, "nextdoc": _TRANSACTION},
        )
        for name in ("previoustransactionlinelink", "nexttransactionlinelink")
    ],
    TableDef(
        "inventorynumber",
        ("id", "inventorynumber", "item", "expirationdate"),
        simple(
            "inventoryNumber",
            {
                "id": lambda r: r.id,
                "inventorynumber": body("inventoryNumber"),
                "item": body_ref("item"),
                "expirationdate": lambda r: as_date(r.body.get("expirationDate")),
            },
        ),
        None,
        {"item": _ITEM},
    ),
    TableDef(
        "currency",
        ("id", "name", "symbol", "isbasecurrency", "exchangerate"),
        simple(
            "currency",
            {
                "id": lambda r: r.id,
                "name": body("name"),
                "symbol": body("symbol"),
                "isbasecurrency": lambda r: flag(r.body.get("isBaseCurrency")),
                "exchangerate": body("exchangeRate"),
            },
        ),
    ),
    TableDef(
        "currencyrate",
        ("id", "basecurrency", "transactioncurrency", "exchangerate", "effectivedate"),
        simple(
            "currencyRate",
            {
                "id": lambda r: r.id,
                "basecurrency": body_ref("baseCurrency"),
                "transactioncurrency": body_ref("transactionCurrency"),
                "exchangerate": body("exchangeRate"),
                "effectivedate": lambda r: as_date(r.body.get("effectiveDate")),
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
        simple(
            "giftCertificate",
            {
                "id": lambda r: r.id,
                "giftcertcode": body("giftCertCode"),
                "originalamount": body("originalAmount"),
                "amountremaining": body("amountRemaining"),
                "email": body("email"),
                "name": body("name"),
                "expirationdate": lambda r: as_date(r.body.get("expirationDate")),
                "item": body_ref("item"),
            },
        ),
        None,
        {"item": _ITEM},
    ),
    TableDef(
        "promotioncode",
        ("id", "code", "name", "rate", "discount", "isinactive"),
        simple(
            "promotionCode",
            {
                "id": lambda r: r.id,
                "code": body("code"),
                "name": body("name"),
                "rate": body("rate"),
                "discount": body_ref("discount"),
                "isinactive": lambda r: flag(r.body.get("isInactive")),
            },
        ),
        None,
        {"discount": _ITEM},
    ),
    TableDef(
        "subsidiary", ("id", "name"), simple("subsidiary", {"id": lambda r: r.id, "name": body("name")})
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
    TableDef(name, _STOCK_COLUMNS, stock_rows, None, {"item": _ITEM, "location": _LOCATION})
    for name in ("inventoryitemlocations", "aggregateitemlocation")
]

TABLES: dict[str, TableDef] = {table.name: table for table in _TABLES}
