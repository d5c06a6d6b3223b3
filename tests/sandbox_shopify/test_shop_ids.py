"""Ids are unique across the shops of one sandbox, as on Shopify: each shop owns its own span."""

from __future__ import annotations

import pytest

from sandbox.shopify import DomainRefusal, OrderLineSpec, OrderSpec, ShopifySandbox
from sandbox.shopify.ids import SHOP_ID_SPAN

from .conftest import seeded_shop_spec


def _order_ids(sandbox: ShopifySandbox, shop: str, count: int) -> set[int]:
    ids = set()
    for _ in range(count):
        order = sandbox.place_order(shop, OrderSpec(lines=[OrderLineSpec("MUG", 1)]))  # MUG: CONTINUE
        ids.add(int(order["id"]))
        ids.update(int(line["id"]) for line in order["line_items"])
    return ids


def test_two_shops_orders_never_share_an_id() -> None:
    sandbox = ShopifySandbox()
    sandbox.add_shop(seeded_shop_spec("alpha"))
    sandbox.add_shop(seeded_shop_spec("beta"))  # the same catalog, seeded in the same order
    alpha, beta = _order_ids(sandbox, "alpha", 5), _order_ids(sandbox, "beta", 5)
    assert len(alpha) == len(beta) == 10
    assert alpha.isdisjoint(beta)
    assert max(alpha) < min(beta) and max(beta) - min(alpha) < 2 * SHOP_ID_SPAN


def test_a_shop_may_choose_where_its_ids_start() -> None:
    sandbox = ShopifySandbox()
    sandbox.add_shop(seeded_shop_spec("alpha", first_id=5_000_000_001))
    assert min(_order_ids(sandbox, "alpha", 1)) > 5_000_000_001  # the catalog took the first ids
    # A shop added later without a choice gets the lowest span that is still free.
    sandbox.add_shop(seeded_shop_spec("beta"))
    assert max(_order_ids(sandbox, "beta", 1)) < SHOP_ID_SPAN


def test_a_first_id_inside_another_shops_span_is_refused() -> None:
    sandbox = ShopifySandbox()
    sandbox.add_shop(seeded_shop_spec("alpha"))
    with pytest.raises(DomainRefusal) as refused:
        sandbox.add_shop(seeded_shop_spec("beta", first_id=SHOP_ID_SPAN // 2))
    assert refused.value.code == "ID_RANGE_TAKEN"
    assert "beta" not in sandbox.shops
