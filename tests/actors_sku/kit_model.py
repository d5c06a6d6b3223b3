"""A model of a kit and its components sold while the actors' messages are in flight (for the
property tests of actors/kit_split.py): the component actors and the bundle actor of one contract,
the messages on their way to each, each shop's Shopify items at one NetSuite location, and each
shop's writer.

Each actor takes its messages in the order they were stored (the runtime's guarantee: one durable
consumer per kind delivers in stream order, turns are in order per key); which actor takes its next
one is up to the test. A sale's webhook is on its way until the test routes it (`route`, in any
order): then the router publishes its order lines to every actor they concern at once (a kit's:
its components' and, kits split, its own bundle actor's).

A landed write is compare-and-set as the writer plans it (contract/shopify_inventory.py): a first
write never raises Shopify, Shopify below the compare keeps the difference off and carries it into
the item's next rows until a sale heard explains it, above is overwritten; a write that asked for it
is confirmed later, with that drift, to the actor that wrote it. Shopify refuses a sale above what an
item shows. NetSuite never absorbs an order here: every order line stays pending demand. Shopify
starts where a connector left it (every item shows everything, in every shop) and Tandem takes over
before the sale starts.
"""

from __future__ import annotations

from typing import Any

from actors.behaviour import Outbox, Send
from actors.bundle import BundleBehaviour
from actors.kit_split import kits_from
from actors.sku import SkuBehaviour
from actors.sku_messages import BUNDLE_KIND, InventorySet, OrderLine, StockReading, TargetConfirmed
from bus.envelope import make_envelope
from contract.config import Bundle, Contract
from contract.shopify_inventory import KnownDrift, fold, known_after, plan_first, plan_row, replan_stale


class KitModel:
    def __init__(
        self, contract: Contract, kit: Bundle, location: str, gids: dict[str, str], stock: dict[str, int],
        *, writes_land_at_once: bool,
    ) -> None:
        self.kit, self.location, self.gids = kit, location, gids
        self.land_at_once = writes_land_at_once
        self.behaviours: dict[str, Any] = {sku: SkuBehaviour(contract) for sku in kit.components}
        self.behaviours[kit.sku] = BundleBehaviour(contract)
        self.states = {key: b.initial(key) for key, b in self.behaviours.items()}
        self.units = dict(stock)  # what the location really has
        self.on_hand = dict(stock)  # NetSuite's reading
        whole = {**stock, kit.sku: kits_from(kit, stock)}
        self.shopify = {shop: dict(whole) for shop in gids}  # `available` per shop and item
        self.outbox: dict[str, list[InventorySet]] = {shop: [] for shop in gids}
        self.drifts: dict[tuple[str, str], KnownDrift] = {}  # each writer's known drift per item
        self.now, self.sent = 100.0, 0
        self.queue: list[tuple[str, Any]] = [(sku, self.reading(sku)) for sku in kit.components]
        self.webhooks: list[list[tuple[str, Any]]] = []  # sales' order lines not routed yet
        self.settle()

    def play(self, op: tuple[Any, ...]) -> None:
        """One step of a test's plan, then the check: ("deliver", which actor), ("route", which
        webhook), ("land", shop), ("sell", shop, item, quantity), ("receive", SKU, units)."""
        self.now += 0.5
        kind = op[0]
        if kind == "deliver" and self.queue:
            self.deliver(op[1])
        elif kind == "route" and self.webhooks:
            self.route(op[1])
        elif kind == "land" and self.outbox[op[1]]:
            self.land(op[1])
        elif kind == "sell":
            self.sell(op[1], op[2], op[3])
        elif kind == "receive":
            self.receive(op[1], op[2])
        self.check()

    def settle(self) -> None:
        """Every webhook routed, every message delivered and every write landed."""
        while self.webhooks:
            self.route(0)
        while self.queue or any(self.outbox.values()):
            self.now += 0.1
            for shop in self.gids:
                while self.outbox[shop]:
                    self.land(shop)
            if self.queue:
                self.deliver(0)

    def reading(self, sku: str) -> StockReading:
        return StockReading(location=self.location, on_hand=self.on_hand[sku], committed=0, read_at=self.now)

    def deliver(self, index: int) -> None:
        """The next message of one of the actors that have some (`index` picks which)."""
        waiting = sorted({key for key, _ in self.queue})
        actor = waiting[index % len(waiting)]
        key, payload = self.queue.pop(next(i for i, (k, _) in enumerate(self.queue) if k == actor))
        self.sent += 1
        envelope = make_envelope(payload, key=key, at=self.now, id=f"m{self.sent}")
        self.states[key], effects = self.behaviours[key].decide(self.states[key], envelope)
        for effect in effects:
            if isinstance(effect, Outbox) and isinstance(effect.payload, InventorySet):
                self.outbox[effect.payload.shop].append(effect.payload)
                if self.land_at_once:
                    self.land(effect.payload.shop)
            elif isinstance(effect, Send):
                self.queue.append((effect.key, effect.payload))

    def land(self, shop: str) -> None:
        """The shop's writer writes its oldest command, planned as gateways/shopify/inventory_writer.py
        plans a row: a first write, the key's known drift carried, a stale compare replanned."""
        command = self.outbox[shop].pop(0)
        shown = self.shopify[shop]
        row, actual = fold(None, command), shown[command.sku]
        known = self.drifts.get((shop, command.sku))
        plan = plan_first(row, actual) if row.expected is None else plan_row(row, known)
        if plan.needed or row.verify:
            if plan.compare != actual:  # CHANGE_FROM_QUANTITY_STALE: re-read, replan, write
                plan = replan_stale(row, plan, actual)
            shown[command.sku] = plan.quantity
        self.drifts[(shop, command.sku)] = known_after(row, plan)
        if command.confirm:
            assert (command.kind == BUNDLE_KIND) == (command.sku == self.kit.sku)
            confirmed = TargetConfirmed(shop=shop, location_id=self.gids[shop], quantity=command.quantity,
                                        cause_id=command.cause_id, drift=plan.drift)
            self.queue.append((command.sku, confirmed))

    def sell(self, shop: str, item: str, quantity: int) -> None:
        if self.shopify[shop][item] < quantity:
            return  # refused: Shopify's inventory policy deny
        self.shopify[shop][item] -= quantity
        self.sent += 1
        kit = item == self.kit.sku
        parts = self.kit.components if kit else {item: 1}
        lines: list[tuple[str, Any]] = []
        for sku, per_unit in parts.items():
            self.units[sku] -= per_unit * quantity
            lines.append((sku, self.line(shop, per_unit * quantity, self.kit.sku if kit else None)))
        if kit:  # its own actor follows what its item sold
            lines.append((self.kit.sku, self.line(shop, quantity, None)))
        self.webhooks.append(lines)

    def line(self, shop: str, quantity: int, bundle: str | None) -> OrderLine:
        return OrderLine(order_id=f"o{self.sent}", line_id="l1", location=self.location, quantity=quantity,
                         version_at=self.now, shop=shop, bundle=bundle)

    def route(self, index: int) -> None:
        """A webhook arrives: the router publishes its lines to their actors together."""
        self.queue.extend(self.webhooks.pop(index % len(self.webhooks)))

    def receive(self, sku: str, units: int) -> None:
        self.units[sku] += units
        self.on_hand[sku] += units
        self.queue.append((sku, self.reading(sku)))

    def shown(self, sku: str) -> int:
        """Units of a component every shop shows, in its own item and inside kits."""
        return sum(s[sku] + self.kit.components[sku] * s[self.kit.sku] for s in self.shopify.values())

    def published(self, sku: str) -> int:
        """The same, in the values the actors last published."""
        kit = self.states[self.kit.sku].published_targets
        return sum(
            self.states[sku].published_targets[f"{shop}|{gid}"]
            + self.kit.components[sku] * kit[f"{shop}|{gid}"]
            for shop, gid in self.gids.items()
        )

    def check(self) -> None:
        for sku in self.kit.components:
            assert self.shown(sku) <= self.units[sku], f"{sku}: {self.shown(sku)} shown of {self.units[sku]}"
