"""The reconciler finds orders whose webhooks were dropped and feeds them through the same translation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import msgspec
import pytest

from actors.sku_messages import OrderCancelled, OrderLine, Refund
from bus.bus import Bus
from bus.subjects import BUCKET_CURSORS, STREAM_INGRESS
from bus.tracing import BusTracer
from contract.config import Contract
from contract.shopify_orders import translate_webhook
from gateways.shopify.graphql import RetryPolicy, ShopifyGraphQL
from gateways.shopify.reconciler import (
    ORDERS_QUERY,
    REFUNDS_PER_ORDER,
    ReconcilerConfig,
    ShopReconciler,
    is_complete,
    rest_order,
)
from gateways.shopify.throttle import CostThrottle
from sandbox.shopify import ShopifySandbox, ShopInfo
from sandbox.shopify.webhooks import shopify_json

from .conftest import StreamReader, sku_payloads, stored_count
from .world import NS_STORE, SHOP, STORE


@pytest.fixture
async def client(contract: Contract, shop: ShopInfo) -> AsyncIterator[ShopifyGraphQL]:
    async with aiohttp.ClientSession() as session:
        yield ShopifyGraphQL(
            session,
            contract.shop(SHOP),
            shop.access_token,
            tracer=BusTracer(None),
            throttle=CostThrottle(),
            retry=RetryPolicy(base_delay=0.02, max_delay=0.2, timeout=5.0),
        )


def reconciler(bus: Bus, client: ShopifyGraphQL, page_size: int = 2) -> ShopReconciler:
    return ShopReconciler(bus, SHOP, client, ReconcilerConfig(page_size=page_size, overlap=5.0))


@pytest.mark.usefixtures("router")
async def test_an_order_whose_webhook_was_dropped_reaches_the_sku_actors(
    bus: Bus,
    sandbox: ShopifySandbox,
    webhooks_to_tandem: str,
    client: ShopifyGraphQL,
    sku_messages: StreamReader,
) -> None:
    sandbox.set_faults(SHOP, {"webhook_drop_rate": 1.0})
    order = sandbox.place_order(
        SHOP, {"lines": [{"sku": "TEE", "quantity": 2}], "source": "pos", "location": STORE}
    )
    assert sandbox.webhook_attempts(SHOP) == []  # dropped: Shopify never sent it
    assert await reconciler(bus, client).reconcile_once() == 1
    await sku_messages.wait_for(lambda m: sku_payloads(m, OrderLine, "TEE"))
    [line] = sku_payloads(sku_messages.messages, OrderLine, "TEE")
    assert (line.order_id, line.location, line.quantity) == (str(order["id"]), NS_STORE, 2)


@pytest.mark.usefixtures("router")
async def test_pages_are_followed_the_cursor_is_kept_and_a_second_pass_stores_nothing_new(
    bus: Bus, sandbox: ShopifySandbox, client: ShopifyGraphQL, sku_messages: StreamReader
) -> None:
    orders = [sandbox.place_order(SHOP, {"lines": [{"sku": "MUG", "quantity": n}]}) for n in (1, 2, 3, 4, 5)]
    the_reconciler = reconciler(bus, client, page_size=2)
    assert await the_reconciler.reconcile_once() == 5
    await sku_messages.wait_for(lambda m: len(sku_payloads(m, OrderLine, "MUG")) == 5)
    assert {line.order_id for line in sku_payloads(sku_messages.messages, OrderLine, "MUG")} == {
        str(o["id"]) for o in orders
    }
    entry = await (await bus.kv(BUCKET_CURSORS)).get(the_reconciler.cursor_key)
    assert msgspec.json.decode(entry.value)["updated_at"] > 0
    assert await the_reconciler.reconcile_once() == 0  # same states, same ids: deduplicated
    assert await stored_count(bus, STREAM_INGRESS, "evt.shopify.>") == 5


async def test_a_synthetic_order_translates_like_the_webhook_of_the_same_state(
    sandbox: ShopifySandbox, contract: Contract, client: ShopifyGraphQL
) -> None:
    order = sandbox.place_order(
        SHOP,
        {
            "lines": [
                {"sku": "TEE", "quantity": 3},
                {"sku": "SET", "quantity": 1},
                {"sku": "GIFT-25", "quantity": 1},
            ]
        },
    )
    line_id = order["line_items"][0]["id"]
    sandbox.refund_order(
        SHOP, order["id"], {"lines": [{"line_item_id": line_id, "quantity": 1, "restock_type": "CANCEL"}]}
    )
    rest = sandbox.cancel_order(SHOP, order["id"], {"restock": True})
    data = await client.execute(
        "test", ORDERS_QUERY, {"first": 3, "after": None, "query": f"name:{rest['name']}"}, cost=809
    )
    [node] = data["orders"]["nodes"]
    from_webhook = translate_webhook(contract, SHOP, "orders/cancelled", shopify_json(rest))
    from_poll = translate_webhook(contract, SHOP, "orders/updated", msgspec.json.encode(rest_order(node)))
    assert from_poll == from_webhook
    kinds = {type(c.payload) for c in from_poll}
    assert kinds == {OrderLine, Refund, OrderCancelled}


def order_node(*, more_lines: bool = False, refunds: int = 1, more_refund_lines: bool = False) -> dict:
    refund = {
        "legacyResourceId": "9",
        "refundLineItems": {"pageInfo": {"hasNextPage": more_refund_lines}, "nodes": []},
    }
    return {
        "lineItems": {"pageInfo": {"hasNextPage": more_lines}, "nodes": []},
        "refunds": [refund] * refunds,
    }


def test_an_order_cut_by_the_page_limits_is_not_used() -> None:
    assert is_complete(order_node())
    assert is_complete(order_node(refunds=REFUNDS_PER_ORDER))
    assert not is_complete(order_node(more_lines=True))
    assert not is_complete(order_node(refunds=REFUNDS_PER_ORDER + 1))
    assert not is_complete(order_node(more_refund_lines=True))


def test_a_page_size_above_shopifys_cost_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="page_size 50"):
        ShopReconciler(None, SHOP, None, ReconcilerConfig(page_size=50))  # type: ignore[arg-type]
