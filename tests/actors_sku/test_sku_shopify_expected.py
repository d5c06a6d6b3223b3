"""The compare value of each write follows Shopify's own `available` (actors/sku/shopify_expected.py).

The small contract (sku_fixtures.py) publishes web → L1 (over W and S1, buffer 1), pos-s1 → L2
(S1), pos-s2 → L3 (S2, buffer 2). `stocked()` reads W 10, S1 5, S2 4: web 14, pos-s1 5, pos-s2 2,
each written once without a compare; from then on Shopify is expected to hold those values.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sku_fixtures import Driver, driver, inventory_sets, roundtrip, stocked

from actors.behaviour import Effect
from actors.sku import SkuState
from actors.sku.availability import target_key
from actors.sku.shopify_expected import available_moves, footprint
from actors.sku.state import DemandLine, OrderDemand
from actors.sku_messages import (
    HoldPlaced,
    OrderCancelled,
    OrderLine,
    Refund,
    RefundLine,
    SalesOrderSeen,
    StockReading,
)

L1, L2, L3 = (f"gid://shopify/Location/{n}" for n in (1, 2, 3))
CANCELLED = OrderCancelled(order_id="o1", cancelled_at=130.0, shop="us")


def sold(quantity: int = 2, location: str = "S1", version: float = 110.0, order: str = "o1",
         shop: str | None = "us") -> OrderLine:
    return OrderLine(order_id=order, line_id="l1", location=location, quantity=quantity,
                     version_at=version, shop=shop)


def refund(refund_id: str, quantity: int, restock: bool, order: str = "o1",
           shop: str | None = "us") -> Refund:
    return Refund(order_id=order, refund_id=refund_id, shop=shop,
                  lines=(RefundLine(line_id="l1", quantity=quantity, restock=restock),))


def writes(effects: Sequence[Effect]) -> dict[str, tuple[int, int | None]]:
    """Shopify location → (quantity, compare_quantity) of each InventorySet."""
    return {s.location_id: (s.quantity, s.compare_quantity) for s in inventory_sets(effects)}


def expected(d: Driver, gid: str) -> int | None:
    return d.state.expected_targets.get(target_key("us", gid))


def test_a_sale_is_expected_to_have_lowered_shopify_at_its_location() -> None:
    d = stocked()
    # Shopify took 2 at L2 (5 → 3): the write to L2 expects 3, the web location was not touched.
    assert writes(d.send(sold(2), at=111.0)) == {L1: (12, 14), L2: (3, 3)}
    assert expected(d, L2) == 3


def test_a_sale_without_a_shop_moves_nothing_as_before() -> None:
    d = stocked()
    assert writes(d.send(sold(2, shop=None), at=111.0)) == {L1: (12, 14), L2: (3, 5)}


@pytest.mark.parametrize(
    ("steps", "shopify_l2", "value_l2"),
    [
        # edit up: Shopify takes one more
        ([sold(2), sold(3, version=120.0)], 2, 2),
        # edit down: booked as a refund with restock `cancel`, the line's quantity unchanged
        ([sold(3), sold(3, version=120.0), refund("r1", 1, True)], 3, 3),
        # cancel with restock: the cancel's refund puts every unit back
        ([sold(2), refund("r1", 2, True), CANCELLED], 5, 5),
        # cancel without restock: Shopify writes the units off (available stays), Tandem frees them
        ([sold(2), refund("r1", 2, False), CANCELLED], 3, 5),
        # a return with restock after a no-restock refund
        ([sold(3), refund("r1", 1, False), refund("r2", 2, True)], 4, 4),
    ],
    ids=["edit-up", "edit-down", "cancel-restock", "cancel-no-restock", "refunds"],
)
def test_edits_cancels_and_refunds_move_the_expected_value_as_shopify_moves_available(
    steps: list[OrderLine | Refund | OrderCancelled], shopify_l2: int, value_l2: int
) -> None:
    d = stocked()
    last: dict[str, tuple[int, int | None]] = {}
    for n, message in enumerate(steps):
        last.update(writes(d.send(message, at=111.0 + n)))
    # The last write to L2 compared against what Shopify holds after all the steps...
    assert last[L2] == (value_l2, shopify_l2)
    # ...and the write itself is what Shopify holds from then on.
    assert expected(d, L2) == value_l2


def test_a_duplicated_webhook_moves_the_expected_value_once() -> None:
    d = stocked()
    d.send(sold(2), at=111.0)
    assert d.send(sold(2), at=112.0) == []
    d.send(refund("r1", 1, True), at=113.0)
    assert d.send(refund("r1", 1, True), at=114.0) == []
    assert expected(d, L2) == 4
    # An older version of the line (delivered late) is ignored, and so is its movement.
    assert d.send(sold(1, version=100.0), at=115.0) == []
    assert expected(d, L2) == 4


def test_a_publish_sets_the_expected_value_to_what_it_wrote() -> None:
    d = stocked()
    d.send(sold(2), at=111.0)
    # NetSuite received 3 at S1: the write expects the 3 Shopify holds after the sale, and writes 6.
    received = StockReading(location="S1", on_hand=8, committed=0, read_at=120.0)
    assert writes(d.send(received, at=121.0))[L2] == (6, 3)
    assert expected(d, L2) == 6
    assert writes(d.send(sold(1, order="o2"), at=122.0))[L2] == (5, 5)


def test_shopify_restocking_units_tandem_does_not_count_yet_is_overwritten() -> None:
    # NetSuite absorbed the order (its reading counts it committed), then the customer returned
    # a unit with restock: Shopify shows it (3 → 4) before NetSuite does. Tandem's value stays 3
    # and is written back, with the compare Shopify really holds.
    d = stocked()
    d.send(sold(2), at=111.0)
    d.send(SalesOrderSeen(order_id="o1", created_at=112.0, seen_at=113.0), at=113.0)
    d.send(StockReading(location="S1", on_hand=5, committed=2, read_at=114.0), at=114.0)
    assert expected(d, L2) == 3
    assert writes(d.send(refund("r1", 1, True), at=115.0)) == {L2: (3, 4)}
    assert expected(d, L2) == 3


def test_a_refund_before_its_line_moves_shopify_once_the_line_is_known() -> None:
    d = stocked()
    d.send(refund("r1", 1, True), at=111.0)
    assert expected(d, L2) == 5  # its location is not known yet
    assert writes(d.send(sold(3), at=112.0))[L2] == (3, 3)  # 5 − 3 + 1


def test_nothing_is_expected_where_tandem_never_wrote() -> None:
    d = driver()
    d.send(sold(2), at=111.0)
    assert d.state.expected_targets == {}
    effects = d.send(StockReading(location="S1", on_hand=5, committed=0, read_at=112.0), at=112.0)
    assert writes(effects)[L2] == (3, None)  # the first write has no compare, as before


def test_holds_and_other_shops_move_nothing() -> None:
    d = stocked()
    effects = d.send(HoldPlaced(hold_id="h1", location="S1", quantity=2, expires_at=500.0), at=111.0)
    assert writes(effects)[L2] == (3, 5)  # Shopify reserves nothing for a hold: it still holds 5
    # A sale reported by a shop the contract does not map at S1: nothing Tandem writes moved.
    assert writes(d.send(sold(1, shop="eu"), at=112.0))[L2] == (2, 3)


def test_a_component_sold_as_a_bundle_moves_nothing_of_its_own_item() -> None:
    d = stocked()
    kit = OrderLine(order_id="o1", line_id="l1", location="S1", quantity=2, version_at=110.0, shop="us",
                    bundle="KIT")
    assert writes(d.send(kit, at=111.0))[L2] == (3, 5)  # Shopify took the KIT item: SKU-1 still 5
    assert writes(d.send(refund("r1", 1, True), at=112.0))[L2] == (4, 3)  # and put back a KIT


def test_a_parked_sale_moves_nothing() -> None:
    d = stocked()
    assert writes(d.send(sold(2, location="unmapped:us:gid://shopify/Location/9"), at=111.0)) == {}
    assert expected(d, L2) == 5


def test_the_footprint_is_lines_minus_restocked_refunds_per_location() -> None:
    order = OrderDemand(
        lines={"a": DemandLine(location="W", quantity=3, version_at=1.0),
               "b": DemandLine(location="S1", quantity=2, version_at=1.0),
               "kit": DemandLine(location="W", quantity=4, version_at=1.0, bundle="KIT")},
        refunds={"r1": (RefundLine(line_id="a", quantity=1, restock=True),
                        RefundLine(line_id="b", quantity=2, restock=False),
                        RefundLine(line_id="gone", quantity=5, restock=True),
                        RefundLine(line_id="kit", quantity=1, restock=True))},
    )
    assert footprint(order) == {"W": 2, "S1": 2}
    assert available_moves(None, order) == {"W": -2, "S1": -2}
    assert available_moves(order, order) == {}


def test_the_expected_values_survive_a_snapshot() -> None:
    d = stocked()
    d.send(sold(2), at=111.0)
    assert roundtrip(d.state, SkuState).expected_targets == d.state.expected_targets

