"""The actor runtime against a real nats-server: order, durability, dedupe, crashes, passivation, timers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio
import msgspec
import pytest

from actors.behaviour import Effect
from actors.counter import CounterBehaviour, CounterState, Fail, Forward, Increment, Remind
from actors.runtime.host import ActorHost, HostConfig
from actors.runtime.persistence import SnapshotStore
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import Envelope, make_envelope
from tests.runtime.helpers import eventually, send

FAST = HostConfig(crash_backoff_min=0.01, crash_backoff_max=0.05, max_deliver=3, idle_after=3600)


class Note(msgspec.Struct, tag="note", frozen=True):
    n: int


class Recording(msgspec.Struct, kw_only=True):
    seen: list[int] = []


class Recorder:
    """Remembers the order in which its messages were applied."""

    kind = "recorder"
    message_type = Note
    state_type = Recording

    def initial(self, key: str) -> Recording:
        return Recording()

    def decide(self, state: Recording, message: Envelope[Note]) -> tuple[Recording, Sequence[Effect]]:
        return Recording(seen=[*state.seen, message.payload.n]), ()


@asynccontextmanager
async def running(host: ActorHost) -> AsyncIterator[ActorHost]:
    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        yield host
        host.stop()


async def crash(host_scope: anyio.CancelScope) -> None:
    host_scope.cancel()


def state_of(host: ActorHost, key: str) -> object:
    cell = host._cells.get(key)
    return None if cell is None else cell.state


async def total(host: ActorHost, key: str) -> int:
    state = state_of(host, key)
    return state.total if isinstance(state, CounterState) else -1


async def test_messages_for_one_key_apply_in_order_while_keys_run_concurrently(bus: Bus) -> None:
    host = ActorHost(bus, Recorder(), FAST)
    async with running(host):
        for n in range(200):
            await send(bus, "recorder", f"k{n % 5}", Note(n))
        await eventually(lambda: host.stats.turns == 200, what="all turns")
        for k in range(5):
            seen = state_of(host, f"k{k}").seen  # type: ignore[union-attr]
            assert seen == sorted(seen) and len(seen) == 40


async def test_a_message_id_seen_twice_changes_state_once(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    async with running(host):
        await send(bus, "counter", "a", Increment(by=5), id="same-id")
        # Same envelope id under another JetStream message id: only the actor can catch it.
        from bus.bus import Outgoing
        from bus.envelope import make_envelope

        env = make_envelope(Increment(by=5), key="a", id="same-id")
        await bus.publish(Outgoing(subject=subjects.actor("counter", "a"), envelope=env, msg_id="other"))
        await send(bus, "counter", "a", Increment(by=1))
        await eventually(lambda: host.stats.turns == 3)
        assert await total(host, "a") == 6
        assert host.stats.duplicates == 1


async def test_any_key_string_reaches_its_own_actor(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    keys = ["sku.with.dots", "a b", "*", ">", "ünï", "", "x=y"]
    async with running(host):
        for i, key in enumerate(keys):
            await send(bus, "counter", key, Increment(by=i + 1))
        await eventually(lambda: host.stats.turns == len(keys))
        for i, key in enumerate(keys):
            assert await total(host, key) == i + 1


async def test_idle_actors_are_snapshotted_and_passivated_then_reactivate_with_their_state(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    async with running(host):
        for key in ("a", "b", "c"):
            await send(bus, "counter", key, Increment(by=2))
        await eventually(lambda: host.stats.turns == 3)
        assert await host.passivate(older_than=0) == 3
        assert host.resident == 0
        snapshot = await SnapshotStore(bus, "counter").load("b")
        assert snapshot is not None and msgspec.json.decode(snapshot.state, type=CounterState).total == 2
        await send(bus, "counter", "b", Increment(by=3))
        await eventually(lambda: host.stats.turns == 4)
        assert await total(host, "b") == 5
        assert host.resident == 1


async def test_a_crashing_turn_is_retried_from_durable_state_and_counts_once(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    async with running(host):
        await send(bus, "counter", "a", Increment(by=1))
        await send(bus, "counter", "a", Fail(times=2))
        await send(bus, "counter", "a", Increment(by=1))
        await eventually(lambda: host.stats.turns == 3)
        assert await total(host, "a") == 2
        assert host.stats.crashes == 2 and host.stats.dead_lettered == 0
        assert state_of(host, "a").messages == 3  # type: ignore[union-attr]


async def test_a_poison_message_is_dead_lettered_with_its_traceback_and_the_actor_moves_on(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    dlq = await bus.js.subscribe("dlq.>", stream=subjects.STREAM_DLQ)
    async with running(host):
        await send(bus, "counter", "p", Fail(times=0))
        await send(bus, "counter", "p", Increment(by=7))
        await eventually(lambda: host.stats.turns == 2 and host.stats.dead_lettered == 1)
        assert await total(host, "p") == 7
        dead = await dlq.next_msg(timeout=5)
        assert dead.subject == "dlq." + subjects.actor("counter", "p")
        assert dead.headers["Tandem-Dlq-Reason"] == "max_deliver"
        assert "CounterCrash" in dead.headers["Tandem-Dlq-Error"]
        assert "failing on purpose" in msgspec.json.decode(dead.headers["Tandem-Dlq-Traceback"])
        assert msgspec.json.decode(dead.data)["payload"] == {"type": "fail", "times": 0}
        # The poison message is behind the snapshot: a fresh activation does not meet it again.
        assert await host.passivate(older_than=0) == 1
        await send(bus, "counter", "p", Increment(by=1))
        await eventually(lambda: host.stats.turns == 3)
        assert await total(host, "p") == 8 and host.stats.crashes == 3
    await dlq.unsubscribe()


async def test_an_undecodable_message_goes_to_the_dead_letter_stream_and_never_crash_loops(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    dlq = await bus.js.subscribe("dlq.>", stream=subjects.STREAM_DLQ)
    async with running(host):
        await bus.js.publish(subjects.actor("counter", "z"), b"{not json")
        await bus.js.publish(subjects.actor("counter", "z"), b'{"type":"increment"}')  # no envelope fields
        await send(bus, "counter", "z", Increment(by=4))
        await eventually(lambda: host.stats.turns == 3)
        reasons = [(await dlq.next_msg(timeout=5)).headers["Tandem-Dlq-Reason"] for _ in range(2)]
        assert reasons == ["undecodable", "undecodable"]
        assert await total(host, "z") == 4
    await dlq.unsubscribe()


async def test_effects_are_delivered_to_other_actors(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    async with running(host):
        for _ in range(10):
            await send(bus, "counter", "src", Forward(to_key="dst", by=3))
        await eventually(lambda: host.stats.turns == 20)
        assert await total(host, "dst") == 30


async def test_a_crash_mid_stream_replays_from_the_log_and_counts_exactly_once(bus: Bus) -> None:
    # Snapshot rarely, so recovery has to replay the log; no drain: the host is cancelled outright.
    config = HostConfig(snapshot_every=7, ack_wait=1.0, idle_after=3600)
    first = ActorHost(bus, CounterBehaviour(), config)
    async with anyio.create_task_group() as tg:
        host_scope = anyio.CancelScope()

        async def run_first() -> None:
            with host_scope:
                await first.run()

        tg.start_soon(run_first)
        for i in range(300):
            await send(bus, "counter", f"k{i % 3}", Forward(to_key=f"sum{i % 2}", by=1))
            if i == 150:
                await eventually(lambda: first.stats.turns > 50)
                host_scope.cancel()  # the crash: no drain, no final snapshot, unacked messages left
    assert first.stats.turns < 600
    for i in range(300, 400):
        await send(bus, "counter", f"k{i % 3}", Forward(to_key=f"sum{i % 2}", by=1))
    second = ActorHost(bus, CounterBehaviour(), config)
    async with running(second):

        async def done() -> bool:
            info = await bus.js.consumer_info(subjects.STREAM_ACTORS, second.durable)
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(done, timeout=30)
        assert await total(second, "sum0") + await total(second, "sum1") == 400
        assert await total(second, "sum0") == 200
        assert [state_of(second, f"k{k}").messages for k in range(3)] == [134, 133, 133]  # type: ignore[union-attr]


async def test_stop_drains_in_flight_turns_and_snapshots_them(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), HostConfig(snapshot_every=10_000, idle_after=3600))
    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        for _i in range(50):
            await send(bus, "counter", "d", Increment(by=1))
        await eventually(lambda: host.stats.turns == 50)
        host.stop()
    snapshot = await SnapshotStore(bus, "counter").load("d")
    assert snapshot is not None and msgspec.json.decode(snapshot.state, type=CounterState).total == 50
    info = await bus.js.consumer_info(subjects.STREAM_ACTORS, host.durable)
    assert info.num_ack_pending == 0


async def test_timers_fire_and_survive_a_restart(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), FAST)
    # r2 is due well after the first host stops (a loaded machine must not let it fire there: the
    # restart would then have nothing to prove)
    due = time.time() + 3.0
    async with running(host):
        await send(bus, "counter", "t", Remind(timer_id="r1", at=time.time() + 0.2, by=2))
        await send(bus, "counter", "t", Remind(timer_id="r2", at=due, by=10))
        await eventually(lambda: host.stats.turns == 3, what="first timer fired")
        assert await total(host, "t") == 2
    assert host.stats.turns == 3 and time.time() < due, "r2 fired before the restart"
    restarted = ActorHost(bus, CounterBehaviour(), FAST)
    async with running(restarted):
        await eventually(lambda: restarted.stats.turns >= 1, timeout=10, what="second timer after restart")
        assert await total(restarted, "t") == 12
        assert restarted.timers.pending() == 0


@pytest.mark.parametrize("max_deliver", [1, 2])
async def test_max_deliver_bounds_the_attempts(bus: Bus, max_deliver: int) -> None:
    failures: dict[str, int] = {}
    host = ActorHost(
        bus,
        CounterBehaviour(failures),
        HostConfig(max_deliver=max_deliver, crash_backoff_min=0.01, crash_backoff_max=0.02),
    )
    async with running(host):
        await send(bus, "counter", "m", Fail(times=0), id="poison")
        await eventually(lambda: host.stats.dead_lettered == 1)
    assert failures["poison"] == max_deliver


async def test_many_keys_do_not_stay_resident_once_idle(bus: Bus) -> None:
    host = ActorHost(bus, CounterBehaviour(), HostConfig(idle_after=0.3))
    async with running(host):
        for start in range(0, 2000, 250):
            await bus.publish_many(
                [
                    Outgoing(
                        subject=subjects.actor("counter", f"k{i}"),
                        envelope=make_envelope(Increment(), key=f"k{i}"),
                    )
                    for i in range(start, start + 250)
                ]
            )
        await eventually(lambda: host.stats.turns == 2000, timeout=30)
        await eventually(lambda: host.resident == 0, timeout=10, what="idle actors passivated")
        assert host.stats.passivations == 2000
        await send(bus, "counter", "k7", Increment(by=5))
        await eventually(lambda: host.stats.turns == 2001)
        assert await total(host, "k7") == 6
