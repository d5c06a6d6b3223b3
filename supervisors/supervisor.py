"""An Erlang/OTP-style supervisor on anyio task groups.

Theory of operation. Every child runs in its own task, inside a *shielded* cancel scope, and
catches its own exceptions: a plain task group cancels every sibling when one task raises, which
would make every supervisor `one_for_all` by accident (architecture.md §1.6). The shield means
that cancelling `run()` does not hit all children at once; instead `run()` stops them itself, one
by one in reverse start order, each with its `shutdown_timeout`.

- `one_for_one`: each child task loops: run, decide, back off, run again. Children restart
  independently, so one child's backoff never delays another's restart.
- `one_for_all` / `rest_for_one`: a child task reports its exit to the supervisor's own loop,
  which stops the affected siblings (reverse order), backs off and starts them again (list order).
  The group restarts as a unit, so it has one backoff; in one_for_one each child has its own.

Starting is sequential as in OTP: a child whose spec has a `ready_timeout` must call
`child_ready()` before the next child starts (supervisors.readiness).

Every restart is recorded in the supervisor's `RestartIntensity`; when it is exceeded the
supervisor stops all its children and raises `SupervisorEscalation`, which its parent sees as the
abnormal exit of a child.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

import anyio
import structlog
from anyio.abc import TaskGroup, TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from supervisors.drain import DrainDomain, current_domain, entered_domain
from supervisors.live_child import ChildExited, LiveChild, NotStarted
from supervisors.policy import Backoff, RestartIntensity
from supervisors.readiness import Readiness, child_ready, reporting_readiness
from supervisors.spec import NORMAL, SHUTDOWN, ChildSpec, ExitReason, RestartType, Shutdown, failed
from supervisors.spec import should_restart as restart_wanted
from supervisors.tree import STRATEGIES, Strategy, SupervisorEscalation, SupervisorInfo, SupervisorState

log = structlog.get_logger(__name__)

# Time a cancelled child gets, beyond its drain deadline, to unwind its stack.
UNWIND_SLACK = 1.0


class Supervisor:
    """Starts children in order, restarts them by strategy and restart type, stops them in reverse."""

    def __init__(
        self,
        name: str,
        children: Sequence[ChildSpec],
        strategy: Strategy = "one_for_one",
        intensity: RestartIntensity | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        if not name:
            raise ValueError("a supervisor needs a non-empty name")
        if strategy not in STRATEGIES:
            raise ValueError(
                f"supervisor {name!r}: strategy must be one of {sorted(STRATEGIES)}, got {strategy!r}"
            )
        ids = [spec.id for spec in children]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"supervisor {name!r}: duplicate child ids {duplicates}")
        self.name = name
        self.strategy: Strategy = strategy
        self._specs = tuple(children)
        # OTP's default intensity (1 in 5 s) is too strict next to backoff; the gateway
        # defaults from architecture.md §1.2 are the fallback.
        self._intensity = intensity if intensity is not None else RestartIntensity(3, 5.0)
        self._backoff = backoff if backoff is not None else Backoff(0.5, 30.0)
        self._clock = clock
        self._sleep = sleep
        self._state: SupervisorState = "stopped"
        self._live: list[LiveChild] = [LiveChild(spec, self._backoff.fresh()) for spec in self._specs]
        # one_for_all / rest_for_one restart children as a unit, so the unit backs off as one.
        self._group_backoff = self._backoff.fresh()
        self._parent_domain: DrainDomain | None = None
        self._task_group: TaskGroup | None = None
        self._exits: MemoryObjectSendStream[ChildExited] | None = None

    async def run(self) -> None:
        """Run the children until cancelled; raise SupervisorEscalation when intensity is exceeded."""
        if self._state not in ("stopped", "escalated"):
            raise RuntimeError(f"supervisor {self.name!r} is already running")
        # A restarted supervisor is a fresh incarnation, as in OTP: clean history, every child back.
        self._intensity.reset()
        self._live = [LiveChild(spec, self._backoff.fresh()) for spec in self._specs]
        self._group_backoff = self._backoff.fresh()
        self._parent_domain = current_domain()
        self._state = "starting"
        send, receive = anyio.create_memory_object_stream[ChildExited](max_buffer_size=math.inf)
        self._exits = send
        escalation: SupervisorEscalation | None = None
        try:
            async with anyio.create_task_group() as task_group:
                self._task_group = task_group
                try:
                    escalation = await self._start_all()
                    if escalation is None:
                        self._state = "running"
                        log.info(
                            "supervisor.started",
                            supervisor=self.name,
                            strategy=self.strategy,
                            children=[c.spec.id for c in self._live],
                        )
                        child_ready()  # a supervisor is started once all its children are
                        escalation = await self._supervise(receive)
                finally:
                    self._state = "stopping"
                    with anyio.CancelScope(shield=True):
                        await self._stop_all(reversed(self._live))
        finally:
            send.close()
            receive.close()
            self._task_group = None
            self._exits = None
            self._state = "escalated" if escalation is not None else "stopped"
            log.info("supervisor.stopped", supervisor=self.name, escalated=escalation is not None)
        if escalation is not None:
            raise escalation

    def as_child(
        self,
        restart: RestartType = "permanent",
        shutdown_timeout: float | None = None,
        ready_timeout: float | None = None,
    ) -> ChildSpec:
        """This supervisor as a child of another, so supervision trees nest."""
        if shutdown_timeout is None:
            # Enough for every child to drain and unwind in turn, like OTP's `infinity` but bounded.
            shutdown_timeout = sum(spec.shutdown_timeout + UNWIND_SLACK for spec in self._specs)
        waits = [spec.ready_timeout for spec in self._specs if spec.ready_timeout is not None]
        if ready_timeout is None and waits:
            # The parent waits for our children to start, one after the other.
            ready_timeout = sum(waits) + UNWIND_SLACK
        return ChildSpec(
            id=self.name,
            start=self.run,
            restart=restart,
            shutdown_timeout=shutdown_timeout,
            ready_timeout=ready_timeout,
            describe=self.describe,
        )

    def describe(self) -> SupervisorInfo:
        """The live tree below this supervisor: children, their states and restart counts."""
        return SupervisorInfo(
            name=self.name,
            strategy=self.strategy,
            state=self._state,
            max_restarts=self._intensity.max_restarts,
            period=self._intensity.period,
            restarts_in_window=self._intensity.restarts_in_window(self._clock()),
            children=[child.info() for child in self._live],
        )

    # -- starting and stopping -------------------------------------------------------------

    async def _start_all(self) -> SupervisorEscalation | None:
        """Start the children in order; a child that never becomes ready fails the whole start."""
        for child in self._live:
            not_started = await self._start(child)
            if not_started is not None:
                return self._escalation(child, not_started.reason, cause="a child failed to start")
        self._group_backoff.mark_started(self._clock())
        return None

    async def _start(self, child: LiveChild) -> NotStarted | None:
        """Start one child; with a ready_timeout, wait until it is ready (or say why it is not)."""
        assert self._task_group is not None
        child.incarnation += 1
        child.finished = anyio.Event()
        child.readiness = Readiness()
        child.stop_requested = False
        child.state = "starting"
        await self._task_group.start(self._child_task, child)
        timeout = child.spec.ready_timeout
        if timeout is None:
            return None
        with anyio.move_on_after(timeout):
            await child.readiness.settled.wait()
        if child.readiness.ready:
            return None
        if child.finished.is_set():  # it ended before it was ready; its exit is already reported
            return NotStarted(child.last_exit or ExitReason("failed", "exited before ready"), True)
        log.error("supervisor.child_not_ready", supervisor=self.name, child=child.spec.id, timeout=timeout)
        await self._stop(child)
        return NotStarted(ExitReason("failed", f"not ready within {timeout} s"), False)

    async def _stop_all(self, children: Iterable[LiveChild]) -> None:
        for child in children:
            await self._stop(child)

    async def _stop(self, child: LiveChild) -> None:
        """Cancel one child and wait, within its shutdown timeout, until it has unwound."""
        if child.finished.is_set():
            return
        assert child.scope is not None
        child.stop_requested = True
        child.state = "stopping"
        timeout = child.spec.shutdown_timeout
        if child.domain is not None:
            child.domain.begin(anyio.current_time() + timeout)
        child.scope.cancel()
        with anyio.move_on_after(timeout + UNWIND_SLACK):
            await child.finished.wait()
        if child.finished.is_set():
            log.debug("supervisor.child_stopped", supervisor=self.name, child=child.spec.id)
        else:
            # Python cannot kill a task that ignores cancellation; say so and keep stopping the others.
            log.error(
                "supervisor.child_shutdown_overrun",
                supervisor=self.name,
                child=child.spec.id,
                shutdown_timeout=timeout,
            )

    async def _child_task(self, child: LiveChild, *, task_status: TaskStatus[None]) -> None:
        try:
            # Shielded: only this supervisor stops its children, in its own order (see module doc).
            with anyio.CancelScope(shield=True) as scope:
                child.scope = scope
                task_status.started()
                if self.strategy == "one_for_one":
                    await self._run_restarting(child)
                else:
                    await self._run_and_report(child)
        finally:
            child.state = "stopped"
            child.finished.set()
            child.readiness.mark_gone()

    # -- running children ------------------------------------------------------------------

    async def _run_once(self, child: LiveChild) -> ExitReason:
        """Run one incarnation of a child; return why it ended (cancellation propagates)."""
        child.state = "running"
        child.backoff.mark_started(self._clock())
        child.domain = DrainDomain(parent=self._parent_domain)
        with entered_domain(child.domain), reporting_readiness(child.readiness):
            try:
                await child.spec.start()
            except Shutdown:
                reason = SHUTDOWN
            except Exception as error:
                reason = failed(error)
                if not child.stop_requested:
                    log.warning(
                        "supervisor.child_failed",
                        supervisor=self.name,
                        child=child.spec.id,
                        reason=str(reason),
                        exc_info=error,
                    )
            else:
                reason = NORMAL
        child.last_exit = reason
        child.state = "stopped"
        return reason

    async def _run_restarting(self, child: LiveChild) -> None:
        """one_for_one: this child's own restart loop."""
        while True:
            reason = await self._run_once(child)
            if child.stop_requested or self._state == "stopping":
                return  # stopped on purpose, or the whole supervisor is shutting down
            if not restart_wanted(child.spec.restart, reason):
                self._log_exit_without_restart(child, reason)
                return
            if not self._intensity.record(self._clock()):
                self._report(child, reason, intensity_exceeded=True)
                return
            delay = child.backoff.next_delay(self._clock())
            self._log_restart(child, reason, delay, [child])
            child.state = "restarting"
            await self._sleep(delay)
            child.restarts += 1

    async def _run_and_report(self, child: LiveChild) -> None:
        """one_for_all / rest_for_one: the supervisor's loop decides what happens next."""
        reason = await self._run_once(child)
        if not child.stop_requested:
            self._report(child, reason, intensity_exceeded=False)

    def _report(self, child: LiveChild, reason: ExitReason, *, intensity_exceeded: bool) -> None:
        assert self._exits is not None
        self._exits.send_nowait(ChildExited(child.spec.id, child.incarnation, reason, intensity_exceeded))

    # -- the supervisor's loop -------------------------------------------------------------

    async def _supervise(self, exits: MemoryObjectReceiveStream[ChildExited]) -> SupervisorEscalation:
        """Handle child exits until the restart intensity is exceeded (or we are cancelled)."""
        async for exit_ in exits:
            child = self._child(exit_.child_id)
            if exit_.incarnation != child.incarnation:
                continue  # a sibling's group restart already replaced that incarnation
            if exit_.intensity_exceeded:
                return self._escalation(child, exit_.reason)
            if not restart_wanted(child.spec.restart, exit_.reason):
                self._log_exit_without_restart(child, exit_.reason)
                continue
            if not self._intensity.record(self._clock()):
                return self._escalation(child, exit_.reason)
            await self._restart_group(child, exit_.reason)
        raise AssertionError("the exit stream is only closed after this loop ends")

    async def _restart_group(self, failed_child: LiveChild, reason: ExitReason) -> None:
        """one_for_all / rest_for_one: stop the affected children, back off, start them again."""
        position = self._live.index(failed_child)
        affected = self._live if self.strategy == "one_for_all" else self._live[position:]
        self._state = "restarting"
        await self._stop_all(reversed(affected))
        delay = self._group_backoff.next_delay(self._clock())
        # Temporary children are never restarted, not even when a sibling's failure stopped them.
        restarting = [child for child in affected if child.spec.restart != "temporary"]
        self._log_restart(failed_child, reason, delay, restarting)
        for child in restarting:
            child.state = "restarting"
        await self._sleep(delay)
        for child in restarting:
            child.restarts += 1
            not_started = await self._start(child)
            if not_started is not None:
                # Like a crash of that child: the loop handles it next (intensity, another restart).
                if not not_started.reported:
                    self._report(child, not_started.reason, intensity_exceeded=False)
                for later in restarting[restarting.index(child) + 1 :]:
                    later.state = "stopped"
                break
        self._group_backoff.mark_started(self._clock())
        self._state = "running"

    def _escalation(
        self, child: LiveChild, reason: ExitReason, cause: str = "restart intensity exceeded"
    ) -> SupervisorEscalation:
        log.error(
            "supervisor.gave_up",
            supervisor=self.name,
            child=child.spec.id,
            reason=str(reason),
            cause=cause,
            max_restarts=self._intensity.max_restarts,
            period=self._intensity.period,
        )
        return SupervisorEscalation(self.name, child.spec.id, str(reason), cause)

    # -- small helpers ---------------------------------------------------------------------

    def _child(self, child_id: str) -> LiveChild:
        return next(child for child in self._live if child.spec.id == child_id)

    def _log_restart(
        self, child: LiveChild, reason: ExitReason, delay: float, restarting: list[LiveChild]
    ) -> None:
        log.info(
            "supervisor.child_restarted",
            supervisor=self.name,
            child=child.spec.id,
            reason=str(reason),
            delay=round(delay, 3),
            strategy=self.strategy,
            restarting=[c.spec.id for c in restarting],
        )

    def _log_exit_without_restart(self, child: LiveChild, reason: ExitReason) -> None:
        log.info(
            "supervisor.child_exited",
            supervisor=self.name,
            child=child.spec.id,
            reason=str(reason),
            restart=child.spec.restart,
        )
