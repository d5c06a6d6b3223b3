"""Strategies, restart types, ordering, backoff and intensity of a live Supervisor (fake clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import msgspec
import pytest
from supervision_kit import EventLog, FakeTime, ScriptedChild, always_crashing

from supervisors import Backoff, ChildSpec, RestartIntensity, Strategy, Supervisor, SupervisorEscalation


def make_supervisor(
    children: list[ChildSpec],
    time: FakeTime,
    strategy: Strategy = "one_for_one",
    intensity: RestartIntensity | None = None,
    backoff: Backoff | None = None,
    name: str = "sup",
) -> Supervisor:
    return Supervisor(
        name,
        children,
        strategy=strategy,
        intensity=intensity or RestartIntensity(max_restarts=100, period=1000.0),
        backoff=backoff or Backoff(min_delay=1.0, max_delay=8.0, jitter=0.0, reset_after=1000.0),
        clock=time.clock,
        sleep=time.sleep,
    )


@asynccontextmanager
async def running(supervisor: Supervisor) -> AsyncIterator[None]:
    """Run the supervisor in the background; cancel it (stopping its children) on exit."""
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(supervisor.run)
        yield
        task_group.cancel_scope.cancel()


def child_state(supervisor: Supervisor, child_id: str) -> str:
    return next(c.state for c in supervisor.describe().children if c.id == child_id)


def scripted(log: EventLog, *ids: str) -> list[ScriptedChild]:
    return [ScriptedChild(log, child_id) for child_id in ids]


# -- ordering ---------------------------------------------------------------------------------


async def test_children_start_in_list_order_and_stop_in_reverse_order() -> None:
    log, time = EventLog(), FakeTime()
    a, b, c = scripted(log, "a", "b", "c")
    async with running(make_supervisor([a.spec, b.spec, c.spec], time)):
        await log.wait_count(("start", "c"), 1)
    assert log.entries == [
        ("start", "a"),
        ("start", "b"),
        ("start", "c"),
        ("cancelled", "c"),
        ("cancelled", "b"),
        ("cancelled", "a"),
    ]


# -- strategies -------------------------------------------------------------------------------


async def test_one_for_one_restarts_only_the_failed_child() -> None:
    log, time = EventLog(), FakeTime()
    a, b, c = scripted(log, "a", "b", "c")
    async with running(make_supervisor([a.spec, b.spec, c.spec], time)):
        await log.wait_count(("start", "c"), 1)
        mark = len(log.entries)
        b.crash()
        await log.wait_count(("start", "b"), 2)
        assert log.since(mark) == [("crash", "b"), ("start", "b")]


async def test_one_for_one_restarts_one_child_while_another_is_backing_off() -> None:
    log, time = EventLog(), FakeTime()
    a, b = scripted(log, "a", "b")
    gate = anyio.Event()

    async def slow_sleep(delay: float) -> None:  # a's backoff blocks until the test opens the gate
        time.delays.append(delay)
        if len(time.delays) == 1:
            await gate.wait()

    supervisor = Supervisor(
        "sup",
        [a.spec, b.spec],
        intensity=RestartIntensity(10, 100.0),
        backoff=Backoff(1.0, 8.0, jitter=0.0),
        clock=time.clock,
        sleep=slow_sleep,
    )
    async with running(supervisor):
        await log.wait_count(("start", "b"), 1)
        a.crash()
        await anyio.wait_all_tasks_blocked()
        assert child_state(supervisor, "a") == "restarting"
        b.crash()
        await log.wait_count(("start", "b"), 2)  # b came back although a is still backing off
        assert log.entries.count(("start", "a")) == 1
        gate.set()
        await log.wait_count(("start", "a"), 2)


async def test_one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() -> None:
    log, time = EventLog(), FakeTime()
    a, b, c = scripted(log, "a", "b", "c")
    async with running(make_supervisor([a.spec, b.spec, c.spec], time, strategy="one_for_all")):
        await log.wait_count(("start", "c"), 1)
        mark = len(log.entries)
        b.crash()
        await log.wait_count(("start", "c"), 2)
        assert log.since(mark) == [
            ("crash", "b"),
            ("cancelled", "c"),
            ("cancelled", "a"),
            ("start", "a"),
            ("start", "b"),
            ("start", "c"),
        ]
    assert time.delays == [1.0]


async def test_rest_for_one_restarts_the_failed_child_and_those_started_after_it() -> None:
    log, time = EventLog(), FakeTime()
    a, b, c, d = scripted(log, "a", "b", "c", "d")
    async with running(make_supervisor([a.spec, b.spec, c.spec, d.spec], time, strategy="rest_for_one")):
        await log.wait_count(("start", "d"), 1)
        mark = len(log.entries)
        b.crash()
        await log.wait_count(("start", "d"), 2)
        assert log.since(mark) == [
            ("crash", "b"),
            ("cancelled", "d"),
            ("cancelled", "c"),
            ("start", "b"),
            ("start", "c"),
            ("start", "d"),
        ]
        assert log.entries.count(("start", "a")) == 1


async def test_two_children_failing_together_cause_one_group_restart() -> None:
    log, time = EventLog(), FakeTime()
    a, b = scripted(log, "a", "b")
    supervisor = make_supervisor([a.spec, b.spec], time, strategy="one_for_all")
    async with running(supervisor):
        await log.wait_count(("start", "b"), 1)
        a.crash()
        b.crash()  # both exits are queued before the supervisor handles the first
        await log.wait_count(("start", "b"), 2)
        await anyio.wait_all_tasks_blocked()  # the supervisor has handled everything queued
        assert time.delays == [1.0]
        assert supervisor.describe().restarts_in_window == 1
        assert log.entries.count(("start", "a")) == 2


# -- restart types ----------------------------------------------------------------------------


async def test_a_permanent_child_is_restarted_even_after_a_normal_exit() -> None:
    log, time = EventLog(), FakeTime()
    (a,) = scripted(log, "a")
    async with running(make_supervisor([a.spec], time)):
        await log.wait_count(("start", "a"), 1)
        a.finish()
        await log.wait_count(("start", "a"), 2)
    assert log.entries[:3] == [("start", "a"), ("return", "a"), ("start", "a")]


@pytest.mark.parametrize("strategy", ["one_for_one", "one_for_all"])
@pytest.mark.parametrize(
    ("restart", "ending"),
    [("transient", "finish"), ("transient", "shut_down"), ("temporary", "finish"), ("temporary", "crash")],
)
async def test_a_child_that_must_not_be_restarted_stays_stopped(
    strategy: Strategy, restart: str, ending: str
) -> None:
    log, time = EventLog(), FakeTime()
    child = ScriptedChild(log, "child", restart=restart)  # type: ignore[arg-type]
    (other,) = scripted(log, "other")
    supervisor = make_supervisor([child.spec, other.spec], time, strategy=strategy)
    async with running(supervisor):
        await log.wait_count(("start", "other"), 1)
        getattr(child, ending)()
        await anyio.wait_all_tasks_blocked()  # any restart would have happened by now
        assert child_state(supervisor, "child") == "stopped"
        assert log.entries.count(("start", "child")) == 1
        assert ("cancelled", "other") not in log.entries
        assert time.delays == []


async def test_a_transient_child_is_restarted_after_an_abnormal_exit() -> None:
    log, time = EventLog(), FakeTime()
    child = ScriptedChild(log, "child", restart="transient")
    async with running(make_supervisor([child.spec], time)):
        await log.wait_count(("start", "child"), 1)
        child.crash()
        await log.wait_count(("start", "child"), 2)


async def test_one_for_all_drops_a_temporary_sibling_but_restarts_a_transient_one() -> None:
    log, time = EventLog(), FakeTime()
    temporary = ScriptedChild(log, "temporary", restart="temporary")
    transient = ScriptedChild(log, "transient", restart="transient")
    (failing,) = scripted(log, "failing")
    supervisor = make_supervisor([temporary.spec, transient.spec, failing.spec], time, strategy="one_for_all")
    async with running(supervisor):
        await log.wait_count(("start", "failing"), 1)
        mark = len(log.entries)
        failing.crash()
        await log.wait_count(("start", "failing"), 2)
        assert log.since(mark) == [
            ("crash", "failing"),
            ("cancelled", "transient"),
            ("cancelled", "temporary"),
            ("start", "transient"),
            ("start", "failing"),
        ]
        assert child_state(supervisor, "temporary") == "stopped"


# -- backoff ----------------------------------------------------------------------------------


def crashing_n_times(log: EventLog, child_id: str, crashes: int) -> ChildSpec:
    async def start() -> None:
        log.add("start", child_id)
        if log.entries.count(("start", child_id)) <= crashes:
            raise RuntimeError("not yet")
        await anyio.sleep_forever()

    return ChildSpec(id=child_id, start=start)


async def test_restarts_back_off_exponentially_up_to_the_maximum() -> None:
    log, time = EventLog(), FakeTime()
    async with running(make_supervisor([crashing_n_times(log, "a", crashes=5)], time)):
        await log.wait_count(("start", "a"), 6)
    assert time.delays == [1.0, 2.0, 4.0, 8.0, 8.0]


async def test_restart_delays_carry_the_backoff_jitter() -> None:
    log, time = EventLog(), FakeTime()
    backoff = Backoff(min_delay=1.0, max_delay=8.0, jitter=0.5, reset_after=1000.0, rng=lambda: 1.0)
    async with running(make_supervisor([crashing_n_times(log, "a", crashes=2)], time, backoff=backoff)):
        await log.wait_count(("start", "a"), 3)
    assert time.delays == [1.5, 3.0]


@pytest.mark.parametrize("strategy", ["one_for_one", "rest_for_one"])
async def test_the_backoff_resets_after_the_child_ran_stably(strategy: Strategy) -> None:
    log, time = EventLog(), FakeTime()
    (a,) = scripted(log, "a")
    backoff = Backoff(min_delay=1.0, max_delay=8.0, jitter=0.0, reset_after=10.0)
    async with running(make_supervisor([a.spec], time, strategy=strategy, backoff=backoff)):
        for starts in (2, 3, 4):
            await log.wait_count(("start", "a"), starts - 1)
            a.crash()
            await log.wait_count(("start", "a"), starts)
        time.now += 9.0  # not yet stable
        a.crash()
        await log.wait_count(("start", "a"), 5)
        time.now += 10.0  # stable
        a.crash()
        await log.wait_count(("start", "a"), 6)
    assert time.delays == [1.0, 2.0, 4.0, 8.0, 1.0]


# -- restart intensity and escalation ---------------------------------------------------------


async def test_exceeding_the_intensity_stops_the_children_in_reverse_and_escalates() -> None:
    log, time = EventLog(), FakeTime()
    a, flaky, c = scripted(log, "a", "flaky", "c")
    supervisor = make_supervisor([a.spec, flaky.spec, c.spec], time, intensity=RestartIntensity(1, 60.0))
    with anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            outcome: list[BaseException] = []

            async def run() -> None:
                try:
                    await supervisor.run()
                except SupervisorEscalation as escalation:
                    outcome.append(escalation)

            task_group.start_soon(run)
            await log.wait_count(("start", "c"), 1)
            flaky.crash()
            await log.wait_count(("start", "flaky"), 2)
            mark = len(log.entries)
            flaky.crash()
    (escalation,) = outcome
    assert isinstance(escalation, SupervisorEscalation)
    assert (escalation.supervisor, escalation.child) == ("sup", "flaky")
    assert "flaky crashed" in escalation.reason
    assert log.since(mark) == [("crash", "flaky"), ("cancelled", "c"), ("cancelled", "a")]
    assert supervisor.describe().state == "escalated"


async def test_failures_spread_wider_than_the_period_never_escalate() -> None:
    log, time = EventLog(), FakeTime()
    (a,) = scripted(log, "a")
    async with running(make_supervisor([a.spec], time, intensity=RestartIntensity(1, 5.0))):
        for starts in range(2, 12):
            await log.wait_count(("start", "a"), starts - 1)
            time.now += 5.0
            a.crash()
            await log.wait_count(("start", "a"), starts)


@pytest.mark.parametrize("strategy", ["one_for_all", "rest_for_one"])
async def test_group_strategies_escalate_when_the_intensity_is_exceeded(strategy: Strategy) -> None:
    log, time = EventLog(), FakeTime()
    supervisor = make_supervisor(
        [always_crashing(log, "a")], time, strategy=strategy, intensity=RestartIntensity(2, 60.0)
    )
    with anyio.fail_after(5), pytest.raises(SupervisorEscalation):
        await supervisor.run()
    assert log.entries == [("start", "a")] * 3
    assert len(time.delays) == 2


async def test_an_escalation_is_a_failure_of_the_child_supervisor_and_climbs_the_tree() -> None:
    log, time = EventLog(), FakeTime()
    (steady,) = scripted(log, "steady")
    inner = make_supervisor(
        [always_crashing(log, "flaky")], time, name="inner", intensity=RestartIntensity(2, 60.0)
    )
    root = make_supervisor(
        [steady.spec, inner.as_child()], time, name="root", intensity=RestartIntensity(1, 60.0)
    )
    with anyio.fail_after(5), pytest.raises(SupervisorEscalation) as raised:
        await root.run()
    # inner gives up after 2 restarts (3 starts), root restarts inner once, inner gives up again,
    # which is root's second restart within the period: root stops `steady` and gives up too.
    assert (raised.value.supervisor, raised.value.child) == ("root", "inner")
    assert "supervisor 'inner' gave up" in raised.value.reason
    assert log.entries.count(("start", "flaky")) == 6
    assert log.entries[-1] == ("cancelled", "steady")
    tree = root.describe()
    assert tree.state == "escalated"
    assert tree.children[1].restarts == 1


# -- the live tree ----------------------------------------------------------------------------


async def test_describe_shows_the_nested_tree_with_states_and_restart_counts() -> None:
    log, time = EventLog(), FakeTime()
    (worker,) = scripted(log, "worker")
    (gateway,) = scripted(log, "gateway")
    inner = make_supervisor([worker.spec], time, name="actors", strategy="one_for_all")
    root = make_supervisor([gateway.spec, inner.as_child()], time, name="root")
    assert root.describe().state == "stopped"
    async with running(root):
        await log.wait_count(("start", "worker"), 1)
        worker.crash()
        await log.wait_count(("start", "worker"), 2)
        await anyio.wait_all_tasks_blocked()
        tree = root.describe()
        encoded = msgspec.json.decode(msgspec.json.encode(tree))
    assert encoded["name"] == "root"
    assert [(c["id"], c["state"]) for c in encoded["children"]] == [
        ("gateway", "running"),
        ("actors", "running"),
    ]
    nested = encoded["children"][1]["supervisor"]
    assert nested["strategy"] == "one_for_all"
    assert nested["children"][0] == {
        "id": "worker",
        "restart": "permanent",
        "state": "running",
        "restarts": 1,
        "last_exit": "RuntimeError: worker crashed",
        "supervisor": None,
    }
    assert root.describe().state == "stopped"


async def test_a_supervisor_cannot_run_twice_at_once() -> None:
    log, time = EventLog(), FakeTime()
    (a,) = scripted(log, "a")
    supervisor = make_supervisor([a.spec], time)
    async with running(supervisor):
        await log.wait_count(("start", "a"), 1)
        with pytest.raises(RuntimeError, match="already running"):
            await supervisor.run()


def test_a_supervisor_rejects_duplicate_child_ids_and_unknown_strategies() -> None:
    log = EventLog()
    a, b = scripted(log, "a", "a")
    with pytest.raises(ValueError, match="duplicate"):
        Supervisor("s", [a.spec, b.spec])
    with pytest.raises(ValueError, match="strategy"):
        Supervisor("s", [a.spec], strategy="one_for_some")  # type: ignore[arg-type]


async def test_a_child_that_fails_while_the_supervisor_stops_is_not_restarted() -> None:
    log, time = EventLog(), FakeTime()
    b_stopping = anyio.Event()

    async def a() -> None:
        log.add("start", "a")
        await b_stopping.wait()
        log.add("crash", "a")
        raise RuntimeError("lost its peer")

    async def b() -> None:
        log.add("start", "b")
        try:
            await anyio.sleep_forever()
        finally:
            b_stopping.set()

    children = [ChildSpec(id="a", start=a), ChildSpec(id="b", start=b)]
    async with running(make_supervisor(children, time)):
        await log.wait_count(("start", "b"), 1)
    assert log.entries == [("start", "a"), ("start", "b"), ("crash", "a")]
    assert time.delays == []
