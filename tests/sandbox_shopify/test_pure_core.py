"""The pure core, driven directly (no HTTP): pricing, inventory planning, search syntax, paging, ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sandbox.shopify.connections import connection
from sandbox.shopify.inventory import InventoryScope, QuantityRow, apply_delta, plan_adjust, plan_set
from sandbox.shopify.ledger import UnitsSold, oversold_units
from sandbox.shopify.model import InventoryLevel
from sandbox.shopify.pricing import Discount, PricedLine, price_order
from sandbox.shopify.search_syntax import parse, search

NOW = datetime(2026, 4, 1, tzinfo=UTC)

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
lines = st.lists(
    st.builds(PricedLine, prices, st.integers(1, 20), st.booleans(), st.booleans()), min_size=1, max_size=6
)
discounts = st.one_of(
    st.none(),
    st.builds(Discount, st.just("percentage"), st.integers(1, 100).map(Decimal)),
    st.builds(Discount, st.just("fixed_amount"), prices),
)


@given(lines, discounts, prices, st.sampled_from([Decimal(0), Decimal("0.0825"), Decimal("0.21")]))
def test_order_totals_add_up_to_the_cent(
    order_lines: list[PricedLine], discount: Discount | None, shipping: Decimal, tax_rate: Decimal
) -> None:
    pricing = price_order(order_lines, discount, shipping, tax_rate)
    gross = sum((line.unit_price * line.quantity for line in order_lines), Decimal(0))
    assert pricing.total_discounts == sum((line.discount for line in pricing.lines), Decimal(0))
    assert pricing.subtotal == gross - pricing.total_discounts
    assert pricing.total == pricing.subtotal + pricing.total_tax + pricing.shipping
    for line, priced in zip(order_lines, pricing.lines, strict=True):
        assert Decimal(0) <= priced.discount <= line.unit_price * line.quantity
        if line.is_gift_card:
            assert priced.discount == 0 and priced.tax == 0  # gift cards: neither discounted nor taxed
    if discount is not None and discount.value_type == "fixed_amount":
        eligible = sum(
            (line.unit_price * line.quantity for line in order_lines if not line.is_gift_card), Decimal(0)
        )
        assert pricing.total_discounts == min(discount.value, eligible)


def level(item_id: int = 1, location_id: int = 10, available: int = 5, committed: int = 0) -> InventoryLevel:
    found = InventoryLevel(100 + item_id, item_id, location_id, NOW, NOW)
    found.quantities.update(available=available, committed=committed)
    return found


def scope(*levels: InventoryLevel) -> InventoryScope:
    return InventoryScope(
        frozenset(lvl.item_id for lvl in levels) | {99},
        frozenset({10, 11}),
        {(lvl.item_id, lvl.location_id): lvl for lvl in levels},
    )


def test_set_plans_the_delta_and_on_hand_moves_available_only() -> None:
    stock = level(available=5, committed=2)
    errors, plan = plan_set("on_hand", "correction", None, [QuantityRow(1, 10, 10, 7)], scope(stock))
    assert errors == [] and plan == [(stock, 3)]  # on_hand 7 → 10 means available +3
    changes = apply_delta(stock, "available", 3, NOW)
    assert [(c.name, c.delta, c.before, c.after) for c in changes] == [
        ("available", 3, 5, 8),
        ("on_hand", 3, 7, 10),
    ]


def test_set_is_all_or_nothing_and_reports_every_bad_row() -> None:
    stock = level()
    rows = [QuantityRow(1, 10, 3, 4), QuantityRow(99, 10, 1, None), QuantityRow(1, 10, 2, None)]
    errors, plan = plan_set("available", "correction", None, rows, scope(stock))
    assert plan == [] and stock.quantities["available"] == 5
    assert [e.code for e in errors] == [
        "ITEM_NOT_STOCKED_AT_LOCATION",
        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
    ]


def test_negative_available_is_accepted_within_bounds_but_not_below() -> None:
    stock = level()
    assert plan_set("available", "correction", None, [QuantityRow(1, 10, -3, None)], scope(stock))[0] == []
    errors, _ = plan_set(
        "available", "correction", None, [QuantityRow(1, 10, -1_000_000_001, None)], scope(stock)
    )
    assert errors[0].code == "INVALID_QUANTITY_TOO_LOW"
    errors, _ = plan_set(
        "available", "correction", None, [QuantityRow(1, 10, 1_000_000_001, None)], scope(stock)
    )
    assert errors[0].code == "INVALID_QUANTITY_TOO_HIGH"


def test_adjust_rejects_more_than_one_ledger_document_and_shopify_gids() -> None:
    stock, other = level(), level(item_id=2)
    rows = [
        QuantityRow(1, 10, 1, None, "gid://erp/A/1"),
        QuantityRow(2, 10, 1, None, "gid://shopify/Order/1"),
    ]
    errors, _ = plan_adjust("damaged", "damaged", None, rows, scope(stock, other))
    assert {e.code for e in errors} == {"INTERNAL_LEDGER_DOCUMENT", "MAX_ONE_LEDGER_DOCUMENT"}


@dataclass
class Record:
    id: int
    updated_at: datetime
    status: str
    skus: list[str]


RECORDS = [
    Record(i, NOW + timedelta(minutes=i), "open" if i % 2 else "closed", [f"SKU-{i}", "ALL"])
    for i in range(1, 8)
]
FIELDS = {
    "updated_at": lambda r: r.updated_at,
    "status": lambda r: r.status,
    "sku": lambda r: r.skus,
    "id": lambda r: r.id,
}


def ids(query: str) -> list[int]:
    return [r.id for r in search(RECORDS, query, FIELDS, lambda r: " ".join(r.skus))]


def test_search_syntax_comparators_quotes_negation_and_or() -> None:
    assert ids("updated_at:>'2026-04-01T00:05:00Z'") == [6, 7]
    assert ids('updated_at:<="2026-04-01T00:02:00+00:00" status:open') == [1]
    assert ids("updated_at:>2026-04-01T00:05:00Z AND -status:open") == [6]
    assert ids("id:>5 OR sku:SKU-1") == [1, 6, 7]
    assert ids("sku:SKU-1*") == [1]
    assert ids("SKU-3") == [3]  # free text
    assert ids("colour:red") == []  # unknown fields match nothing rather than everything
    assert parse("") == []


@given(st.integers(1, 20), st.booleans())
def test_paging_visits_every_record_exactly_once_in_order(page_size: int, reverse: bool) -> None:
    seen: list[int] = []
    after = None
    while True:
        page = connection(
            RECORDS, first=page_size, after=after, reverse=reverse, sort_key=lambda r: (r.updated_at, r.id)
        )
        seen += [node.id for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = [r.id for r in RECORDS]
    assert seen == (expected[::-1] if reverse else expected)


def test_oversold_units_count_net_sales_beyond_shared_physical_stock() -> None:
    sold = [
        UnitsSold("TEE", "Warehouse", 6, 1, 5),
        UnitsSold("TEE", "Store", 3, 0, 3),
        UnitsSold("MUG", "Warehouse", 2, 0, 2),
    ]
    assert oversold_units(sold, {"TEE": 6, "MUG": 4, "CAP": 0}) == {"TEE": 2, "MUG": 0, "CAP": 0}


def test_currency_enum_in_the_schema_matches_what_shops_may_use() -> None:
    from graphql import GraphQLEnumType

    from sandbox.shopify.money import SUPPORTED_CURRENCIES
    from sandbox.shopify.schema import admin_schema

    enum = admin_schema().type_map["CurrencyCode"]
    assert isinstance(enum, GraphQLEnumType)
    assert set(enum.values) == SUPPORTED_CURRENCIES


def test_a_shop_in_an_unknown_currency_is_refused() -> None:
    import pytest

    from sandbox.shopify import DomainRefusal, ShopSpec
    from sandbox.shopify.store import new_shop

    with pytest.raises(DomainRefusal, match="XXX"):
        new_shop(ShopSpec(name="odd", currency="XXX"), NOW)
    with pytest.raises(DomainRefusal, match="positive"):
        new_shop(ShopSpec(name="odd", exchange_rates={"EUR": Decimal(0)}), NOW)
