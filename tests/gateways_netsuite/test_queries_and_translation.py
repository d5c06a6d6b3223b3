"""The SuiteQL builders and the row → message translations, without any I/O."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from actors.sku_messages import SalesOrderSeen, StockReading
from bus.envelope import encode
from gateways.netsuite import queries
from gateways.netsuite.account_time import AccountTime
from gateways.netsuite.messages import ItemChanged
from gateways.netsuite.order_ids import sales_order_external_id, shopify_order_id
from gateways.netsuite.translation import (
    BadRow,
    absorption_msg_id,
    item_changed,
    parse_item_row,
    parse_order_line_row,
    parse_stock_row,
    sales_order_seen,
    stock_reading,
)

LA = AccountTime("America/Los_Angeles")
STOCK_ROW = {
    "item_id": "12",
    "sku": "TEE.BLK M",
    "location_id": "3",
    "on_hand": "40",
    "committed": "2",
    "in_transit": "5",
    "modified": "2026-11-25 10:00:00.123",
}


def test_stock_query_continues_after_the_last_key_inside_the_window() -> None:
    text = queries.stock_levels(
        LA, since=1_795_000_000.0, after=queries.StockKey(12, 3), locations=["1", "3"]
    )
    assert "iil.lastmodifieddate >= TO_TIMESTAMP('" in text
    assert "iil.location IN (1, 3)" in text
    assert "(iil.item > 12 OR (iil.item = 12 AND iil.location > 3))" in text
    assert text.endswith("ORDER BY iil.item, iil.location")
    assert "OFFSET" not in text.upper()


def test_a_first_sweep_has_no_time_bound_and_no_key() -> None:
    text = queries.stock_levels(LA, since=None, after=None, locations=None)
    assert " WHERE " not in text


def test_ids_that_are_not_whole_numbers_never_reach_a_query() -> None:
    with pytest.raises(ValueError, match="whole number"):
        queries.stock_levels(LA, since=None, after=None, locations=["1); DROP"])
    with pytest.raises(ValueError, match="at least one"):
        queries.kit_members([])


def test_sales_order_query_keeps_stocked_lines_of_orders_with_an_external_id() -> None:
    text = queries.sales_order_lines(LA, since=None, after=queries.LineKey(7, 2))
    for part in (
        "t.type = 'SalesOrd'",
        "t.externalid IS NOT NULL",
        "tl.mainline = 'F'",
        "i.itemtype IN ('InvtPart', 'Assembly', 'Kit')",
        "(t.id > 7 OR (t.id = 7 AND tl.id > 2))",
        "ORDER BY t.id, tl.id",
    ):
        assert part in text


def test_item_columns_can_be_renamed_or_left_out_but_not_given_arbitrary_text() -> None:
    assert "i.weight AS weight" in queries.items(LA, since=None, after=None)
    assert "weight" not in queries.items(LA, since=None, after=None, columns={"weight": None})
    assert "i.salesprice AS price" in queries.items(
        LA, since=None, after=None, columns={"price": "salesprice"}
    )
    with pytest.raises(ValueError, match="column name"):
        queries.items(LA, since=None, after=None, columns={"weight": "weight FROM x --"})


def test_a_stock_row_becomes_a_reading_for_the_skus_actor() -> None:
    out = stock_reading(parse_stock_row(STOCK_ROW), read_at=1000.5)
    assert out.subject == "act.sku.TEE=2EBLK=20M"
    assert out.envelope.key == "TEE.BLK M" and out.envelope.time == 1000.5
    assert out.envelope.payload == StockReading(
        location="3", on_hand=40, committed=2, in_transit=5, read_at=1000.5
    )
    assert out.msg_id == out.envelope.id
    decoded = msgspec.json.decode(encode(out.envelope))
    assert decoded["type"] == "sku.stock_reading"


def test_the_same_row_read_twice_has_one_id_and_any_change_makes_a_new_one() -> None:
    first = stock_reading(parse_stock_row(STOCK_ROW), read_at=1.0)
    again = stock_reading(parse_stock_row(STOCK_ROW), read_at=2.0)
    changed = stock_reading(parse_stock_row({**STOCK_ROW, "committed": "3"}), read_at=2.0)
    later = stock_reading(parse_stock_row({**STOCK_ROW, "modified": "2026-11-25 10:00:00.124"}), read_at=2.0)
    assert first.msg_id == again.msg_id
    assert len({first.msg_id, changed.msg_id, later.msg_id}) == 3


def test_absent_quantities_are_zero_and_fractions_round_towards_selling_less() -> None:
    row = parse_stock_row(
        {"item_id": "1", "sku": "A", "location_id": "2", "on_hand": "2.5", "committed": "0.5"}
    )
    assert (row.on_hand, row.committed, row.in_transit, row.modified) == (2, 1, 0, "")


@pytest.mark.parametrize(
    "broken",
    [{"sku": ""}, {"on_hand": "lots"}, {"item_id": "x1"}, {"location_id": None}, {"committed": "NaN"}],
)
def test_unreadable_stock_rows_are_bad_rows(broken: dict[str, str | None]) -> None:
    row = {k: v for k, v in {**STOCK_ROW, **broken}.items() if v is not None}
    with pytest.raises(BadRow):
        parse_stock_row(row)


def test_absorption_reading_ids_depend_on_the_set_of_order_versions_not_their_order() -> None:
    row = parse_stock_row(STOCK_ROW)
    a = absorption_msg_id(row, [(1, "t1"), (2, "t2")])
    assert a == absorption_msg_id(row, [(2, "t2"), (1, "t1"), (1, "t1")])
    assert a != absorption_msg_id(row, [(1, "t1"), (2, "t3")])
    assert a.startswith("netsuite.stock:12:3:")


def test_a_sales_order_line_becomes_sales_order_seen_keyed_by_sku() -> None:
    line = parse_order_line_row(
        {
            "order_id": "55",
            "external_id": "820982911946154508",
            "line_id": "1",
            "item_id": "12",
            "sku": "MUG-01",
            "item_type": "InvtPart",
            "created": "2026-11-25 10:00:00.000",
            "modified": "2026-11-25 10:05:00.000",
        }
    )
    out = sales_order_seen(
        order_id="820982911946154508",
        sku=line.sku,
        netsuite_id=line.order_id,
        modified_text=line.modified,
        created_at=10.0,
        modified_at=20.0,
        seen_at=30.0,
    )
    assert out.subject == "act.sku.MUG-01"
    assert out.envelope.payload == SalesOrderSeen(
        order_id="820982911946154508", created_at=10.0, modified_at=20.0, seen_at=30.0
    )
    assert out.msg_id == "netsuite.so:55:2026-11-25 10:05:00.000:MUG-01"


def test_an_item_row_becomes_item_changed_with_exact_decimals() -> None:
    row = parse_item_row(
        {
            "item_id": "3",
            "sku": "MUG-01",
            "title": "Logo Mug",
            "price": "12.50",
            "weight": "0.35",
            "inactive": "T",
            "item_type": "InvtPart",
            "modified": "2026-11-25 10:00:00.000",
        }
    )
    out = item_changed(row, modified_at=5.0, read_at=6.0)
    assert out.subject == "evt.netsuite.item"
    assert out.envelope.payload == ItemChanged(
        item_id="3",
        sku="MUG-01",
        title="Logo Mug",
        price=Decimal("12.50"),
        weight=Decimal("0.35"),
        active=False,
        item_type="InvtPart",
        modified_at=5.0,
        read_at=6.0,
    )
    assert msgspec.json.decode(encode(out.envelope))["payload"]["price"] == "12.50"
    renamed = item_changed(msgspec.structs.replace(row, title="Big Mug"), modified_at=5.0, read_at=7.0)
    assert renamed.msg_id != out.msg_id


def test_shopify_order_ids_map_to_external_ids_and_back() -> None:
    assert sales_order_external_id(820982911946154508) == "820982911946154508"
    assert sales_order_external_id("gid://shopify/Order/5001") == "5001"
    assert shopify_order_id("5001") == "5001"
    for foreign in (None, "", "SO-5001", "LIB-SO-1", "５００１"):
        assert shopify_order_id(foreign) is None
    with pytest.raises(ValueError, match="not a Shopify order id"):
        sales_order_external_id("gid://shopify/Customer/1")


def test_skus_in_a_query_are_string_literals_with_quotes_doubled() -> None:
    text = queries.stock_levels(LA, since=None, after=None, locations=None, skus=["A", "O'Brien's"])
    assert "i.itemid IN ('A', 'O''Brien''s')" in text
