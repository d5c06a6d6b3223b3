"""contract/shopify_orders.py on real emulator bodies: orders, edits, cancels and refunds → SKU messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.sku.behaviour import SkuBehaviour
from actors.sku.state import SkuState
from actors.sku_messages import OrderCancelled, OrderLine, Refund
from bus.envelope import make_envelope
from contract.config import Contract
from contract.loading import parse_contract
from contract.shopify_orders import (
    ShopifyPayloadError,
    SkuCommand,
    epoch_seconds,
    resolve_location,
    translate_webhook,
    web_location,
)
from sandbox.shopify import ShopifySandbox
from sandbox.shopify.webhooks import shopify_json

from .world import (
    NS_STORE,
    NS_WAREHOUSE,
    SHOP,
    STORE,
    UNMAPPED_STORE,
    contract_for,
    contract_text,
    location_gids,
    shop_spec,
)


@pytest.fixture
def box() -> ShopifySandbox:
    sandbox = ShopifySandbox()  # never started: the programmatic API needs no HTTP
    sandbox.add_shop(shop_spec())
    return sandbox


@pytest.fixture
def contract(box: ShopifySandbox) -> Contract:
    return contract_for(box)


def translate(contract: Contract, topic: str, body: dict[str, Any]) -> list[SkuCommand]:
    return translate_webhook(contract, SHOP, topic, shopify_json(body))


def payloads(commands: list[SkuCommand], kind: type) -> list[tuple[str, Any]]:
    return [(c.sku, c.payload) for c in commands if isinstance(c.payload, kind)]


def place(box: ShopifySandbox, *lines: tuple[str, int], **spec: Any) -> dict[str, Any]:
    return box.place_order(SHOP, {"lines": [{"sku": s, "quantity": q} for s, q in lines], **spec})


def test_a_web_order_is_one_order_line_per_sku_at_the_shops_web_location(box, contract) -> None:
    order = place(box, ("TEE", 2), ("MUG", 1))
    lines = payloads(translate(contract, "orders/create", order), OrderLine)
    assert [(sku, p.quantity, p.location, p.order_id) for sku, p in lines] == [
        ("TEE", 2, NS_WAREHOUSE, str(order["id"])),
        ("MUG", 1, NS_WAREHOUSE, str(order["id"])),
    ]
    assert all(p.version_at == epoch_seconds(order["updated_at"], "updated_at") for _, p in lines)
    assert all(p.edited_at is None for _, p in lines)


def test_gift_cards_are_skipped_and_a_bundle_is_demand_on_its_components(box, contract) -> None:
    order = place(box, ("GIFT-25", 1), ("SET", 3))
    set_line = next(line for line in order["line_items"] if line["sku"] == "SET")
    lines = payloads(translate(contract, "orders/create", order), OrderLine)
    assert sorted((sku, p.line_id, p.quantity) for sku, p in lines) == [
        ("MUG", str(set_line["id"]), 6),
        ("TEE", str(set_line["id"]), 3),
    ]


def test_with_kits_split_the_kits_own_actor_hears_what_its_item_sold_and_its_cancellation(box) -> None:
    contract = parse_contract(contract_text(location_gids(box)) + '\n[inventory]\nkits = "split"\n')
    order = place(box, ("SET", 3))
    commands = translate(contract, "orders/create", order)
    own = [c for c in commands if c.kind == "bundle"]
    assert [(c.sku, c.payload.quantity, c.payload.bundle) for c in own] == [("SET", 3, None)]
    assert sorted((c.sku, c.kind, c.payload.quantity) for c in commands if c.kind == "sku") == [
        ("MUG", "sku", 6), ("TEE", "sku", 3)
    ]
    assert len({c.message_id for c in commands}) == len(commands)
    cancelled = box.cancel_order(SHOP, order["id"])
    cancels = [
        c for c in translate(contract, "orders/cancelled", cancelled) if isinstance(c.payload, OrderCancelled)
    ]
    assert sorted((c.kind, c.sku) for c in cancels) == [("bundle", "SET"), ("sku", "MUG"), ("sku", "TEE")]


def test_a_pos_sale_is_demand_at_the_netsuite_location_of_its_store(box, contract) -> None:
    order = place(box, ("TEE", 1), source="pos", location=STORE)
    [(_, line)] = payloads(translate(contract, "orders/create", order), OrderLine)
    assert line.location == NS_STORE


def test_a_pos_sale_at_an_unmapped_store_is_kept_and_the_sku_actor_parks_it(box, contract) -> None:
    order = place(box, ("TEE", 1), source="pos", location=UNMAPPED_STORE)
    [command] = translate(contract, "orders/create", order)
    gid = location_gids(box)[UNMAPPED_STORE]
    assert command.payload.location == f"unmapped:{SHOP}:{gid}"
    actor = SkuBehaviour(contract)
    state, effects = actor.decide(
        SkuState(sku="TEE"), make_envelope(command.payload, key="TEE", id=command.message_id)
    )
    assert [p.message_id for p in state.parked] == [command.message_id]
    assert gid in state.parked[0].reason and effects  # reported, not dropped


def test_an_edit_up_raises_the_line_and_an_edit_down_arrives_as_a_restocking_refund(box, contract) -> None:
    order = place(box, ("TEE", 3))
    line_id = order["line_items"][0]["id"]
    raised = box.edit_order(SHOP, order["id"], {"set_quantities": [{"line_item_id": line_id, "quantity": 5}]})
    [(_, line)] = payloads(translate(contract, "orders/updated", raised), OrderLine)
    assert line.quantity == 5
    lowered = box.edit_order(
        SHOP, order["id"], {"set_quantities": [{"line_item_id": line_id, "quantity": 1}]}
    )
    commands = translate(contract, "orders/updated", lowered)
    [(_, line)] = payloads(commands, OrderLine)
    [(_, refund)] = payloads(commands, Refund)
    # Not reduced twice: the line keeps its edited quantity and the refund takes 4 units off it.
    assert line.quantity == 5
    assert {(r.line_id, r.restock) for r in refund.lines} == {(str(line_id), True)}
    assert sum(r.quantity for r in refund.lines) == 4  # the emulator may split it by fulfillment order


def test_a_cancelled_order_cancels_every_sku_it_had(box, contract) -> None:
    order = place(box, ("TEE", 1), ("SET", 1), ("GIFT-25", 1))
    cancelled = box.cancel_order(SHOP, order["id"], {"reason": "CUSTOMER", "restock": True})
    commands = translate(contract, "orders/cancelled", cancelled)
    assert sorted(sku for sku, _ in payloads(commands, OrderCancelled)) == ["MUG", "TEE"]
    assert {p.cancelled_at for _, p in payloads(commands, OrderCancelled)} == {
        epoch_seconds(cancelled["cancelled_at"], "cancelled_at")
    }


@pytest.mark.parametrize(
    ("restock_type", "restock"), [("RETURN", True), ("CANCEL", True), ("NO_RESTOCK", False)]
)
def test_a_refund_restocks_by_its_restock_type(box, contract, restock_type: str, restock: bool) -> None:
    order = place(box, ("TEE", 2), source="pos", location=STORE, pos_carry_out=restock_type != "CANCEL")
    line_id = order["line_items"][0]["id"]
    refund = box.refund_order(
        SHOP, order["id"], {"lines": [{"line_item_id": line_id, "quantity": 1, "restock_type": restock_type}]}
    )
    [command] = translate(contract, "refunds/create", refund)
    assert command.sku == "TEE"
    assert (command.payload.order_id, command.payload.refund_id) == (str(order["id"]), str(refund["id"]))
    assert [(r.line_id, r.quantity, r.restock) for r in command.payload.lines] == [(str(line_id), 1, restock)]


def test_every_order_message_names_its_shop_so_the_actor_can_follow_shopifys_available(
    box, contract
) -> None:
    order = place(box, ("TEE", 2), ("SET", 1))
    line_id = order["line_items"][0]["id"]
    box.refund_order(SHOP, order["id"], {"lines": [{"line_item_id": line_id, "quantity": 1,
                                                    "restock_type": "CANCEL"}]})
    cancelled = box.cancel_order(SHOP, order["id"], {"restock": True})
    commands = translate(contract, "orders/cancelled", cancelled)
    kinds = {type(c.payload) for c in commands}
    assert kinds == {OrderLine, Refund, OrderCancelled}
    assert {c.payload.shop for c in commands} == {SHOP}
    # Lines sold as a bundle name it: in Shopify the sale took the bundle's item, not the components'.
    lines = payloads(commands, OrderLine)
    assert sorted((sku, p.bundle or "") for sku, p in lines) == [("MUG", "SET"), ("TEE", ""), ("TEE", "SET")]


def test_ids_depend_on_content_so_redeliveries_and_reconciler_finds_dedupe(box, contract) -> None:
    order = place(box, ("TEE", 1), ("MUG", 2))
    first = translate(contract, "orders/create", order)
    again = translate(contract, "orders/updated", order)  # same state, another topic/delivery
    assert [c.message_id for c in first] == [c.message_id for c in again]
    assert len({c.message_id for c in first}) == len(first)
    line_id = order["line_items"][0]["id"]
    later_time = datetime.fromtimestamp(epoch_seconds(order["updated_at"], "updated_at") + 5, tz=UTC)
    box.clock = lambda: later_time
    edited = box.edit_order(SHOP, order["id"], {"set_quantities": [{"line_item_id": line_id, "quantity": 2}]})
    later = translate(contract, "orders/updated", edited)
    assert not {c.message_id for c in later} & {c.message_id for c in first}


def test_two_states_of_a_line_within_one_second_have_different_ids(box, contract) -> None:
    box.clock = lambda: datetime(2026, 4, 1, 10, 0, 0, tzinfo=UTC)  # create and edit in the same second
    order = place(box, ("TEE", 1))
    line_id = order["line_items"][0]["id"]
    edited = box.edit_order(SHOP, order["id"], {"set_quantities": [{"line_item_id": line_id, "quantity": 3}]})
    [before] = translate(contract, "orders/create", order)
    [after] = translate(contract, "orders/updated", edited)
    assert before.payload.version_at == after.payload.version_at
    assert before.message_id != after.message_id


def test_topics_without_demand_translate_to_nothing(contract) -> None:
    assert translate(contract, "products/update", {"id": 1}) == []
    assert translate(contract, "inventory_levels/update", {"inventory_item_id": 1}) == []


@pytest.mark.parametrize(
    ("topic", "body", "field"),
    [
        ("orders/create", {"id": 1, "line_items": []}, "updated_at"),
        ("orders/create", {"id": 1, "updated_at": "yesterday"}, "updated_at"),
        (
            "orders/create",
            {"id": 1, "updated_at": "2026-01-01T00:00:00Z", "line_items": [{"id": 2, "quantity": "x"}]},
            "line_items[0].quantity",
        ),
        (
            "refunds/create",
            {"id": 1, "order_id": 2, "refund_line_items": [{"line_item_id": 3, "quantity": 1}]},
            "line_item",
        ),
    ],
)
def test_a_body_missing_what_the_translation_needs_is_an_error_naming_the_field(
    contract, topic, body, field
) -> None:
    with pytest.raises(ShopifyPayloadError, match=field.replace("[", r"\[").replace("]", r"\]")):
        translate(contract, topic, body)


def test_the_web_location_is_the_first_mapped_location_of_the_shops_storefront(box) -> None:
    gids = location_gids(box)
    contract = parse_contract(
        contract_text(gids).replace('locations = ["10", "11"]', 'locations = ["11", "10"]')
    )
    assert web_location(contract, SHOP) == "11"
    assert web_location(contract, "no-such-shop") == "unmapped:no-such-shop:web"


def test_a_hold_location_may_be_a_netsuite_id_or_a_shopify_gid(box, contract) -> None:
    gids = location_gids(box)
    assert resolve_location(contract, SHOP, NS_STORE) == NS_STORE
    assert resolve_location(contract, SHOP, gids[STORE]) == NS_STORE
    assert (
        resolve_location(contract, SHOP, "gid://shopify/Location/9")
        == f"unmapped:{SHOP}:gid://shopify/Location/9"
    )


edit_steps = st.lists(
    st.tuples(
        st.sampled_from(["edit", "refund"]),
        st.integers(0, 1),
        st.integers(0, 4),
        st.sampled_from(["RETURN", "CANCEL", "NO_RESTOCK"]),
    ),
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edit_steps)
def test_after_any_edits_and_refunds_line_minus_refunds_is_shopifys_current_quantity(steps) -> None:
    box = ShopifySandbox()
    box.add_shop(shop_spec())
    contract = contract_for(box)
    order = place(box, ("TEE", 3), ("MUG", 2))
    for action, index, quantity, restock_type in steps:
        line = order["line_items"][index]
        try:
            if action == "edit":
                order = box.edit_order(
                    SHOP,
                    order["id"],
                    {"set_quantities": [{"line_item_id": line["id"], "quantity": quantity}]},
                )
            elif quantity:
                box.refund_order(
                    SHOP,
                    order["id"],
                    {
                        "lines": [
                            {"line_item_id": line["id"], "quantity": quantity, "restock_type": restock_type}
                        ]
                    },
                )
                order = next(o for o in box.orders(SHOP) if o["id"] == order["id"])
        except Exception as refused:  # the emulator refuses what Shopify would (over-refunds, …)
            assert type(refused).__name__ in {"DomainRefusal"}
    commands = translate(contract, "orders/updated", order)
    refunded: dict[str, int] = {}
    for _, refund in payloads(commands, Refund):
        for row in refund.lines:
            refunded[row.line_id] = refunded.get(row.line_id, 0) + row.quantity
    for sku, line in payloads(commands, OrderLine):
        rest = next(li for li in order["line_items"] if str(li["id"]) == line.line_id)
        assert line.quantity - refunded.get(line.line_id, 0) == rest["current_quantity"], sku
    assert len({c.message_id for c in commands}) == len(commands)
