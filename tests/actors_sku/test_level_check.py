"""The SKU actor's drift check on inventory_levels/update (actors/sku/level_check.py)."""

from __future__ import annotations

from sku_fixtures import inventory_sets, line, stocked

from actors.sku_messages import ShopifyLevelSeen

POS_S2 = "gid://shopify/Location/3"  # the us shop's location for NetSuite S2 (pos-s2: 4 on hand, buffer 2)


def seen(available: int, location: str = POS_S2, shop: str = "us") -> ShopifyLevelSeen:
    return ShopifyLevelSeen(shop=shop, location_id=location, available=available, updated_at=150.0)


def test_shopify_above_what_the_actor_expects_is_written_again_with_compare_and_set() -> None:
    d = stocked()
    assert d.state.published_targets[f"us|{POS_S2}"] == 2
    [command] = inventory_sets(d.send(seen(9), at=150.0, message_id="level-1"))
    where = (command.location_id, command.quantity, command.compare_quantity, command.cause_id)
    assert where == (POS_S2, 2, 2, "level-1")
    assert command.verify  # unchanged, yet sent: its compare-and-set finds the 9


def test_our_own_value_or_less_is_left_to_the_next_writes_compare() -> None:
    d = stocked()
    assert inventory_sets(d.send(seen(2), at=150.0)) == []  # the echo of our write
    assert inventory_sets(d.send(seen(1), at=151.0)) == []  # a sale in flight looks like this


def test_a_location_the_sku_does_not_publish_to_or_another_shop_is_not_checked() -> None:
    d = stocked()
    assert inventory_sets(d.send(seen(50, location="gid://shopify/Location/999"), at=150.0)) == []
    assert inventory_sets(d.send(seen(50, shop="eu"), at=151.0)) == []
    assert d.state.published_targets[f"us|{POS_S2}"] == 2


def test_a_late_echo_of_one_of_our_writes_is_not_drift() -> None:
    d = stocked()
    d.send(line(order="o1", quantity=1, location="S2"), at=110.0)  # wrote 1 at pos-s2 (was 2)
    d.send(line(order="o2", quantity=1, location="S2"), at=111.0)  # wrote 0
    assert d.state.recent_targets[f"us|{POS_S2}"][-3:] == (2, 1, 0)
    assert inventory_sets(d.send(seen(2), at=112.0)) == []  # Shopify's echo of the 2, arriving now
    assert inventory_sets(d.send(seen(1), at=113.0)) == []
    [command] = inventory_sets(d.send(seen(3), at=114.0))  # never ours: checked
    assert (command.quantity, command.compare_quantity, command.verify) == (0, 0, True)
