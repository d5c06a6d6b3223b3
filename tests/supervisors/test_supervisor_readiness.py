"""Children with a ready_timeout hold back the next child until they call child_ready()."""

from __future__ import annotations

import anyio
import pytest
from supervision_kit import EventLog, FakeTime, ScriptedChild

from supervisors import (
    Backoff,
    ChildSpec,
    RestartIntensity,
    Strategy,
    Supervisor,
    SupervisorEscalation,
    child_ready,
)


class SlowStarter:
    """A child that becomes ready when the test says so (or, per incarnation, never)."""

    def __init__(self, log: EventLog, child_id: str, ready_timeout: float = 5.0) -> None:
        self.log = log
        self.id = child_id
        self.go = anyio.Event()
        self.never_ready_in: set[int] = set()  # incarnations that hang instead of becoming ready
        self.spec = ChildSpec(id=child_id, start=self.start, ready_timeout=ready_timeout)

    async def start(self) -> None:
        self.log.add("start", self.id)
        incarnation = self.log.entries.count(("start", self.id))
        if incarnation in self.never_ready_in:
            await anyio.sleep_forever()
        await self.go.wait()
        child_ready()
        self.log.add("ready", self.id)
        await anyio.sleep_forever()


def supervisor(children: list[ChildSpec], time: FakeTime, strategy: Strategy = "one_for_one") -> Supervisor:
    return Supervisor(
        "sup",
        children,
        strategy=strategy,
        intensity=RestartIntensity(10, 1000.0),
        backoff=Backoff(1.0, 8.0, jitter=0.0),
        clock=time.clock,
        sleep=time.sleep,
    )


async def test_the_next_child_starts_only_once_the_previous_one_is_ready() -> None:
    log, time = EventLog(), FakeTime()
    bus = SlowStarter(log, "bus")
    actors = ScriptedChild(log, "actors")
    with anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(supervisor([bus.spec, actors.spec], time).run)
            await log.wait_count(("start", "bus"), 1)
            await anyio.wait_all_tasks_blocked()
            assert ("start", "actors") not in log.entries
            bus.go.set()
            await log.wait_count(("start", "actors"), 1)
            task_group.cancel_scope.cancel()
    assert log.entries[:3] == [("start", "bus"), ("ready", "bus"), ("start", "actors")]


@pytest.mark.parametrize("strategy", ["one_for_one", "one_for_all"])
async def test_a_child_not_ready_in_time_fails_the_start_and_stops_the_earlier_children(
    strategy: Strategy,
) -> None:
    log, time = EventLog(), FakeTime()
    first = ScriptedChild(log, "first")
    stuck = SlowStarter(log, "stuck", ready_timeout=0.1)
    never_started = ScriptedChild(log, "never")
    with anyio.fail_after(5), pytest.raises(SupervisorEscalation) as raised:
        await supervisor([first.spec, stuck.spec, never_started.spec], time, strategy).run()
    assert raised.value.cause == "a child failed to start"
    assert (raised.value.child, raised.value.reason) == ("stuck", "not ready within 0.1 s")
    assert log.entries == [("start", "first"), ("start", "stuck"), ("cancelled", "first")]


async def test_a_child_that_crashes_before_ready_fails_a_group_start() -> None:
    log, time = EventLog(), FakeTime()

    async def broken() -> None:
        log.add("start", "broken")
        raise RuntimeError("cannot connect")

    spec = ChildSpec(id="broken", start=broken, ready_timeout=5.0)
    with anyio.fail_after(5), pytest.raises(SupervisorEscalation, match="cannot connect"):
        await supervisor([spec], time, "rest_for_one").run()
    assert log.entries == [("start", "broken")]


async def test_one_for_one_keeps_restarting_a_child_until_it_is_ready() -> None:
    log, time = EventLog(), FakeTime()
    attempts = 0

    async def flaky_connect() -> None:
        nonlocal attempts
        attempts += 1
        log.add("start", "bus")
        if attempts < 3:
            raise ConnectionError("nats not up yet")
        child_ready()
        await anyio.sleep_forever()

    after = ScriptedChild(log, "after")
    spec = ChildSpec(id="bus", start=flaky_connect, ready_timeout=5.0)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(supervisor([spec, after.spec], time).run)
            await log.wait_count(("start", "after"), 1)
            task_group.cancel_scope.cancel()
    assert log.entries[:4] == [("start", "bus")] * 3 + [("start", "after")]
    assert time.delays == [1.0, 2.0]


async def test_a_nested_supervisor_is_ready_only_when_its_children_are() -> None:
    log, time = EventLog(), FakeTime()
    bus = SlowStarter(log, "bus")
    inner = supervisor([bus.spec], time)
    inner.name = "infrastructure"
    gateway = ScriptedChild(log, "gateway")
    root = supervisor([inner.as_child(), gateway.spec], time)
    assert inner.as_child().ready_timeout == pytest.approx(5.0 + 1.0)  # its child's, plus unwind slack
    with anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(root.run)
            await log.wait_count(("start", "bus"), 1)
            await anyio.wait_all_tasks_blocked()
            assert ("start", "gateway") not in log.entries
            bus.go.set()
            await log.wait_count(("start", "gateway"), 1)
            task_group.cancel_scope.cancel()


async def test_a_child_not_ready_during_a_group_restart_counts_as_another_failure() -> None:
    log, time = EventLog(), FakeTime()
    bus = SlowStarter(log, "bus", ready_timeout=0.1)
    bus.go.set()
    bus.never_ready_in = {2}
    worker = ScriptedChild(log, "worker")
    sup = supervisor([bus.spec, worker.spec], time, "one_for_all")
    with anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(sup.run)
            await log.wait_count(("start", "worker"), 1)
            worker.crash()
            await log.wait_count(("start", "worker"), 2)
            task_group.cancel_scope.cancel()
    starts = [entry for entry in log.entries if entry[0] == "start"]
    # bus, worker; crash → bus (hangs, times out) → restart again → bus, worker
    assert starts == [
        ("start", "bus"),
        ("start", "worker"),
        ("start", "bus"),
        ("start", "bus"),
        ("start", "worker"),
    ]
    assert time.delays == [1.0, 2.0]
    assert sup.describe().restarts_in_window == 2


def test_a_ready_timeout_must_be_positive_and_finite() -> None:
    async def noop() -> None:
        return None

    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="ready_timeout"):
            ChildSpec(id="x", start=noop, ready_timeout=bad)
