"""In-flight work finishes when its child is stopped, within the child's shutdown timeout."""

from __future__ import annotations

import anyio
import pytest
from supervision_kit import EventLog, FakeTime

from supervisors import ChildSpec, DrainDomain, Supervisor, current_domain, drain_shield
from supervisors.drain import entered_domain


def turn_worker(log: EventLog, inbox: anyio.abc.ObjectReceiveStream[str], release: anyio.Event) -> ChildSpec:
    """A child that takes messages one at a time; each turn waits for `release` inside a drain shield."""

    async def start() -> None:
        try:
            async for message in inbox:
                with drain_shield() as turn:
                    log.add("begin", message)
                    await release.wait()
                    domain = current_domain()
                    log.add(
                        "acked" if domain is not None and domain.is_draining() else "acked-early", message
                    )
                if turn.cancelled_caught:
                    log.add("cut-off", message)
        except anyio.get_cancelled_exc_class():
            log.add("cancelled", "worker")
            raise

    return ChildSpec(id="worker", start=start, shutdown_timeout=0.3)


async def test_stopping_a_child_lets_its_in_flight_turn_finish_before_it_exits() -> None:
    log, time = EventLog(), FakeTime()
    send, inbox = anyio.create_memory_object_stream[str](10)
    release = anyio.Event()
    supervisor = Supervisor("sup", [turn_worker(log, inbox, release)], clock=time.clock, sleep=time.sleep)
    run_scope = anyio.CancelScope()

    async def run() -> None:
        with run_scope:
            await supervisor.run()

    with send, inbox, anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(run)
            await send.send("m1")
            await log.wait_count(("begin", "m1"), 1)
            run_scope.cancel()
            await anyio.wait_all_tasks_blocked()
            assert supervisor.describe().state == "stopping"
            assert ("cancelled", "worker") not in log.entries  # the turn is still running
            release.set()
    assert log.entries == [("begin", "m1"), ("acked", "m1"), ("cancelled", "worker")]


async def test_a_turn_that_overruns_the_shutdown_timeout_is_cut_off() -> None:
    log, time = EventLog(), FakeTime()
    send, inbox = anyio.create_memory_object_stream[str](10)
    never = anyio.Event()
    supervisor = Supervisor("sup", [turn_worker(log, inbox, never)], clock=time.clock, sleep=time.sleep)
    with send, inbox, anyio.fail_after(5):
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(supervisor.run)
            await send.send("m1")
            await log.wait_count(("begin", "m1"), 1)
            started = anyio.current_time()
            task_group.cancel_scope.cancel()
    elapsed = anyio.current_time() - started
    assert log.entries == [("begin", "m1"), ("cut-off", "m1"), ("cancelled", "worker")]
    assert 0.25 <= elapsed < 1.0  # shutdown_timeout is 0.3 s


async def test_forcing_a_domain_cancels_its_drains_at_once() -> None:
    root = DrainDomain()
    child = DrainDomain(parent=root)
    outcome: list[bool] = []

    async def in_flight(task_status: anyio.abc.TaskStatus[None]) -> None:
        with entered_domain(child), drain_shield() as scope:
            task_status.started()
            await anyio.sleep_forever()
        outcome.append(scope.cancelled_caught)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as outer:
            inner_scope = anyio.CancelScope()

            async def host() -> None:
                with inner_scope:
                    async with anyio.create_task_group() as inner:
                        await inner.start(in_flight)

            outer.start_soon(host)
            await anyio.wait_all_tasks_blocked()
            root.begin(anyio.current_time() + 60)
            inner_scope.cancel()  # shielded: nothing happens yet
            await anyio.wait_all_tasks_blocked()
            assert outcome == []
            assert child.is_draining() and not child.draining.is_set()
            root.force()
    assert outcome == [True]


async def test_a_drain_begun_later_tightens_the_deadline_of_an_open_drain() -> None:
    domain = DrainDomain()
    with entered_domain(domain), drain_shield() as scope:
        assert scope.deadline == float("inf")
        now = anyio.current_time()
        domain.begin(now + 5)
        assert scope.deadline == pytest.approx(now + 5)
        domain.begin(now + 50)  # a later deadline never loosens an earlier one
        assert scope.deadline == pytest.approx(now + 5)


async def test_a_drain_opened_after_draining_began_gets_the_remaining_time_only() -> None:
    domain = DrainDomain()
    now = anyio.current_time()
    domain.begin(now + 2)
    with entered_domain(domain), drain_shield(max_duration=100) as scope:
        assert scope.deadline == pytest.approx(now + 2)
    with drain_shield(max_duration=0.01) as unbounded_by_domain:
        await anyio.sleep(1)  # cut off by max_duration; no domain is current here
    assert unbounded_by_domain.cancelled_caught
