"""A seeded flash-sale traffic generator for a sandbox world.

    plan = plan_traffic(world, TrafficSpec(rate=200, duration_s=20, seed=1))   # pure, deterministic
    record = await run_traffic(world, plan)                                   # stops by itself

Shoppers on both storefronts buy the hot (low-stock) SKUs in bursts; POS sales ring up at the two POS
stores; checkout holds are placed and expire or are converted into orders; the NetSuite warehouse
receives stock and ships transfers to the stores. The plan (what is attempted, when) depends only on
the seed, so both sides of a benchmark get the same traffic; outcomes (a refused checkout) depend on
what each side published, and are recorded with the time they happened.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol

import aiohttp
import anyio
import anyio.lowlevel
import msgspec

from sandbox.netsuite.errors import NetSuiteApiError
from sandbox.shopify import DomainRefusal, HoldSpec, OrderLineSpec, OrderSpec
from sandbox.world import SITES, World

ActionKind = Literal["web_order", "pos_sale", "hold", "checkout", "receipt", "transfer", "transfer_receive"]
# Share of the attempted actions of each kind (the rest of the mix is web orders).
MIX: dict[ActionKind, float] = {"pos_sale": 0.15, "hold": 0.12, "receipt": 0.04, "transfer": 0.03}
POS_SITES = [site for site in SITES if site.pos]


class TrafficSpec(msgspec.Struct, frozen=True, kw_only=True):
    seed: int = 0
    rate: float = 200.0  # attempted actions per second, averaged over the run
    duration_s: float = 20.0
    hot_share: float = 0.6  # share of demand for the world's hot (low-stock) SKUs
    burst_every_s: float = 4.0  # a burst starts this often and lasts burst_length_s
    burst_length_s: float = 1.0
    burst_factor: float = 4.0  # rate inside a burst relative to outside (1: steady)
    hold_share: float = MIX["hold"]  # share of the actions that are checkout holds (0: none)
    hold_seconds: tuple[float, float] = (1.0, 4.0)
    checkout_share: float = 0.5  # holds that end in an order (the rest expire)
    transfer_transit_s: float = 2.0


class Action(msgspec.Struct, frozen=True):
    """One thing the traffic will attempt, `at` seconds after the start."""

    at: float
    kind: ActionKind
    sku: str
    quantity: int
    shop: str | None = None
    site: str | None = None  # a site key (sandbox.world.SITES); for transfers the destination
    lines: tuple[tuple[str, int], ...] = ()  # extra lines of a web order
    ref: int = -1  # index of the action this one completes (checkout → hold, receive → transfer)
    hold_seconds: float = 0.0


class Outcome(msgspec.Struct, frozen=True):
    """What happened when an action ran: at (epoch s), whether it took effect, and the id it produced."""

    index: int
    kind: ActionKind
    at: float
    ok: bool
    sku: str
    quantity: int
    shop: str | None
    site: str | None
    detail: str = ""


@dataclass
class TrafficRecord:
    started_at: float = 0.0
    finished_at: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    max_lag_s: float = 0.0  # how far behind its plan the runner fell (the machine could not keep up)

    def count(self, kind: ActionKind | None = None, ok: bool | None = True) -> int:
        return sum(
            1 for o in self.outcomes if (kind is None or o.kind == kind) and (ok is None or o.ok == ok)
        )


class HoldSink(Protocol):
    """Who else hears of checkout holds (Tandem's POS hold endpoint): placed, and released into the
    order on checkout."""

    async def placed(
        self, hold_id: str, shop: str, location: str, sku: str, quantity: int, expires_at: float
    ) -> None: ...

    async def released(self, hold_id: str, shop: str, sku: str, order_id: str | None = None) -> None: ...


class PosHoldEndpoint:
    """Tells Tandem's `POST /pos/holds` / `DELETE /pos/holds/{id}` (gateways/pos/holds.py) about holds."""

    def __init__(self, session: aiohttp.ClientSession, holds_url: str) -> None:
        self.session, self.url = session, holds_url.rstrip("/")
        self.failures = 0  # answers other than 2xx: the hold is not counted by Tandem

    async def placed(
        self, hold_id: str, shop: str, location: str, sku: str, quantity: int, expires_at: float
    ) -> None:
        body = {
            "hold_id": _hold_key(shop, hold_id),
            "shop": shop,
            "location": location,
            "sku": sku,
            "quantity": quantity,
            "expires_at": expires_at,
        }
        await self._send("POST", self.url, json=body)

    async def released(self, hold_id: str, shop: str, sku: str, order_id: str | None = None) -> None:
        params = {"shop": shop, "sku": sku} | ({"order_id": order_id} if order_id else {})
        await self._send("DELETE", f"{self.url}/{_hold_key(shop, hold_id)}", params=params)

    async def _send(self, method: str, url: str, **options: Any) -> None:
        # A device whose hold did not get through carries on selling; the miss is counted, not raised.
        try:
            async with self.session.request(method, url, **options) as reply:
                self.failures += reply.status >= 300
        except aiohttp.ClientError:
            self.failures += 1


def plan_traffic(world: World, spec: TrafficSpec) -> list[Action]:
    """The actions to attempt; a pure function of the world's catalog and the spec.

    In generation order (an action's `ref` is an index into this list); the runner plays them by `at`.
    """
    if spec.rate <= 0 or spec.duration_s <= 0:
        raise ValueError(f"rate and duration_s must be positive, got {spec.rate} and {spec.duration_s}")
    if spec.burst_factor < 1:
        raise ValueError(f"burst_factor must be at least 1, got {spec.burst_factor}")
    others = sum(share for kind, share in MIX.items() if kind != "hold")
    if not 0 <= spec.hold_share <= 1 - others:
        raise ValueError(f"hold_share must be between 0 and {1 - others:.2f}, got {spec.hold_share}")
    rng = random.Random(spec.seed)
    hot = world.hot_skus
    actions: list[Action] = []
    for at in _arrival_times(rng, spec):
        actions.extend(_action(rng, spec, world, hot, at, len(actions)))
    return actions


def _arrival_times(rng: random.Random, spec: TrafficSpec) -> list[float]:
    """A Poisson process whose rate is burst_factor times higher inside bursts, averaging spec.rate."""
    burst_share = min(1.0, spec.burst_length_s / spec.burst_every_s)
    quiet_rate = spec.rate / (burst_share * spec.burst_factor + (1 - burst_share))
    times: list[float] = []
    at = 0.0
    while True:
        in_burst = (at % spec.burst_every_s) < spec.burst_length_s
        at += rng.expovariate(quiet_rate * (spec.burst_factor if in_burst else 1.0))
        if at >= spec.duration_s:
            return times
        times.append(at)


def _action(
    rng: random.Random, spec: TrafficSpec, world: World, hot: list[str], at: float, index: int
) -> list[Action]:
    roll = rng.random()
    sku = rng.choice(hot) if rng.random() < spec.hot_share else rng.choice(world.sellable_skus())
    if roll < MIX["pos_sale"]:
        return [Action(at, "pos_sale", sku, 1, "us", rng.choice(POS_SITES).key)]
    roll -= MIX["pos_sale"]
    if roll < spec.hold_share:
        shop = rng.choice(["us", "eu"])
        seconds = rng.uniform(*spec.hold_seconds)
        hold = Action(at, "hold", sku, 1, shop, "warehouse", hold_seconds=seconds)
        if rng.random() >= spec.checkout_share:
            return [hold]
        return [
            hold,
            Action(at + rng.uniform(0.1, seconds * 0.8), "checkout", sku, 1, shop, "warehouse", ref=index),
        ]
    roll -= spec.hold_share
    if roll < MIX["receipt"]:
        return [Action(at, "receipt", rng.choice(world.skus), rng.randint(2, 8), site="warehouse")]
    roll -= MIX["receipt"]
    if roll < MIX["transfer"]:
        site = rng.choice(POS_SITES).key
        item = rng.choice(world.skus)
        return [
            Action(at, "transfer", item, rng.randint(1, 3), site=site),
            Action(at + spec.transfer_transit_s, "transfer_receive", item, 0, site=site, ref=index),
        ]
    extra = rng.choice(world.skus)
    lines = ((extra, 1),) if rng.random() < 0.3 and extra != sku else ()
    return [Action(at, "web_order", sku, rng.choice([1, 1, 2]), rng.choice(["us", "eu"]), lines=lines)]


def _hold_key(shop: str, hold_id: str) -> str:
    """A path-safe id for a Shopify checkout hold GID: `<shop>-hold-<number>`."""
    return f"{shop}-hold-{hold_id.rsplit('/', 1)[-1]}"


class TrafficRunner:
    """Plays a plan against a world in real time and records every outcome."""

    def __init__(self, world: World, plan: list[Action], holds: HoldSink | None = None) -> None:
        self.world, self.plan, self.holds = world, plan, holds
        self.record = TrafficRecord()
        self._produced: dict[int, str] = {}  # plan index -> hold id / transfer id

    async def run(self) -> TrafficRecord:
        self.record.started_at = time.time()
        start = time.monotonic()
        indexed = sorted(range(len(self.plan)), key=lambda i: self.plan[i].at)
        for index in indexed:
            action = self.plan[index]
            delay = action.at - (time.monotonic() - start)
            self.record.max_lag_s = max(self.record.max_lag_s, -delay)
            if delay > 0:
                await anyio.sleep(delay)
            else:
                await anyio.lowlevel.checkpoint()  # running behind: still let the servers answer
            outcome = self._perform(index, action)
            self.record.outcomes.append(outcome)
            if outcome.ok and self.holds is not None:
                await self._tell_holds(action, outcome)
        self.record.finished_at = time.time()
        return self.record

    async def _tell_holds(self, action: Action, outcome: Outcome) -> None:
        assert self.holds is not None
        shop = action.shop or "us"
        if action.kind == "hold":
            location = self.world.shop_locations[(shop, action.site or "warehouse")]
            await self.holds.placed(
                outcome.detail, shop, location, action.sku, action.quantity, outcome.at + action.hold_seconds
            )
        elif action.kind == "checkout":  # the hold went into this order, whose webhook comes later
            await self.holds.released(self._produced[action.ref], shop, action.sku, outcome.detail)

    def _perform(self, index: int, action: Action) -> Outcome:
        try:
            ok, detail = self._dispatch(index, action)
        except (DomainRefusal, NetSuiteApiError) as refusal:
            ok, detail = False, getattr(refusal, "code", type(refusal).__name__)
        return Outcome(
            index, action.kind, time.time(), ok, action.sku, action.quantity, action.shop, action.site, detail
        )

    def _dispatch(self, index: int, action: Action) -> tuple[bool, str]:
        shopify, netsuite, world = self.world.shopify, self.world.netsuite, self.world
        if action.kind == "web_order":
            lines = [
                OrderLineSpec(action.sku, action.quantity),
                *(OrderLineSpec(s, q) for s, q in action.lines),
            ]
            return True, str(shopify.place_order(action.shop or "us", OrderSpec(lines=lines))["id"])
        if action.kind == "pos_sale":
            order = shopify.place_order(
                "us",
                OrderSpec(
                    lines=[OrderLineSpec(action.sku, action.quantity)],
                    source="pos",
                    location=_site_name(action.site),
                ),
            )
            return True, str(order["id"])
        if action.kind == "hold":
            hold = shopify.create_hold(
                action.shop or "us",
                HoldSpec(action.sku, _site_name(action.site), action.quantity, action.hold_seconds),
            )
            self._produced[index] = str(hold["id"])
            return True, str(hold["id"])
        if action.kind == "checkout":
            hold_id = self._produced.get(action.ref)
            if hold_id is None:
                return False, "NO_HOLD"
            order = shopify.place_order(
                action.shop or "us",
                OrderSpec(lines=[OrderLineSpec(action.sku, action.quantity)], hold_ids=[hold_id]),
            )
            return True, str(order["id"])
        item, site = world.item_ids[action.sku], world.location_ids[action.site or "warehouse"]
        if action.kind == "receipt":
            return True, str(netsuite.receive_stock(item, site, action.quantity))
        if action.kind == "transfer":
            source = world.location_ids["warehouse"]
            level = netsuite.stock(item, source)
            if level.on_hand - level.committed < action.quantity:
                return False, "SOURCE_SHORT"
            transfer = netsuite.create_transfer(item, source, site, Decimal(action.quantity))
            netsuite.ship_transfer(transfer)
            self._produced[index] = str(transfer)
            return True, str(transfer)
        transfer_id = self._produced.get(action.ref)
        if transfer_id is None:
            return False, "NO_TRANSFER"
        return True, str(netsuite.receive_transfer(int(transfer_id)))


def _site_name(key: str | None) -> str:
    return next(site.name for site in SITES if site.key == key)


async def run_traffic(world: World, plan: list[Action], holds: HoldSink | None = None) -> TrafficRecord:
    """Play `plan` against `world`; returns when the last action has run."""
    return await TrafficRunner(world, plan, holds).run()
