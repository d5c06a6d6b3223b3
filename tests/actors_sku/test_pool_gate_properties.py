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

from actors.behaviour import CancelTimer, StartTimer
from actors.sku import SkuBehaviour
from actors.sku.availability import compute_availability, target_key
from actors.sku.transitions import SHORTFALL_GIVE_UP_S
from actors.sku_messages import (
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    InventorySet,
    OrderLine,
    ShortfallRecheck,
    StockReading,
    TargetConfirmed,
)
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
    reserved: dict[str, str] = field(default_factory=dict)  # live Shopify reservations: hold id -> shop
    timers: dict[str, ShortfallRecheck] = field(default_factory=dict)  # the actor's recheck timers
    timer_at: dict[str, float] = field(default_factory=dict)  # when each is due

    @property
    def free(self) -> int:
        return self.received - self.sold

    def tick(self) -> float:
        self.clock += 0.01
        return self.clock

    def deliver(self, d: Driver, index: int) -> None:
        effects = d.send(self.inbox.pop(index), at=self.tick())
        for command in inventory_sets(effects):
            self.outbox[command.shop].append(command)
        for effect in effects:
            if isinstance(effect, StartTimer) and isinstance(effect.payload, ShortfallRecheck):
                self.timers[effect.timer_id] = effect.payload
                self.timer_at[effect.timer_id] = effect.at
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.timer_id, None)

    def move(self, d: Driver, data: st.DataObject, action: str) -> None:
        """One message on its way reaches the actor (any of them), or one shop's writer lands its
        oldest commands, several folded into one row or one at a time."""
        if action == "deliver" and self.inbox:
            self.deliver(d, data.draw(st.integers(0, len(self.inbox) - 1)))
        elif action == "land":
            shop = data.draw(st.sampled_from(["us", "eu"]))
            if self.outbox[shop]:
                self.land(shop, data.draw(st.integers(1, len(self.outbox[shop]))))

    def quiet_down(self, d: Driver, *, fire_timers: bool = False) -> None:
        """Deliver and land everything (and fire the actor's timers, when they are due: the clock
        moves on to them) until nothing is left, checking at every round that the shops never show
        more than the warehouse has free."""
        for _ in range(100):
            if not self.inbox and not any(self.outbox.values()) and not (fire_timers and self.timers):
                return
            while self.inbox:
                self.deliver(d, 0)
            for shop in ("us", "eu"):
                if self.outbox[shop]:
                    self.land(shop, len(self.outbox[shop]))
            for timer_id in sorted(self.timers) if fire_timers else ():
                self.clock = max(self.clock, self.timer_at[timer_id])
                self.fire(timer_id)
            assert self.shelf["us"] + self.shelf["eu"] <= self.free
        raise AssertionError("still busy after 100 rounds")

    def fire(self, timer_id: str) -> None:
        """A timer's message joins the others on their way to the actor (any order, as they do)."""
        self.inbox.append(self.timers.pop(timer_id))

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
        if plan.needed or row.verify:  # a verify row is sent anyway: its compare is the check
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


def taken_over(received: int) -> tuple[World, Driver]:
    """The shops as a connector left them (each shows all `received` units), and Tandem taking over
    before the sale: NetSuite's opening reading, its first writes, their confirmations."""
    world = World(received=received, shelf={"us": received, "eu": received})
    d = Driver(SkuBehaviour(SPLIT), "SKU-1")
    world.inbox.append(StockReading(location="W", on_hand=received, committed=0, read_at=world.clock))
    world.deliver(d, 0)
    for shop in ("us", "eu"):
        world.land(shop, len(world.outbox[shop]))
    while world.inbox:
        world.deliver(d, 0)
    return world, d


actions = st.sampled_from(["sale", "sale", "deliver", "deliver", "land", "receipt"])


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_two_shops_never_show_more_of_the_warehouse_than_it_holds(data: st.DataObject) -> None:
    received = data.draw(st.integers(0, 30), label="opening stock")
    world, d = taken_over(received)
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
        elif action in ("deliver", "land"):
            world.move(d, data, action)
        elif action == "receipt":
            world.received += data.draw(st.integers(1, 5))
            world.inbox.append(
                StockReading(location="W", on_hand=world.received, committed=0, read_at=world.tick())
            )
        assert world.shelf["us"] + world.shelf["eu"] <= world.free, (world.shelf, world.free)

    world.quiet_down(d)  # traffic stops: everything is delivered and landed
    shares = {
        t.shop: t.value for t in compute_availability(SPLIT, d.state, world.clock, split_shared=True).targets
    }
    assert world.shelf == shares and sum(shares.values()) == world.free
    assert d.state.unconfirmed == {}
    assert {key: d.state.published_targets[key] for key in d.state.published_targets} == {
        target_key(shop, GID[shop]): value for shop, value in shares.items()
    }


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_units_shopify_reserved_and_let_lapse_come_back_on_sale(data: st.DataObject) -> None:
    """Shopify reserves units (a draft order's reserveInventoryUntil: `available` → `reserved`) and
    puts them back when the reservation lapses, or commits them to an order at checkout (whose line
    and the hold's release reach the actor in any order); the actor hears of each as a hold placed
    and released (by the shop's device), late and in any order. The writer meets the reservation as
    units missing (drift), and nothing but the actor's recheck (ShortfallRecheck → a verify row, and
    the one a hold's end asks for) finds them back: without it the pool keeps them off sale after
    the lapse. The rechecks back off and may give units up, never while the shop's hold lives."""
    received = data.draw(st.integers(0, 30), label="opening stock")
    world, d = taken_over(received)
    holds = 0
    steps = st.sampled_from(
        ["reserve", "lapse", "checkout", "sale", "deliver", "deliver", "land", "land", "recheck"]
    )
    for _ in range(data.draw(st.integers(1, 60), label="steps")):
        action = data.draw(steps)
        if action == "reserve":
            shop = data.draw(st.sampled_from(["us", "eu"]))
            if world.shelf[shop] >= 1:  # Shopify reserves only what it shows
                holds += 1
                world.shelf[shop] -= 1
                world.reserved[f"h{holds}"] = shop
                world.inbox.append(
                    HoldPlaced(hold_id=f"h{holds}", location="W", quantity=1, expires_at=1e9, shop=shop)
                )
        elif action == "lapse" and world.reserved:
            hold_id = data.draw(st.sampled_from(sorted(world.reserved)))
            world.shelf[world.reserved.pop(hold_id)] += 1
            world.inbox.append(HoldReleased(hold_id=hold_id))
        elif action == "checkout" and world.reserved:
            hold_id = data.draw(st.sampled_from(sorted(world.reserved)))
            shop = world.reserved.pop(hold_id)  # reserved → committed: `available` stays
            world.sold += 1
            world.orders += 1
            order = f"o{world.orders}"
            world.inbox.append(HoldReleased(hold_id=hold_id, order_id=order))
            world.inbox.append(
                OrderLine(
                    order_id=order, line_id="l1", location="W", quantity=1, version_at=world.tick(), shop=shop
                )
            )
        elif action == "sale":
            shop = data.draw(st.sampled_from(["us", "eu"]))
            if world.shelf[shop] >= 1:
                world.shelf[shop] -= 1
                world.sold += 1
                world.orders += 1
                world.inbox.append(
                    OrderLine(
                        order_id=f"o{world.orders}", line_id="l1", location="W", quantity=1,
                        version_at=world.tick(), shop=shop,
                    )
                )
        elif action in ("deliver", "land"):
            world.move(d, data, action)
        elif action == "recheck" and world.timers:
            world.fire(data.draw(st.sampled_from(sorted(world.timers))))
        # reserved units are not for sale anywhere else either
        assert world.shelf["us"] + world.shelf["eu"] <= world.free - len(world.reserved)

    # every reservation lapses, then everything is delivered and landed and the timers fire
    for hold_id, shop in sorted(world.reserved.items()):
        world.shelf[shop] += 1
        world.inbox.append(HoldReleased(hold_id=hold_id))
    world.reserved.clear()
    world.quiet_down(d, fire_timers=True)
    shares = {
        t.shop: t.value for t in compute_availability(SPLIT, d.state, world.clock, split_shared=True).targets
    }
    assert world.shelf == shares and sum(shares.values()) == world.free, (world.shelf, shares)


def test_units_sold_unheard_come_off_the_shelves_once_not_twice() -> None:
    """The writer finds units a shop sold before the actor heard of it (drift), takes them off its
    row and tells the actor, whose pool gate takes them off the location's capacity: Shopify must
    then show the location's free units, not those units fewer again."""
    world, d = taken_over(4)
    assert world.shelf == {"us": 2, "eu": 2}
    world.shelf["us"] -= 1  # us sells one; its webhook is on its way
    world.sold += 1
    sale = OrderLine(
        order_id="o1", line_id="l1", location="W", quantity=1, version_at=world.tick(), shop="us"
    )
    world.received += 2  # a receipt the actor hears of first: both shares rise
    world.inbox.append(StockReading(location="W", on_hand=6, committed=0, read_at=world.tick()))
    world.deliver(d, 0)
    for _ in range(5):  # the writes land (us finds the unit gone), the confirmations come back
        for shop in ("us", "eu"):
            if world.outbox[shop]:
                world.land(shop, len(world.outbox[shop]))
        while world.inbox:
            world.deliver(d, 0)
    assert d.state.shortfalls  # the actor knows of the missing unit ...
    assert sum(world.shelf.values()) == world.free == 5  # ... and Shopify shows the other five
    world.inbox.append(sale)  # the webhook explains it: nothing is missing any more
    world.quiet_down(d)
    assert sum(world.shelf.values()) == world.free and d.state.shortfalls == {}


def _reserve(world: World, shop: str, hold_id: str, *, lasts: float) -> HoldPlaced:
    """Shopify reserves one unit at `shop` for a checkout hold; the device tells the actor."""
    world.shelf[shop] -= 1
    world.reserved[hold_id] = shop
    return HoldPlaced(hold_id=hold_id, location="W", quantity=1, expires_at=world.clock + lasts, shop=shop)


def test_nothing_is_given_up_where_a_hold_lives_and_its_end_is_looked_at_again() -> None:
    """Units missing at a shop where a hold of that shop lives are never given up, however long
    after: Shopify may hold them reserved and give them back on its own. The hold's end is written
    again a while after (a verify row), which finds them back; what is still missing after that is
    given up in time."""
    world, d = taken_over(5)
    key = target_key("us", GID["us"])
    world.inbox.append(_reserve(world, "us", "h1", lasts=2 * SHORTFALL_GIVE_UP_S))
    world.quiet_down(d)  # the hold's write finds the unit Shopify reserved missing
    world.shelf["us"] -= 1  # and a hand edit down at us, which no order will ever explain
    world.received += 2  # a receipt: both shares rise, and us's write finds both units missing
    world.inbox.append(StockReading(location="W", on_hand=7, committed=0, read_at=world.tick()))
    world.quiet_down(d)
    assert d.state.shortfalls[key].drift == -2
    world.clock += SHORTFALL_GIVE_UP_S + 1  # long after, the recheck gives nothing up
    world.fire(sorted(world.timers)[0])
    world.quiet_down(d)
    assert d.state.shortfalls[key].drift == -2
    world.shelf["us"] += 1  # Shopify's sweep lets the hold lapse; the actor's timer ends it
    world.reserved.clear()
    world.clock += SHORTFALL_GIVE_UP_S
    world.inbox.append(HoldExpired(hold_id="h1"))
    world.deliver(d, 0)
    ended = f"hold_end:{key}"
    assert world.timer_at[ended] == world.clock + 2.0  # once Shopify's sweep has surely run
    world.clock = world.timer_at[ended]
    world.fire(ended)
    world.deliver(d, len(world.inbox) - 1)
    assert world.outbox["us"][-1].verify
    world.quiet_down(d, fire_timers=True)
    assert key not in d.state.shortfalls and sum(world.shelf.values()) == world.free == 7


def test_units_missing_past_the_reconciler_are_given_up() -> None:
    """Units gone from a shop's `available` that no sale explains (a hand edit down in admin, or a
    write that took away units Shopify had given back before the actor heard of it) stay off sale
    while they may be a sale in flight; long past the reconciler, the recheck takes Shopify's value
    as the expected one and writes the target again."""
    world, d = taken_over(4)
    key = target_key("us", GID["us"])
    world.shelf["us"] -= 1  # gone from us's `available`, and no order will ever say why
    world.received += 2
    world.inbox.append(StockReading(location="W", on_hand=6, committed=0, read_at=world.tick()))
    world.quiet_down(d)  # us's write meets it as a unit missing
    assert d.state.shortfalls[key].drift == -1 and sum(world.shelf.values()) == world.free - 1
    world.quiet_down(d, fire_timers=True)  # rechecked, less and less often, then given up
    assert key not in d.state.shortfalls
    assert sum(world.shelf.values()) == world.free == 6
    assert world.clock > SHORTFALL_GIVE_UP_S
