"""Selling as customers do: deny policy, committed stock, POS, holds, cancel, edit, refunds, truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import anyio
import pytest

from sandbox.shopify import (
    CancelSpec,
    DomainRefusal,
    EditLineSpec,
    EditSpec,
    HoldSpec,
    OrderLineSpec,
    OrderSpec,
    ShopifySandbox,
    ShopInfo,
    StockSpec,
)


def levels(sandbox: ShopifySandbox, sku: str) -> dict[str, dict[str, int]]:
    return {row["location"]: row for row in sandbox.inventory("alpha", sku)}


def test_deny_policy_refuses_more_than_available_and_changes_nothing(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    with pytest.raises(DomainRefusal) as refused:
        sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-M", 2)]))
    assert refused.value.code == "INSUFFICIENT_INVENTORY"
    assert refused.value.details == {"sku": "TEE-M", "requested": 2, "available": 1, "location": "Warehouse"}
    assert levels(sandbox, "TEE-M")["Warehouse"]["available"] == 1
    assert sandbox.orders("alpha") == [] and sandbox.units_sold("alpha") == []


def test_accepted_web_order_moves_available_to_committed_across_online_locations(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    order = sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 6)]))
    tee = levels(sandbox, "TEE-S")
    assert (tee["Warehouse"]["available"], tee["Warehouse"]["committed"]) == (0, 5)
    assert (tee["Overflow"]["available"], tee["Overflow"]["committed"]) == (1, 1)
    assert tee["Downtown Store"]["available"] == 3  # POS-only stock is not sold online
    assert order["fulfillment_status"] is None and order["source_name"] == "web"
    sold = {(u.sku, u.location_name): u.sold for u in sandbox.units_sold("alpha")}
    assert sold == {("TEE-S", "Warehouse"): 5, ("TEE-S", "Overflow"): 1}


def test_continue_policy_oversells_on_purpose_and_truth_shows_it(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("MUG", 3)]))
    assert levels(sandbox, "MUG")["Warehouse"]["available"] == -3
    [movement] = sandbox.unit_movements("alpha")
    assert (movement.available_before, movement.quantity) == (0, 3)
    assert sandbox.seeded_stock("alpha")["MUG"] == {"Warehouse": 0}


def test_pos_sale_is_fulfilled_at_the_store_and_leaves_on_hand(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    order = sandbox.place_order(
        "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 2)], source="pos", location="Downtown Store")
    )
    store = levels(sandbox, "TEE-S")["Downtown Store"]
    assert (store["available"], store["committed"], store["on_hand"]) == (1, 0, 1)
    assert order["source_name"] == "pos" and order["location_id"] is not None
    assert order["fulfillment_status"] == "fulfilled"
    assert order["tax_lines"][0]["rate"] == 0.05  # the store's own tax rate
    assert order["payment_gateway_names"] == ["cash"]
    with pytest.raises(DomainRefusal, match="available at Downtown Store"):
        sandbox.place_order(
            "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 2)], source="pos", location="Downtown Store")
        )
    with pytest.raises(DomainRefusal) as refused:
        sandbox.place_order(
            "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 1)], source="pos", location="Warehouse")
        )
    assert refused.value.code == "NOT_A_POS_LOCATION"


def test_checkout_hold_reserves_units_and_an_order_can_convert_it(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    hold = sandbox.create_hold("alpha", HoldSpec("TEE-S", "Warehouse", 4, expires_in_seconds=60))
    warehouse = levels(sandbox, "TEE-S")["Warehouse"]
    assert (warehouse["available"], warehouse["reserved"], warehouse["on_hand"]) == (1, 4, 5)
    with pytest.raises(DomainRefusal):
        sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 2)], location="Warehouse"))
    sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 4)], hold_ids=[hold["id"]]))
    warehouse = levels(sandbox, "TEE-S")["Warehouse"]
    assert (warehouse["available"], warehouse["reserved"], warehouse["committed"]) == (1, 0, 4)
    with pytest.raises(DomainRefusal, match="already converted"):
        sandbox.release_hold("alpha", hold["id"])


def test_units_a_converted_hold_did_not_need_go_back_to_available(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    hold = sandbox.create_hold("alpha", HoldSpec("TEE-S", "Warehouse", 4))
    sandbox.place_order("alpha", {"lines": [{"sku": "TEE-S", "quantity": 1}], "hold_ids": [hold["id"]]})
    warehouse = levels(sandbox, "TEE-S")["Warehouse"]
    assert (warehouse["available"], warehouse["reserved"], warehouse["committed"]) == (4, 0, 1)


def test_released_hold_gives_units_back(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    hold = sandbox.create_hold("alpha", {"sku": "TEE-S", "location": "Overflow", "quantity": 2})
    assert sandbox.release_hold("alpha", hold["id"])["state"] == "released"
    assert levels(sandbox, "TEE-S")["Overflow"]["available"] == 2


async def test_expired_hold_is_released_by_the_sweeper(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    sandbox.create_hold("alpha", HoldSpec("TEE-S", "Warehouse", 5, expires_in_seconds=0.2))
    assert levels(sandbox, "TEE-S")["Warehouse"]["available"] == 0
    with anyio.fail_after(5):
        # The sweeper runs on its own schedule; poll the observable outcome under the deadline.
        while levels(sandbox, "TEE-S")["Warehouse"]["available"] != 5:
            await anyio.sleep(0.02)
    assert levels(sandbox, "TEE-S")["Warehouse"]["reserved"] == 0


def test_cancel_restocks_refunds_and_restores_the_gift_card(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    order = sandbox.place_order(
        "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 1)], gift_card_code="GC-1234")
    )
    cancelled = sandbox.cancel_order("alpha", order["admin_graphql_api_id"], CancelSpec(reason="CUSTOMER"))
    assert cancelled["cancelled_at"] is not None and cancelled["cancel_reason"] == "customer"
    assert cancelled["financial_status"] == "refunded"
    assert levels(sandbox, "TEE-S")["Warehouse"]["available"] == 5
    refunded = {t["gateway"]: t["amount"] for t in cancelled["refunds"][0]["transactions"]}
    assert refunded == {"gift_card": "15.00", "shopify_payments": "7.00"}
    again = sandbox.place_order(
        "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 1)], gift_card_code="GC-1234")
    )
    assert again["payment_gateway_names"][0] == "gift_card"  # balance came back
    with pytest.raises(DomainRefusal, match="already cancelled"):
        sandbox.cancel_order("alpha", order["id"])


def test_edit_lowers_and_raises_quantities_and_adds_lines(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    order = sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 3)]))
    line_id = order["line_items"][0]["id"]
    edited = sandbox.edit_order("alpha", order["id"], EditSpec(set_quantities=[EditLineSpec(line_id, 1)]))
    assert edited["line_items"][0]["current_quantity"] == 1
    assert levels(sandbox, "TEE-S")["Warehouse"]["committed"] == 1
    edited = sandbox.edit_order(
        "alpha",
        order["id"],
        {
            "set_quantities": [{"line_item_id": line_id, "quantity": 2}],
            "add_lines": [{"sku": "TEE-M", "quantity": 1}],
        },
    )
    assert [line["sku"] for line in edited["line_items"]] == ["TEE-S", "TEE-M"]
    assert levels(sandbox, "TEE-S")["Warehouse"]["committed"] == 2
    assert levels(sandbox, "TEE-M")["Warehouse"]["committed"] == 1
    assert Decimal(edited["current_total_price"]) == Decimal("66.00")  # 3 tees × 20 + 10 % tax
    with pytest.raises(DomainRefusal):
        sandbox.edit_order("alpha", order["id"], {"add_lines": [{"sku": "TEE-M", "quantity": 1}]})


def test_control_refund_suggests_amounts_and_restocks_returns(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    order = sandbox.place_order(
        "alpha", OrderSpec(lines=[OrderLineSpec("TEE-S", 2)], source="pos", location="Downtown Store")
    )
    line_id = order["line_items"][0]["id"]
    refund = sandbox.refund_order(
        "alpha", order["id"], {"lines": [{"line_item_id": line_id, "quantity": 1, "restock_type": "RETURN"}]}
    )
    assert refund["transactions"][0]["amount"] == "21.00"  # 20 + 5 % store tax
    assert refund["refund_line_items"][0]["location_id"] == order["location_id"]
    assert levels(sandbox, "TEE-S")["Downtown Store"]["available"] == 2
    truth = {(u.sku, u.location_name): (u.sold, u.restocked, u.net) for u in sandbox.units_sold("alpha")}
    assert truth == {("TEE-S", "Downtown Store"): (2, 1, 1)}
    with pytest.raises(DomainRefusal) as refused:
        sandbox.refund_order("alpha", order["id"], {"lines": [{"line_item_id": line_id, "quantity": 5}]})
    assert refused.value.code == "REFUND_REFUSED"


def test_new_customer_is_created_once_and_reused_by_email(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    first = sandbox.place_order(
        "alpha",
        {
            "lines": [{"sku": "TEE-S", "quantity": 1}],
            "customer": {"email": "dee@example.com", "first_name": "Dee"},
        },
    )
    second = sandbox.place_order(
        "alpha", {"lines": [{"sku": "TEE-S", "quantity": 1}], "customer": {"email": "DEE@example.com"}}
    )
    assert first["customer"]["id"] == second["customer"]["id"]
    assert second["customer"]["orders_count"] == 2
    with pytest.raises(DomainRefusal, match="No customer"):
        sandbox.place_order("alpha", {"lines": [{"sku": "TEE-S", "quantity": 1}], "customer": {"id": 42}})


def test_bad_requests_are_refused_clearly(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"lines": []}, "EMPTY_ORDER"),
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "UNKNOWN_SKU"),
        ({"lines": [{"sku": "TEE-S", "quantity": 0}]}, "INVALID_QUANTITY"),
        ({"lines": [{"sku": "TEE-S", "quantity": 1}], "discount_code": "BOGUS"}, "INVALID_DISCOUNT_CODE"),
        ({"lines": [{"sku": "TEE-S", "quantity": 1}], "presentment_currency": "JPY"}, "UNSUPPORTED_CURRENCY"),
    ]
    for spec, code in cases:  # each a plain dict, as the control API receives it
        with pytest.raises(DomainRefusal) as refused:
            sandbox.place_order("alpha", spec)
        assert refused.value.code == code
    with pytest.raises(DomainRefusal, match=r"No shop"):
        sandbox.place_order("nope", {"lines": [{"sku": "TEE-S", "quantity": 1}]})


def test_set_stock_is_seeded_truth_not_an_api_write(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    sandbox.set_stock("alpha", StockSpec("TEE-M", "Overflow", 7))
    assert levels(sandbox, "TEE-M")["Overflow"]["available"] == 7
    assert sandbox.seeded_stock("alpha")["TEE-M"] == {"Warehouse": 1, "Overflow": 7}
    assert sandbox.quantity_writes("alpha") == []


def test_two_shops_in_one_sandbox_are_independent(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    from .conftest import seeded_shop_spec

    other = sandbox.add_shop(seeded_shop_spec("beta"))
    sandbox.place_order("beta", {"lines": [{"sku": "TEE-M", "quantity": 1}]})
    assert other.access_token != shop.access_token
    assert levels(sandbox, "TEE-M")["Warehouse"]["available"] == 1
    assert sandbox.inventory("beta", "TEE-M")[0]["available"] == 0
    assert datetime.fromisoformat(sandbox.orders("beta")[0]["created_at"]) > datetime.now(UTC) - timedelta(
        minutes=1
    )


def test_a_line_is_found_in_its_order_as_orders_come_and_edits_add_lines(
    sandbox: ShopifySandbox, shop: ShopInfo
) -> None:
    import dataclasses

    state = sandbox.runtime("alpha").state
    first = sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("TEE-M", 1)]))
    order = state.orders[int(str(first["id"]).rsplit("/", 1)[-1])]
    assert state.order_line(order.line_items[0].id) == (order, order.line_items[0])
    second = sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("MUG", 1)]))  # added since
    later = state.orders[int(str(second["id"]).rsplit("/", 1)[-1])]
    assert state.order_line(later.line_items[0].id) == (later, later.line_items[0])
    # an edit adds a line to the older order: found too
    added = dataclasses.replace(order.line_items[0], id=state.ids.next())
    order.line_items.append(added)
    assert state.order_line(added.id) == (order, added)
    with pytest.raises(KeyError):
        state.order_line(10**12)
