"""SuiteQL over HTTP: strings everywhere, paging rules, errors, time zones, joins, aggregates, deltas."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sandbox.netsuite.config import NetSuiteSandboxConfig
from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient


def _customers(sandbox: NetSuiteSandbox, count: int) -> None:
    for n in range(count):
        sandbox.create("customer", {"companyName": f"Customer {n:03d}", "externalId": f"C{n:03d}"})


async def test_every_value_is_a_string_and_rows_carry_empty_links(
    client: TbaClient, demo: dict[str, Any]
) -> None:
    reply = await client.suiteql(
        "SELECT iil.item, i.itemid, iil.quantityonhand, iil.quantityavailable "
        "FROM inventoryitemlocations iil JOIN item i ON i.id = iil.item "
        "WHERE i.itemid = 'MUG-01' ORDER BY iil.location"
    )
    assert reply.status == 200
    items = reply.body["items"]
    assert [row["quantityonhand"] for row in items] == ["40", "25", "8"]
    assert all(row["links"] == [] for row in items)
    assert all(isinstance(value, str) for row in items for key, value in row.items() if key != "links")


async def test_paging_follows_limit_offset_and_reports_has_more(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    _customers(sandbox, 25)
    query = "SELECT id, entityid FROM customer ORDER BY id"
    seen: list[str] = []
    offset = 0
    while True:
        page = await client.suiteql(query, limit=10, offset=offset)
        assert page.body["totalResults"] == 25
        assert page.body["offset"] == offset
        seen += [row["id"] for row in page.body["items"]]
        rels = {link["rel"] for link in page.body["links"]}
        if not page.body["hasMore"]:
            assert "next" not in rels
            break
        assert "next" in rels
        offset += 10
    assert seen == [str(n) for n in range(1, 26)]


@pytest.mark.parametrize(
    ("limit", "offset", "param"), [(10, 5, "offset"), (1001, 0, "limit"), (0, 0, "limit")]
)
async def test_bad_paging_parameters_are_invalid_parameter(
    client: TbaClient, limit: int, offset: int, param: str
) -> None:
    reply = await client.suiteql("SELECT id FROM customer", limit=limit, offset=offset)
    assert (reply.status, reply.error_code) == (400, "INVALID_PARAMETER")
    assert reply.body["o:errorDetails"][0]["o:errorQueryParam"] == param


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (
            "SELECT nosuchcolumn FROM customer",
            "Unknown identifier 'nosuchcolumn'. Available identifiers are: {customer=customer}",
        ),
        ("SELECT id FROM nosuchtable", "Invalid search type: nosuchtable"),
        ("SELECT c.id FROM customer c JOIN transaction t ON t.entity = c.id WHERE t.bogus = 1", "t.bogus"),
        ("SELECT id FROM customer LIMIT 5", "FETCH FIRST"),
        ("DELETE FROM customer", "Expected SELECT"),
    ],
)
async def test_query_mistakes_are_invalid_parameter_on_q(
    client: TbaClient, query: str, fragment: str
) -> None:
    reply = await client.suiteql(query)
    assert (reply.status, reply.error_code) == (400, "INVALID_PARAMETER")
    detail = reply.body["o:errorDetails"][0]
    assert detail["o:errorQueryParam"] == "q"
    assert detail["detail"].startswith("Invalid search query.")
    assert fragment in detail["detail"]


async def test_fetch_first_where_logic_and_null_handling(client: TbaClient, sandbox: NetSuiteSandbox) -> None:
    _customers(sandbox, 6)
    sandbox.create("customer", {"firstName": "Grace", "lastName": "Hopper", "email": "grace@navy.test"})
    reply = await client.suiteql(
        "SELECT id, companyname, NVL(email, 'none') AS email FROM customer "
        "WHERE (companyname LIKE 'Customer 00%' AND NOT id IN (2, 3)) OR email IS NOT NULL "
        "ORDER BY id DESC FETCH FIRST 3 ROWS ONLY"
    )
    rows = reply.body["items"]
    assert [row["id"] for row in rows] == ["7", "6", "5"]
    assert rows[0]["email"] == "grace@navy.test" and rows[1]["email"] == "none"
    assert "companyname" not in rows[0]  # NULL columns are left out of the item


async def test_group_by_with_aggregates_and_builtin_df(client: TbaClient, demo: dict[str, Any]) -> None:
    reply = await client.suiteql(
        "SELECT BUILTIN.DF(iil.location) AS place, COUNT(*) AS n, SUM(iil.quantityonhand) AS units, "
        "MAX(iil.quantityonhand) FROM inventoryitemlocations iil GROUP BY iil.location ORDER BY units DESC"
    )
    rows = reply.body["items"]
    assert rows[0] == {"links": [], "place": "East Warehouse", "n": "6", "units": "183", "expr1": "40"}
    assert [row["place"] for row in rows] == ["East Warehouse", "West Warehouse", "SoHo Store"]


async def test_dates_render_in_the_account_time_zone(client: TbaClient, sandbox: NetSuiteSandbox) -> None:
    sandbox.create("customer", {"companyName": "Tz"})
    created = sandbox.account.store.of_kind("customer")[0].created
    assert created is not None
    local = created.astimezone(ZoneInfo(sandbox.config.time_zone))
    reply = await client.suiteql(
        'SELECT TO_CHAR(lastmodifieddate, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') AS stamp, lastmodifieddate '
        "FROM customer"
    )
    row = reply.body["items"][0]
    # The trap: a literal Z, but the clock face is the account's zone, not UTC (reference §2).
    assert row["stamp"] == local.strftime("%Y-%m-%dT%H:%M:%SZ")
    hour = local.hour % 12 or 12
    assert row["lastmodifieddate"] == (
        f"{local.month}/{local.day}/{local.year} {hour}:{local.minute:02d} "
        f"{'am' if local.hour < 12 else 'pm'}"
    )


async def test_delta_poll_with_to_timestamp_and_keyset_paging(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    fmt = "YYYY-MM-DD HH24:MI:SS"
    sandbox.advance_clock(5)  # TO_CHAR drops fractions: step past the second the demo stock was seeded in
    now = (await client.suiteql(f"SELECT TO_CHAR(CURRENT_TIMESTAMP, '{fmt}') AS now FROM DUAL")).body
    since = now["items"][0]["now"]
    sandbox.advance_clock(5)
    east = demo["locations"]["East Warehouse"]
    for n in range(3):
        sandbox.create(
            "salesOrder",
            {
                "entity": {"id": str(demo["customer"])},
                "externalId": f"SHOP-{n}",
                "location": {"id": str(east)},
                "item": {"items": [{"item": {"id": str(demo["items"]["CAP-01"])}, "quantity": 1}]},
            },
        )
    query = (
        "SELECT t.id, t.externalid, tl.item, ABS(tl.quantity) AS qty FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id "
        f"WHERE t.type = 'SalesOrd' AND tl.mainline = 'F' AND t.lastmodifieddate >= TO_TIMESTAMP('{since}', "
        f"'{fmt}') AND t.id > {{last}} ORDER BY t.id, tl.linesequencenumber FETCH FIRST 2 ROWS ONLY"
    )
    first = (await client.suiteql(query.format(last=0))).body["items"]
    assert [row["externalid"] for row in first] == ["SHOP-0", "SHOP-1"]
    second = (await client.suiteql(query.format(last=first[-1]["id"]))).body["items"]
    assert [row["externalid"] for row in second] == ["SHOP-2"]
    assert second[0]["qty"] == "1"
    # Stock changed by the orders shows up in the stock delta too.
    stock = (
        await client.suiteql(
            "SELECT item, location, quantitycommitted FROM inventoryitemlocations "
            f"WHERE lastquantityavailablechange >= TO_TIMESTAMP('{since}', '{fmt}')"
        )
    ).body["items"]
    assert stock == [
        {"links": [], "item": str(demo["items"]["CAP-01"]), "location": str(east), "quantitycommitted": "3"}
    ]


async def test_sales_lines_have_negative_quantity(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(demo["customer"])},
            "location": {"id": str(demo["locations"]["West Warehouse"])},
            "item": {
                "items": [{"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 4, "rate": "12.50"}]
            },
        },
    )
    rows = (
        await client.suiteql(
            "SELECT tl.quantity, tl.netamount, tl.rate, BUILTIN.DF(t.status) AS status "
            "FROM transactionline tl JOIN transaction t ON t.id = tl.transaction "
            "WHERE t.type = 'SalesOrd' AND tl.mainline = 'F'"
        )
    ).body
    assert rows["items"] == [
        {
            "links": [],
            "quantity": "-4",
            "netamount": "-50",
            "rate": "12.5",
            "status": "Sales Order : Pending Fulfillment",
        }
    ]


async def test_row_cap_stops_offset_paging(sandbox: NetSuiteSandbox, client: TbaClient) -> None:
    sandbox.state.account.config = NetSuiteSandboxConfig(suiteql_row_cap=20)
    _customers(sandbox, 30)
    page = await client.suiteql("SELECT id FROM customer ORDER BY id", limit=10, offset=10)
    assert page.body["totalResults"] == 20 and page.body["hasMore"] is False
    beyond = await client.suiteql("SELECT id FROM customer ORDER BY id", limit=10, offset=20)
    assert (beyond.status, beyond.error_code) == (400, "INVALID_PARAMETER")


def test_to_timestamp_reads_local_time() -> None:
    from sandbox.netsuite.suiteql.datetimes import parse_datetime, to_char

    zone = ZoneInfo("America/Los_Angeles")
    moment = parse_datetime("2026-03-15 16:05:00", "YYYY-MM-DD HH24:MI:SS", zone)
    assert moment == datetime(2026, 3, 15, 23, 5, tzinfo=ZoneInfo("UTC"))
    assert to_char(moment, "MM/DD/YYYY HH12:MI AM", zone) == "03/15/2026 04:05 PM"


async def test_rownum_is_assigned_before_order_by(client: TbaClient, sandbox: NetSuiteSandbox) -> None:
    for name in ("Carol", "Alice", "Bob"):
        sandbox.create("customer", {"companyName": name})
    reply = await client.suiteql(
        "SELECT ROWNUM AS n, companyname FROM customer WHERE ROWNUM <= 2 ORDER BY companyname"
    )
    # Oracle's top-N trap (reference §2): the first two rows found, then sorted — not the first two names.
    assert [(row["n"], row["companyname"]) for row in reply.body["items"]] == [("2", "Alice"), ("1", "Carol")]


async def test_left_join_keeps_unmatched_rows_and_filters_after_joining(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    buyer = sandbox.create("customer", {"companyName": "Buyer"})
    sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(buyer)},
            "location": {"id": str(demo["locations"]["East Warehouse"])},
            "item": {"items": [{"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 1}]},
        },
    )
    reply = await client.suiteql(
        "SELECT c.entityid, COUNT(t.id) AS orders FROM customer c "
        "LEFT JOIN transaction t ON t.entity = c.id AND t.type = 'SalesOrd' "
        "GROUP BY c.entityid ORDER BY c.entityid"
    )
    assert [(r["entityid"], r["orders"]) for r in reply.body["items"]] == [
        ("Ada Lovelace", "0"),
        ("Buyer", "1"),
    ]
    never = await client.suiteql(
        "SELECT c.entityid FROM customer c LEFT JOIN transaction t ON t.entity = c.id WHERE t.id IS NULL"
    )
    assert [r["entityid"] for r in never.body["items"]] == ["Ada Lovelace"]


async def test_fulfillment_lines_link_back_to_their_order_lines(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    order = sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(demo["customer"])},
            "externalId": "SHOP-LINK",
            "location": {"id": str(demo["locations"]["East Warehouse"])},
            "item": {
                "items": [
                    {"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 1},
                    {"item": {"id": str(demo["items"]["CAP-01"])}, "quantity": 2},
                ]
            },
        },
    )
    shipment = sandbox.fulfill_order(order, {2: 2}, tracking_numbers=["1ZLINK"])
    reply = await client.suiteql(
        "SELECT so.externalid, link.previousline, link.linktype, ship.trackingnumberlist, "
        "BUILTIN.DF(tl.item) AS sku, ABS(tl.quantity) AS qty FROM previoustransactionlinelink link "
        "JOIN transaction so ON so.id = link.previousdoc JOIN transaction ship ON ship.id = link.nextdoc "
        "JOIN transactionline tl ON tl.transaction = link.nextdoc AND tl.id = link.nextline "
        f"WHERE ship.type = 'ItemShip' AND ship.id = {shipment}"
    )
    assert reply.body["items"] == [
        {
            "links": [],
            "externalid": "SHOP-LINK",
            "previousline": "2",
            "linktype": "ShipRcpt",
            "trackingnumberlist": "1ZLINK",
            "sku": "CAP-01",
            "qty": "2",
        }
    ]
