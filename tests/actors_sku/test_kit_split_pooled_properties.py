"""Model-based: a kit and its components sold by two shops from one shared warehouse while every
message between the actors is in flight in any order and each shop's writes land whenever that shop's
writer gets to them (in order within a shop, in any order across shops). Both shops' items together
never show more of a component, on its own and inside kits, than the warehouse has; once every
message is delivered and every write has landed, each shop's share is split exactly between its kit
and component items (actors/kit_split.py with actors/sku/pool_gate.py).

As in test_kit_split_properties.py, a landed write is compare-and-set (Shopify below the compare keeps
the difference off, above is overwritten), a write that asked for it is confirmed to the actor that
wrote it (a kit's to the bundle actor), and Shopify refuses a sale above what an item shows. Shopify
starts where a connector left it (every item shows everything, in both shops); the sale starts once
Tandem has taken over.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sku_fixtures import TWO_SHOPS_HEAD, make_contract

from actors.behaviour import Outbox, Send
from actors.bundle import BundleBehaviour
from actors.kit_split import kits_from
from actors.sku import SkuBehaviour
from actors.sku_messages import BUNDLE_KIND, InventorySet, OrderLine, StockReading, TargetConfirmed
from bus.envelope import make_envelope

GID = {"us": "gid://shopify/Location/1", "eu": "gid://shopify/Location/11"}
CONTRACT = make_contract(
    TWO_SHOPS_HEAD
    + """
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

[[bundles]]
sku = "KIT"
components = { "A" = 2, "B" = 1 }

[catalog]
allowed_skus = ["A", "B", "KIT"]

[inventory]
shared_locations = "split"
kits = "split"
"""
)
KIT = CONTRACT.bundle("KIT")
assert KIT is not None
SHOPS = ("us", "eu")
ITEMS = ("A", "B", "KIT")


class Model:
    def __init__(self, stock: dict[str, int]) -> None:
        self.behaviours: dict[str, Any] = {
            "A": SkuBehaviour(CONTRACT), "B": SkuBehaviour(CONTRACT), "KIT": BundleBehaviour(CONTRACT)
        }
        self.states = {key: b.initial(key) for key, b in self.behaviours.items()}
        self.units = dict(stock)  # what the warehouse really has
        self.on_hand = dict(stock)  # NetSuite's reading (orders are never absorbed here: all pending)
        whole = {"A": stock["A"], "B": stock["B"], "KIT": kits_from(KIT, stock)}
        self.shopify = {shop: dict(whole) for shop in SHOPS}  # as a connector left it
        self.outbox: dict[str, list[InventorySet]] = {shop: [] for shop in SHOPS}
        self.now, self.sent = 100.0, 0
        self.queue: list[tuple[str, Any]] = [(sku, self.reading(sku)) for sku in KIT.components]
        self.settle()  # Tandem takes over before the sale

    def settle(self) -> None:
        while self.queue or any(self.outbox.values()):
            self.now += 0.1
            for shop in SHOPS:
                while self.outbox[shop]:
                    self.land(shop)
            if self.queue:
                self.deliver(0)

    def reading(self, sku: str) -> StockReading:
        return StockReading(location="W", on_hand=self.on_hand[sku], committed=0, read_at=self.now)

    def deliver(self, index: int) -> None:
        key, payload = self.queue.pop(index % len(self.queue))
        self.sent += 1
        envelope = make_envelope(payload, key=key, at=self.now, id=f"m{self.sent}")
        self.states[key], effects = self.behaviours[key].decide(self.states[key], envelope)
        for effect in effects:
            if isinstance(effect, Outbox) and isinstance(effect.payload, InventorySet):
                self.outbox[effect.payload.shop].append(effect.payload)
            elif isinstance(effect, Send):
                self.queue.append((effect.key, effect.payload))

    def land(self, shop: str) -> None:
        command = self.outbox[shop].pop(0)
        shown = self.shopify[shop]
        actual, compare = shown[command.sku], command.compare_quantity
        drift = min(0, actual - (command.quantity if compare is None else compare))
        shown[command.sku] = max(0, command.quantity + drift)
        if command.confirm:
            confirmed = TargetConfirmed(shop=shop, location_id=GID[shop], quantity=command.quantity,
                                        cause_id=command.cause_id, drift=drift)
            assert (command.kind == BUNDLE_KIND) == (command.sku == "KIT")
            self.queue.append((command.sku, confirmed))

    def sell(self, shop: str, item: str, quantity: int) -> None:
        if self.shopify[shop][item] < quantity:
            return  # refused: Shopify's inventory policy deny
        self.shopify[shop][item] -= quantity
        self.sent += 1
        parts = KIT.components if item == "KIT" else {item: 1}
        for sku, per_unit in parts.items():
            self.units[sku] -= per_unit * quantity
            line = OrderLine(
                order_id=f"o{self.sent}", line_id="l1", location="W", quantity=per_unit * quantity,
                version_at=self.now, shop=shop, bundle="KIT" if item == "KIT" else None,
            )
            self.queue.append((sku, line))

    def receive(self, sku: str, units: int) -> None:
        self.units[sku] += units
        self.on_hand[sku] += units
        self.queue.append((sku, self.reading(sku)))

    def shown(self, sku: str) -> int:
        return sum(s[sku] + KIT.components[sku] * s["KIT"] for s in self.shopify.values())

    def check(self) -> None:
        for sku in KIT.components:
            assert self.shown(sku) <= self.units[sku], f"{sku}: {self.shown(sku)} of {self.units[sku]}"


OPS = st.one_of(
    st.tuples(st.just("deliver"), st.integers(0, 30)),
    st.tuples(st.just("deliver"), st.integers(0, 30)),
    st.tuples(st.just("deliver"), st.integers(0, 30)),
    st.tuples(st.just("land"), st.sampled_from(SHOPS)),
    st.tuples(st.just("land"), st.sampled_from(SHOPS)),
    st.tuples(st.just("sell"), st.sampled_from(SHOPS), st.sampled_from(ITEMS), st.integers(1, 2)),
    st.tuples(st.just("receive"), st.sampled_from(["A", "B"]), st.integers(1, 5)),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 14), st.integers(0, 9), st.lists(OPS, max_size=90))
def test_two_shops_kits_and_components_never_show_more_than_the_warehouse_has_and_end_exact(
    a: int, b: int, ops: list[tuple[Any, ...]]
) -> None:
    model = Model({"A": a, "B": b})
    model.check()
    for op in ops:
        model.now += 0.5
        if op[0] == "deliver" and model.queue:
            model.deliver(op[1])
        elif op[0] == "land" and model.outbox[op[1]]:
            model.land(op[1])
        elif op[0] == "sell":
            model.sell(op[1], op[2], op[3])
        elif op[0] == "receive":
            model.receive(op[1], op[2])
        model.check()
    model.settle()
    model.check()
    for sku in KIT.components:  # quiet: everything the warehouse has is on sale, split exactly
        published = sum(
            model.states[sku].published_targets[f"{shop}|{GID[shop]}"]
            + KIT.components[sku] * model.states["KIT"].published_targets[f"{shop}|{GID[shop]}"]
            for shop in SHOPS
        )
        assert published == model.units[sku], (sku, published, model.units)
