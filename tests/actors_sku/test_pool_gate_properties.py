"""What two shops really show of one shared warehouse while sales, readings and writes interleave.

A model of the whole loop around the SKU actor (actors/sku/pool_gate.py): two Shopify shops sell
from warehouse "W" (each refuses a sale beyond its own `available`), their order webhooks reach the
actor late and in any order, NetSuite readings (receipts) likewise, and each shop's writer lands the
actor's InventorySet commands in order, several folded into one row or one at a time, planned as the
writer plans them (contract/shopify_inventory.py: first write, known drift, stale replan), then
confirms what asked for it. The shops start where a connector left them (each shows all of it) and
Tandem takes over before the sale starts. Property: at every step the two shops together show no
more than the warehouse really has free; and once everything is delivered and landed, they show all
of it, in the shares the actor computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sku_fixtures import TWO_SHOPS_HEAD, Driver, inventory_sets, make_contract

from actors.sku import SkuBehaviour
from actors.sku.availability import compute_availability, target_key
from actors.sku_messages import InventorySet, OrderLine, StockReading, TargetConfirmed
from contract.shopify_inventory import KnownDrift, fold, known_after, plan_first, plan_row, replan_stale

SHOPS_TEXT = """
[[channels]]
name = "us-online"
kind = "storefront"
shop = "us"
locations = ["W"]
publish_to = ["gid://shopify/Location/1"]

[[channels]]
name = "eu-online"
kind = "storefront"
shop = "eu"
locations = ["W"]
publish_to = ["gid://shopify/Location/11"]

[inventory]
shared_locations = "split"
"""
SPLIT = make_contract(TWO_SHOPS_HEAD + SHOPS_TEXT)
GID = {"us": "gid://shopify/Location/1", "eu": "gid://shopify/Location/11"}


@dataclass
class World:
    received: int  # units NetSuite ever received at W (it never hears of Shopify's sales here)
    shelf: dict[str, int]  # Shopify `available` at W, per shop
    sold: int = 0
    inbox: list[Any] = field(default_factory=list)  # messages on their way to the actor
    outbox: dict[str, list[InventorySet]] = field(default_factory=lambda: {"us": [], "eu": []})
    clock: float = 1.0
    orders: int = 0
    drifts: dict[str, KnownDrift] = field(default_factory=dict)  # each writer's known drift

    @property
    def free(self) -> int:
        return self.received - self.sold

    def tick(self) -> float:
        self.clock += 0.01
        return self.clock

    def deliver(self, d: Driver, index: int) -> None:
        for command in inventory_sets(d.send(self.inbox.pop(index), at=self.tick())):
            self.outbox[command.shop].append(command)

    def land(self, shop: str, folded: int) -> None:
        """The shop's writer takes the oldest `folded` commands as one row and writes it."""
        commands, self.outbox[shop] = self.outbox[shop][:folded], self.outbox[shop][folded:]
        row = None
        for command in commands:
            row = fold(row, command)
        assert row is not None
        actual = self.shelf[shop]
        # as gateways/shopify/inventory_writer.py plans, writes and corrects a row
        plan = plan_first(row, actual) if row.expected is None else plan_row(row, self.drifts.get(shop))
        if plan.needed:
            if plan.compare != actual:  # CHANGE_FROM_QUANTITY_STALE: re-read, replan, write
                plan = replan_stale(row, plan, actual)
            self.shelf[shop] = plan.quantity
        self.drifts[shop] = known_after(row, plan)
        if any(command.confirm for command in commands):
            last = commands[-1]
            self.inbox.append(
                TargetConfirmed(
                    shop=shop,
                    location_id=last.location_id,
                    quantity=last.quantity,
                    cause_id=last.cause_id,
                    drift=plan.drift,
                )
            )


actions = st.sampled_from(["sale", "sale", "deliver", "deliver", "land", "receipt"])


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_two_shops_never_show_more_of_the_warehouse_than_it_holds(data: st.DataObject) -> None:
    received = data.draw(st.integers(0, 30), label="opening stock")
    # As a connector left them: each shop shows all of it, until Tandem's first write lands there
    world = World(received=received, shelf={"us": received, "eu": received})
    d = Driver(SkuBehaviour(SPLIT), "SKU-1")
    # Tandem takes over before the sale: NetSuite's opening reading, its first writes, confirmations
    world.inbox.append(StockReading(location="W", on_hand=received, committed=0, read_at=world.clock))
    world.deliver(d, 0)
    for shop in ("us", "eu"):
        world.land(shop, len(world.outbox[shop]))
    while world.inbox:
        world.deliver(d, 0)
    for _ in range(data.draw(st.integers(1, 60), label="steps")):
        action = data.draw(actions)
        if action == "sale":
            shop = data.draw(st.sampled_from(["us", "eu"]))
            quantity = data.draw(st.integers(1, 3))
            if world.shelf[shop] >= quantity:  # Shopify refuses an oversell of its own `available`
                world.shelf[shop] -= quantity
                world.sold += quantity
                world.orders += 1
                world.inbox.append(
                    OrderLine(
                        order_id=f"o{world.orders}",
                        line_id="l1",
                        location="W",
                        quantity=quantity,
                        version_at=world.tick(),
                        shop=shop,
                    )
                )
        elif action == "deliver" and world.inbox:
            world.deliver(d, data.draw(st.integers(0, len(world.inbox) - 1)))
        elif action == "land":
            shop = data.draw(st.sampled_from(["us", "eu"]))
            if world.outbox[shop]:
                world.land(shop, data.draw(st.integers(1, len(world.outbox[shop]))))
        elif action == "receipt":
            world.received += data.draw(st.integers(1, 5))
            world.inbox.append(
                StockReading(location="W", on_hand=world.received, committed=0, read_at=world.tick())
            )
        assert world.shelf["us"] + world.shelf["eu"] <= world.free, (world.shelf, world.free)

    # traffic stops: everything is delivered and landed
    for _ in range(100):
        if not world.inbox and not any(world.outbox.values()):
            break
        while world.inbox:
            world.deliver(d, 0)
        for shop in ("us", "eu"):
            if world.outbox[shop]:
                world.land(shop, len(world.outbox[shop]))
        assert world.shelf["us"] + world.shelf["eu"] <= world.free
    assert not world.inbox and not any(world.outbox.values())
    shares = {
        t.shop: t.value for t in compute_availability(SPLIT, d.state, world.clock, split_shared=True).targets
    }
    assert world.shelf == shares and sum(shares.values()) == world.free
    assert d.state.unconfirmed == {}
    assert {key: d.state.published_targets[key] for key in d.state.published_targets} == {
        target_key(shop, GID[shop]): value for shop, value in shares.items()
    }
