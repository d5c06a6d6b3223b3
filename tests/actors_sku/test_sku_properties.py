"""Property tests of the SKU actor against a model of the true world (atp_world.py).

Random interleavings of orders, edits, cancellations, refunds (restocked or not), holds and their
expiry, NetSuite receipts, transit, fulfilments, sales-order syncs, sightings (stale too), stock
readings (late and stale too) and restarts (state JSON-encoded and decoded mid-run).

Why published ≤ truth holds at every step (per location, then summed; the buffer and floor are the
same on both sides): the actor's figure is on_hand(r) − committed(r) − pending − holds with r its
newest reading. Since r, NetSuite only gained stock or shipped it together with the demand it
served. For each order, committed(r) holds the sales-order version in effect at r; a line stops
being pending only if that version contains it (a reading after the version that holds its latest
edit), and Shopify's demand can only have fallen since (cancel, refund). A line still pending is
subtracted in full, restocked refunds aside, which the truth takes off too. So every real unit of
demand is subtracted at least once, and holds the actor counts include every live hold.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import msgspec
from atp_world import World, WorldOrder
from hypothesis import given, settings
from hypothesis import strategies as st
from sku_fixtures import PROPERTY_CONTRACT_TEXT, PROPERTY_LOCATIONS, make_contract

from actors.behaviour import CancelTimer, StartTimer
from actors.sku import SkuBehaviour, SkuState
from actors.sku.demand import with_all_pending
from actors.sku_messages import (
    HoldPlaced,
    HoldReleased,
    OrderCancelled,
    OrderLine,
    Refund,
    SalesOrderSeen,
    SetChannelBuffer,
    SkuMessage,
    StockReading,
)
from bus.envelope import Envelope, EnvelopeCodec, make_envelope

# On a failure Hypothesis writes a patch with libcst, whose import warns (mypy_extensions.TypedDict);
# with warnings as errors that would replace the failure report with an INTERNALERROR. Import it now.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

CONTRACT = make_contract(PROPERTY_CONTRACT_TEXT)
CODEC: EnvelopeCodec[Any] = EnvelopeCodec(SkuMessage)
SKU = "SKU-1"

location = st.sampled_from(PROPERTY_LOCATIONS)
index = st.one_of(st.just(0), st.integers(0, 3))  # counted back from the newest order
ORDER_LINES = st.lists(st.tuples(location, st.integers(1, 3)), min_size=1, max_size=2)
ORDER_OP = st.tuples(st.just("order"), ORDER_LINES)
CARRY_OUT_OP = st.tuples(st.just("carry_out"), st.sampled_from(["S1", "S2"]), st.integers(1, 3))
EDIT_OP = st.tuples(st.just("edit"), index, st.integers(0, 1), st.integers(0, 4))
SYNC_OP = st.tuples(st.just("sync"), index)
SIGHT_OP = st.tuples(st.just("sight"), index, st.integers(0, 3))
# Mostly fresh readings, some late by up to 30 s (older than what the actor has: stale).
READ_OP = st.tuples(st.just("read"), location, st.one_of(st.just(0), st.just(1), st.integers(0, 30)))
CATCH_UP_OP = st.tuples(st.just("catch_up"), index)
OPS = st.one_of(
    # The bookkeeping under test lives in the interplay of orders, syncs, sightings and readings:
    # those are drawn three times as often as the rest.
    ORDER_OP, ORDER_OP, ORDER_OP, SYNC_OP, SYNC_OP, SYNC_OP, SIGHT_OP, SIGHT_OP, SIGHT_OP, READ_OP, READ_OP,
    READ_OP, CATCH_UP_OP, CARRY_OUT_OP, EDIT_OP, EDIT_OP,
    st.tuples(st.just("read_at_version"), index),
    # An edit right after NetSuite absorbed the order: the sales order is now behind Shopify.
    st.tuples(st.just("absorbed_then_edited"), index, st.integers(0, 1), st.integers(0, 4)),
    st.tuples(st.just("receive"), location, st.integers(1, 6)),
    st.tuples(st.just("transit"), location, st.integers(1, 4)),
    st.tuples(st.just("arrive"), location),
    st.tuples(st.just("cancel"), index),
    st.tuples(st.just("refund"), index, st.integers(1, 3), st.booleans()),
    st.tuples(st.just("fulfil"), index),
    st.tuples(st.just("record_returns")),
    st.tuples(st.just("hold"), location, st.integers(1, 3), st.sampled_from([1, 5, 20, 300])),  # ttl
    st.tuples(st.just("release"), index),
    # A checkout turns a hold into an order: the device's release and the order's webhook arrive in
    # either order, the webhook maybe much later ("webhooks" delivers the late ones).
    st.tuples(st.just("checkout"), index, st.booleans()),
    st.tuples(st.just("webhooks")),
    st.tuples(st.just("timers")),
    st.tuples(st.just("restart")),
    st.tuples(st.just("buffer"), st.sampled_from(["outlet", "web", "pos-s1"]), st.integers(0, 3)),
)
SCENARIO = st.tuples(
    st.lists(st.integers(0, 8), min_size=len(PROPERTY_LOCATIONS), max_size=len(PROPERTY_LOCATIONS)),
    st.lists(st.tuples(st.integers(1, 3), OPS), min_size=10, max_size=60),
)


class Run:
    """One actor fed by the world, checking the invariant after every message it decides."""

    def __init__(self, initial_stock: list[int]) -> None:
        self.world = World(CONTRACT, PROPERTY_LOCATIONS)
        self.behaviour = SkuBehaviour(CONTRACT)
        self.state: SkuState = self.behaviour.initial(SKU)
        self.timers: dict[str, tuple[float, Any]] = {}
        self.buffers: dict[str, int] = {}
        self.wire: list[bytes] = []  # every envelope as it crossed the bus, for replays
        self.late: list[Any] = []  # order webhooks still on their way
        for loc, units in zip(PROPERTY_LOCATIONS, initial_stock, strict=True):
            self.world.netsuite_change(loc, on_hand=units)
        self.world.now += 1
        for loc in PROPERTY_LOCATIONS:
            self.deliver(self.world.reading(loc, self.world.now))

    def deliver(self, payload: Any, *, check: bool = True) -> None:
        raw = CODEC.encode(make_envelope(payload, key=SKU, at=self.world.now, id=f"m{len(self.wire)}"))
        self.wire.append(raw)
        self.state, effects = self.behaviour.decide(self.state, CODEC.decode(raw))
        for effect in effects:
            if isinstance(effect, StartTimer):
                self.timers[effect.timer_id] = (effect.at, effect.payload)
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.timer_id, None)
        if check:
            self.check_never_over_published()

    def check_never_over_published(self) -> None:
        # The per-order pending cache must always equal a recomputation from every order.
        assert self.state.pending == with_all_pending(self.state).pending
        for channel, value in self.state.published_channels.items():
            truth = self.world.truth(channel, self.buffers.get(channel))
            assert value <= truth, f"{channel} published {value} > truly sellable {truth} at {self.world.now}"
        web_targets = [v for key, v in self.state.published_targets.items() if key.startswith("us|")
                       and key.endswith(("/1", "/4"))]
        assert sum(web_targets) <= self.state.published_channels.get("web", 0)

    def fire_due_timers(self) -> None:
        for timer_id, (at, payload) in sorted(self.timers.items(), key=lambda item: item[1][0]):
            if at <= self.world.now:
                del self.timers[timer_id]
                self.deliver(payload)

    def order(self, i: int) -> WorldOrder | None:
        return self.world.orders[-1 - i % len(self.world.orders)] if self.world.orders else None

    def step(self, op: tuple[Any, ...]) -> None:
        world, kind = self.world, op[0]
        if kind == "receive":
            world.netsuite_change(op[1], on_hand=op[2])
        elif kind == "transit":
            world.netsuite_change(op[1], in_transit=op[2])
        elif kind == "arrive":
            world.arrive(op[1])
        elif kind == "record_returns":
            world.record_returns()
        elif kind == "read":
            self.deliver(world.reading(op[1], max(0.0, world.now - op[2])))
        elif kind == "timers":
            self.fire_due_timers()
        elif kind == "restart":
            self.state = msgspec.json.decode(msgspec.json.encode(self.state), type=SkuState)
        elif kind == "buffer":
            self.buffers[op[1]] = op[2]
            self.deliver(SetChannelBuffer(channel=op[1], buffer=op[2]))
        elif kind == "order":
            self.deliver_all(world.place_order(op[1]))
        elif kind == "carry_out":
            self.deliver_all(world.place_order([(op[1], op[2])], carried_out=True))
        elif kind == "hold":
            self.deliver_all(world.place_hold(op[1], op[2], float(op[3])))
        elif kind == "release" and world.holds:
            self.deliver_all(world.release(sorted(world.holds)[op[1] % len(world.holds)]))
        elif kind == "checkout" and world.holds:
            released, lines = world.checkout(sorted(world.holds)[op[1] % len(world.holds)])
            webhook_first = op[2]
            if webhook_first:
                self.deliver_all(lines)
            else:
                self.late.extend(lines)
            self.deliver_all(released)
        elif kind == "webhooks":
            late, self.late = self.late, []
            self.deliver_all(late)
        else:
            self.order_step(op)

    def order_step(self, op: tuple[Any, ...]) -> None:
        order = self.order(op[1])
        if order is None:
            return
        kind, world = op[0], self.world
        if kind == "edit":
            self.deliver_all(world.edit(order, sorted(order.lines)[op[2] % len(order.lines)], op[3]))
        elif kind == "cancel":
            self.deliver_all(world.cancel(order))
        elif kind == "refund":
            self.deliver_all(world.refund(order, op[2], op[3]))
        elif kind == "sync":
            world.sync_sales_order(order)
        elif kind == "fulfil":
            world.fulfil(order)
        elif kind == "read_at_version" and order.so_versions:
            # A late reading taken at the very instant the sales order changed (it does not count it).
            for loc in sorted({line.location for line in order.lines.values()}):
                self.deliver(world.reading(loc, order.so_versions[-1][0]))
        elif kind == "catch_up":
            self.catch_up(order)
        elif kind == "absorbed_then_edited":
            self.catch_up(order)
            world.now += 1
            self.deliver_all(world.edit(order, sorted(order.lines)[op[2] % len(order.lines)], op[3]))
        elif kind == "sight":
            sighting = world.sighting(order, op[2])
            if sighting is not None:
                self.deliver(sighting)

    def catch_up(self, order: WorldOrder) -> None:
        """NetSuite imports the order, the poller sees the sales order, then reads its locations."""
        world = self.world
        world.sync_sales_order(order)
        world.now += 1
        sighting = world.sighting(order, len(order.so_versions))
        if sighting is not None:
            self.deliver(sighting)
        world.now += 1
        for loc in sorted({line.location for line in order.lines.values()}):
            self.deliver(world.reading(loc, world.now))

    def deliver_all(self, payloads: list[Any]) -> None:
        # One Shopify event (an order with two lines of the SKU) may be several messages: the world
        # changed at once, so the invariant is checked once the actor has heard all of them.
        for i, payload in enumerate(payloads):
            self.deliver(payload, check=i == len(payloads) - 1)

    def drain(self) -> None:
        """Traffic stops: holds run out, NetSuite catches up with everything, then is read afresh."""
        world = self.world
        late, self.late = self.late, []
        self.deliver_all(late)
        world.now += 301.0  # past the longest hold
        self.fire_due_timers()
        world.now += 1
        for order in world.orders:
            world.sync_sales_order(order)
        world.record_returns()
        world.now += 1
        for order in world.orders:
            sighting = world.sighting(order, len(order.so_versions))
            if sighting is not None:
                self.deliver(sighting)
        world.now += 1
        for loc in PROPERTY_LOCATIONS:
            self.deliver(world.reading(loc, world.now))
        for loc in PROPERTY_LOCATIONS:  # and old readings still in flight arrive after the fresh ones
            self.deliver(world.reading(loc, 1_001.0))


def run_scenario(initial_stock: list[int], ops: list[tuple[int, tuple[Any, ...]]]) -> Run:
    run = Run(initial_stock)
    for dt, op in ops:
        run.world.now += dt
        run.step(op)
    return run


@settings(max_examples=250, deadline=None)
@given(SCENARIO)
def test_published_never_exceeds_sellable_and_converges_once_traffic_stops(scenario: Any) -> None:
    run = run_scenario(*scenario)
    run.drain()
    for channel in CONTRACT.channels:
        truth = run.world.truth(channel.name, run.buffers.get(channel.name))
        assert run.state.published_channels[channel.name] == truth, channel.name


def fold(wire: list[bytes], snapshot_at: int | None = None) -> tuple[SkuState, list[Any]]:
    behaviour = SkuBehaviour(CONTRACT)
    state = behaviour.initial(SKU)
    effects: list[Any] = []
    for i, raw in enumerate(wire):
        if i == snapshot_at:
            state = msgspec.json.decode(msgspec.json.encode(state), type=SkuState)
        envelope: Envelope[Any] = CODEC.decode(raw)
        state, produced = behaviour.decide(state, envelope)
        effects.extend(produced)
    return state, effects


@settings(max_examples=80, deadline=None)
@given(SCENARIO, st.integers(0, 200))
def test_refolding_the_same_messages_after_a_restart_gives_the_same_state_and_effects(
    scenario: Any, cut: int
) -> None:
    run = run_scenario(*scenario)
    straight_state, straight_effects = fold(run.wire)
    restarted_state, restarted_effects = fold(run.wire, snapshot_at=cut % (len(run.wire) + 1))
    assert restarted_state == straight_state == run.state
    assert restarted_effects == straight_effects


SHOPIFY_SIDE = (OrderLine, OrderCancelled, Refund, HoldPlaced, HoldReleased)


@settings(max_examples=200, deadline=None)
@given(SCENARIO, st.randoms(use_true_random=False))
def test_shopify_messages_reordered_and_duplicated_lead_to_the_same_values(
    scenario: Any, shuffle: Any
) -> None:
    """Webhooks arrive in any order, some twice: the actor ends where in-order delivery took it."""
    run = run_scenario(*scenario)
    payloads = [CODEC.decode(raw).payload for raw in run.wire]
    last_time = CODEC.decode(run.wire[-1]).time
    shopify = [p for p in payloads if isinstance(p, SHOPIFY_SIDE)]
    shopify += [p for p in shopify if shuffle.random() < 0.5]  # at-least-once: some delivered twice
    shuffle.shuffle(shopify)
    rest = [p for p in payloads if isinstance(p, SetChannelBuffer | SalesOrderSeen | StockReading)]
    behaviour = SkuBehaviour(CONTRACT)
    state = behaviour.initial(SKU)
    for i, payload in enumerate([*shopify, *rest]):
        state, _ = behaviour.decide(state, make_envelope(payload, key=SKU, at=last_time, id=f"r{i}"))
    assert state.published_channels == run.state.published_channels
    assert state.published_targets == run.state.published_targets
    assert state.pending == run.state.pending
