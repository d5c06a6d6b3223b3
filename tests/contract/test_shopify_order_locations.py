"""Where a web order's demand counts when Shopify fills it from several locations (pure translation).

contract/shopify_orders.py, "Location" and "Split lines": with the units Shopify holds taken for each
line at each location (`LineLocations`, read from the order's fulfillment orders by the router), a web
line in a shop whose storefronts sell from several locations is one OrderLine per part: its own id
at its main location, `<id>@<gid>` at each other storefront location. The whole-order property is in
test_shopify_order_locations_properties.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from actors.sku import transitions
from actors.sku.demand import pending_by_location
from actors.sku.state import SkuState
from actors.sku_messages import OrderLine, Refund
from contract.loading import parse_contract
from contract.shopify_orders import (
    LineLocations,
    SkuCommand,
    decode_order,
    line_parts,
    needs_fulfillment_orders,
    split_locations,
    translate_webhook,
)

W_GID, STORE_GID, T_GID, ELSEWHERE_GID = (f"gid://shopify/Location/{n}" for n in (1, 2, 4, 9))
ONE_GID = "gid://shopify/Location/51"

# Shop "eu" sells online from a warehouse W and a 3PL T (like the sandbox world's eu shop) and has a
# POS store S; shop "one" sells online from W alone.
CONTRACT = parse_contract(f"""
[netsuite]
account_id = "TSTDRV1"
base_url = "http://127.0.0.1:9"
time_zone = "UTC"
concurrency_limit = 2
consumer_key_env = "NS_CK"
consumer_secret_env = "NS_CS"
token_id_env = "NS_TI"
token_secret_env = "NS_TS"

[[shops]]
name = "eu"
domain = "eu.example"
currency = "EUR"
access_token_env = "EU_TOKEN"
webhook_secret_env = "EU_SECRET"

[[shops]]
name = "one"
domain = "one.example"
currency = "USD"
access_token_env = "ONE_TOKEN"
webhook_secret_env = "ONE_SECRET"

[[locations]]
netsuite_id = "W"
name = "warehouse"
shopify = {{ eu = "{W_GID}", one = "{ONE_GID}" }}

[[locations]]
netsuite_id = "S"
name = "store"
kind = "store"
pos = true
shopify = {{ eu = "{STORE_GID}" }}

[[locations]]
netsuite_id = "T"
name = "3pl"
kind = "3pl"
shopify = {{ eu = "{T_GID}" }}

[[channels]]
name = "eu-online"
kind = "storefront"
shop = "eu"
locations = ["W", "T"]
publish_to = ["{W_GID}", "{T_GID}"]

[[channels]]
name = "eu-pos"
kind = "pos"
shop = "eu"
locations = ["S"]
publish_to = ["{STORE_GID}"]

[[channels]]
name = "one-online"
kind = "storefront"
shop = "one"
locations = ["W"]
publish_to = ["{ONE_GID}"]

[[bundles]]
sku = "KIT"
components = {{ "A" = 2, "B" = 1 }}
""")


def body(
    order_id: int = 7,
    quantity: int = 3,
    *,
    sku: str = "A",
    current: int | None = None,
    location_id: int | None = None,
    refunds: list[dict[str, Any]] | None = None,
    at: str = "2026-04-01T10:00:00Z",
) -> dict[str, Any]:
    """A REST order body with one line (id order_id × 10)."""
    return {
        "id": order_id,
        "updated_at": at,
        "cancelled_at": None,
        "location_id": location_id,
        "line_items": [
            {
                "id": order_id * 10,
                "sku": sku,
                "quantity": quantity,
                "current_quantity": quantity if current is None else current,
            }
        ],
        "refunds": refunds or [],
    }


def translate(order: dict[str, Any], assigned: LineLocations | None, shop: str = "eu") -> list[SkuCommand]:
    return translate_webhook(CONTRACT, shop, "orders/updated", json.dumps(order).encode(), assigned)


def lines(commands: list[SkuCommand]) -> list[tuple[str, str, int]]:
    """(line id, location, quantity) of each OrderLine, in message order."""
    return [
        (c.payload.line_id, c.payload.location, c.payload.quantity)
        for c in commands
        if isinstance(c.payload, OrderLine)
    ]


def test_the_storefront_locations_of_a_shop_start_with_its_web_location() -> None:
    assert split_locations(CONTRACT, "eu") == [W_GID, T_GID]
    assert split_locations(CONTRACT, "one") == [ONE_GID]
    assert split_locations(CONTRACT, "nowhere") == []


def test_only_web_orders_with_stock_lines_in_multi_location_shops_need_fulfillment_orders() -> None:
    def needs(shop: str, **fields: Any) -> bool:
        return needs_fulfillment_orders(CONTRACT, shop, decode_order(json.dumps(body(**fields)).encode()))

    assert needs("eu")
    assert not needs("eu", location_id=2)  # POS: the body names its store
    assert not needs("one")  # one storefront location: nothing to choose between
    gift_only = body()  # a gift card is no inventory: nothing to place
    gift_only["line_items"][0]["gift_card"] = True
    assert not needs_fulfillment_orders(CONTRACT, "eu", decode_order(json.dumps(gift_only).encode()))


def test_a_web_line_filled_at_the_3pl_is_demand_at_the_3pl() -> None:
    assert lines(translate(body(quantity=3), {"70": {T_GID: 3}})) == [
        ("70", "T", 3),
        (f"70@{T_GID}", "T", 0),
    ]


def test_a_web_line_split_over_two_locations_is_demand_at_both() -> None:
    assert lines(translate(body(quantity=3), {"70": {W_GID: 2, T_GID: 1}})) == [
        ("70", "W", 2),
        (f"70@{T_GID}", "T", 1),
    ]


def test_a_line_the_fulfillment_orders_do_not_mention_is_at_the_web_location_with_its_share_zeroed() -> None:
    assert lines(translate(body(quantity=3), {})) == [("70", "W", 3), (f"70@{T_GID}", "T", 0)]


def test_without_a_lookup_a_web_line_is_one_message_at_the_web_location_as_before() -> None:
    assert lines(translate(body(quantity=3), None)) == [("70", "W", 3)]


def test_orders_that_need_no_lookup_ignore_what_is_passed() -> None:
    assigned = {"70": {T_GID: 3}}
    assert lines(translate(body(quantity=2, location_id=2), assigned)) == [("70", "S", 2)]
    assert lines(translate(body(quantity=2), assigned, shop="one")) == [("70", "W", 2)]


def test_a_line_filled_at_an_unmapped_location_is_parked_as_unmapped() -> None:
    [main, share] = lines(translate(body(quantity=2), {"70": {ELSEWHERE_GID: 2}}))
    assert main == ("70", f"unmapped:eu:{ELSEWHERE_GID}", 2)
    assert share == (f"70@{T_GID}", "T", 0)


def test_units_outside_the_storefront_locations_count_at_the_main_part() -> None:
    parts = line_parts(CONTRACT, "eu", 4, {W_GID: 1, ELSEWHERE_GID: 2, T_GID: 1})
    assert [(p.suffix, p.location, p.quantity) for p in parts] == [("", "W", 3), (f"@{T_GID}", "T", 1)]


def test_the_parts_always_add_up_to_the_bodys_quantity() -> None:
    # The fulfillment orders are read after the webhook: they may show a later edit's units.
    parts = line_parts(CONTRACT, "eu", 2, {W_GID: 1, T_GID: 3})
    assert [(p.location, p.quantity) for p in parts] == [("W", 1), ("T", 1)]
    parts = line_parts(CONTRACT, "eu", 5, {T_GID: 3})  # refunded units are on the main part
    assert [(p.location, p.quantity) for p in parts] == [("T", 5), ("T", 0)]


def test_a_bundle_line_splits_each_component() -> None:
    commands = translate(body(quantity=2, sku="KIT"), {"70": {W_GID: 1, T_GID: 1}})
    assert sorted((c.sku, *line) for c, line in zip(commands, lines(commands), strict=True)) == [
        ("A", "70", "W", 2),
        ("A", f"70@{T_GID}", "T", 2),
        ("B", "70", "W", 1),
        ("B", f"70@{T_GID}", "T", 1),
    ]


def test_every_part_and_state_has_its_own_message_id() -> None:
    first = translate(body(quantity=3), {"70": {W_GID: 2, T_GID: 1}})
    again = translate(body(quantity=3), {"70": {W_GID: 2, T_GID: 1}})
    moved = translate(body(quantity=3), {"70": {W_GID: 3}})
    ids = [c.message_id for c in first]
    assert len(set(ids)) == 2 and ids == [c.message_id for c in again]
    assert {c.message_id for c in moved}.isdisjoint(ids)


# --- through the SKU actor's own transitions ----------------------------------------------------------


def apply_all(state: SkuState, commands: list[SkuCommand], now: float) -> SkuState:
    for command in commands:
        state, _ = transitions.apply(state, command.payload, now)
    return state


def test_a_reroute_in_a_newer_version_moves_the_demand_as_an_edit() -> None:
    state = apply_all(SkuState(sku="A"), translate(body(), {"70": {W_GID: 3}}), 1.0)
    assert pending_by_location(state) == {"W": 3}
    newer = body(at="2026-04-01T10:00:05Z")
    state = apply_all(state, translate(newer, {"70": {T_GID: 3}}), 2.0)
    assert pending_by_location(state) == {"T": 3}
    assert state.orders["7"].lines["70"].edited_at is not None  # an edit: needs a later sales order
    older = translate(body(), {"70": {W_GID: 3}})  # the older version redelivered changes nothing
    assert apply_all(state, older, 3.0) == state


def test_a_split_that_is_undone_leaves_no_share_behind() -> None:
    state = apply_all(SkuState(sku="A"), translate(body(), {"70": {W_GID: 2, T_GID: 1}}), 1.0)
    assert pending_by_location(state) == {"W": 2, "T": 1}
    state = apply_all(state, translate(body(at="2026-04-01T10:00:05Z"), {"70": {W_GID: 3}}), 2.0)
    assert pending_by_location(state) == {"W": 3}


def test_a_restocking_refund_of_a_line_at_the_3pl_is_taken_off_at_the_3pl() -> None:
    refund = {
        "id": 99,
        "order_id": 7,
        "refund_line_items": [
            {
                "line_item_id": 70,
                "quantity": 1,
                "restock_type": "cancel",
                "line_item": {"id": 70, "sku": "A", "quantity": 3},
            }
        ],
    }
    commands = translate(body(current=2, refunds=[refund]), {"70": {T_GID: 2}})
    assert any(isinstance(c.payload, Refund) for c in commands)
    state = apply_all(SkuState(sku="A"), commands, 1.0)
    assert pending_by_location(state) == {"T": 2}


def test_a_return_of_a_line_shipped_from_the_3pl_is_taken_off_at_the_3pl() -> None:
    returned = {
        "id": 98,
        "order_id": 7,
        "refund_line_items": [
            {
                "line_item_id": 70,
                "quantity": 1,
                "restock_type": "return",
                "line_item": {"id": 70, "sku": "A", "quantity": 3},
            }
        ],
    }
    # Shopify holds the 3 shipped from the 3PL as taken there (a return is not read back).
    commands = translate(body(quantity=3, current=2, refunds=[returned]), {"70": {T_GID: 3}})
    assert pending_by_location(apply_all(SkuState(sku="A"), commands, 1.0)) == {"T": 2}


@pytest.mark.parametrize("assigned", [{"70": {T_GID: 3}}, {"70": {W_GID: 1, T_GID: 2}}, {}])
def test_each_version_names_the_same_parts(assigned: LineLocations) -> None:
    assert [line_id for line_id, _, _ in sorted(lines(translate(body(), assigned)))] == ["70", f"70@{T_GID}"]
