"""Model-based: a kit and its components sold at one POS location while the actors' messages are in
flight, in any order. Shopify's items never show more of a component, on its own and inside kits,
than the location has; once every message is delivered the split is exact (actors/kit_split.py).

The model: the component actors A and B and the bundle actor KIT (= 2 x A + 1 x B) with a queue of
the messages between them (KitReserve, ComponentAvailability, and the order lines and stock readings
that reach the components); each turn's writes reach Shopify at once and in order (one writer per
shop), with compare-and-set: Shopify lower than the compare keeps the difference off the write (the
writer's drift rule), higher is overwritten; a write that asked for it is confirmed later, with
that drift. Shopify refuses a sale above what an item shows. Before Tandem takes over, Shopify shows
every item whole (a kit and its components share): the sale starts once the split is in place.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sku_fixtures import CONTRACT_TEXT, make_contract

from actors.behaviour import Outbox, Send
from actors.bundle import BundleBehaviour
from actors.kit_split import kit_share, kits_from
from actors.sku import SkuBehaviour
from actors.sku_messages import InventorySet, OrderLine, StockReading, TargetConfirmed
from bus.envelope import make_envelope

S1 = "gid://shopify/Location/2"
CONTRACT = make_contract(
    CONTRACT_TEXT.split("[[locations]]", 1)[0]
    + f"""
[[locations]]
netsuite_id = "S1"
name = "store one"
kind = "store"
pos = true
shopify = {{ us = "{S1}" }}

[[channels]]
name = "pos-s1"
kind = "pos"
shop = "us"
locations = ["S1"]
publish_to = ["{S1}"]

[[bundles]]
sku = "KIT"
components = {{ "A" = 2, "B" = 1 }}

[catalog]
allowed_skus = ["A", "B", "KIT"]

[inventory]
kits = "split"
"""
)
KIT = CONTRACT.bundle("KIT")
assert KIT is not None
KEY = f"us|{S1}"


class Model:
    def __init__(self, stock: dict[str, int]) -> None:
        self.behaviours: dict[str, Any] = {
            "A": SkuBehaviour(CONTRACT), "B": SkuBehaviour(CONTRACT), "KIT": BundleBehaviour(CONTRACT)
        }
        self.states = {key: b.initial(key) for key, b in self.behaviours.items()}
        self.units = dict(stock)  # what the store really has
        self.on_hand = dict(stock)  # NetSuite's reading (orders are never absorbed here: all pending)
        # `available` of each item at the store, as a connector left it: everything, twice
        self.shopify = {"A": stock["A"], "B": stock["B"], "KIT": kits_from(KIT, stock)}
        self.now, self.sent = 100.0, 0
        self.queue: list[tuple[str, Any]] = [(sku, self.reading(sku)) for sku in KIT.components]
        while self.queue:  # Tandem takes over before the sale
            self.deliver(0)

    def reading(self, sku: str) -> StockReading:
        return StockReading(location="S1", on_hand=self.on_hand[sku], committed=0, read_at=self.now)

    def deliver(self, index: int) -> None:
        key, payload = self.queue.pop(index % len(self.queue))
        self.sent += 1
        envelope = make_envelope(payload, key=key, at=self.now, id=f"m{self.sent}")
        self.states[key], effects = self.behaviours[key].decide(self.states[key], envelope)
        for effect in effects:
            if isinstance(effect, Outbox) and isinstance(effect.payload, InventorySet):
                self.write(effect.payload)
            elif isinstance(effect, Send):
                self.queue.append((effect.key, effect.payload))

    def write(self, command: InventorySet) -> None:
        # the writer: a first write never raises Shopify; later ones keep units sold unheard off
        actual, compare = self.shopify[command.sku], command.compare_quantity
        drift = min(0, actual - (command.quantity if compare is None else compare))
        self.shopify[command.sku] = max(0, command.quantity + drift)
        if command.confirm:
            confirmed = TargetConfirmed(shop="us", location_id=S1, quantity=command.quantity,
                                        cause_id=command.cause_id, drift=drift)
            self.queue.append((command.sku, confirmed))

    def sell(self, item: str, quantity: int) -> None:
        if self.shopify[item] < quantity:
            return  # refused: Shopify's inventory policy deny
        self.shopify[item] -= quantity
        self.sent += 1
        parts = KIT.components if item == "KIT" else {item: 1}
        for sku, per_unit in parts.items():
            self.units[sku] -= per_unit * quantity
            line = OrderLine(
                order_id=f"o{self.sent}", line_id="l1", location="S1", quantity=per_unit * quantity,
                version_at=self.now, shop="us", bundle="KIT" if item == "KIT" else None,
            )
            self.queue.append((sku, line))

    def receive(self, sku: str, units: int) -> None:
        self.units[sku] += units
        self.on_hand[sku] += units
        self.queue.append((sku, self.reading(sku)))

    def check(self) -> None:
        for sku, per_kit in KIT.components.items():
            shown = self.shopify[sku] + per_kit * self.shopify["KIT"]
            assert shown <= self.units[sku], f"{sku}: {shown} shown of {self.units[sku]} ({self.shopify})"


OPS = st.one_of(
    st.tuples(st.just("deliver"), st.integers(0, 20)),
    st.tuples(st.just("deliver"), st.integers(0, 20)),
    st.tuples(st.just("deliver"), st.integers(0, 20)),
    st.tuples(st.just("sell"), st.sampled_from(["A", "B", "KIT"]), st.integers(1, 2)),
    st.tuples(st.just("receive"), st.sampled_from(["A", "B"]), st.integers(1, 5)),
)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 12), st.integers(0, 8), st.lists(OPS, max_size=80))
def test_kit_and_components_never_show_more_than_the_store_has_and_end_exact(
    a: int, b: int, ops: list[tuple[Any, ...]]
) -> None:
    model = Model({"A": a, "B": b})
    for op in ops:
        model.now += 0.5
        if op[0] == "deliver" and model.queue:
            model.deliver(op[1])
        elif op[0] == "sell":
            model.sell(op[1], op[2])
        elif op[0] == "receive":
            model.receive(op[1], op[2])
        model.check()
    while model.queue:  # traffic stops: every message arrives
        model.now += 0.5
        model.deliver(0)
        model.check()
    share = kit_share(kits_from(KIT, model.units))
    assert model.states["KIT"].published_targets[KEY] == share
    for sku, per_kit in KIT.components.items():
        assert model.states[sku].published_targets[KEY] == model.units[sku] - per_kit * share
