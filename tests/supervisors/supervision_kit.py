"""Test doubles for supervisor tests: a fake clock and sleep, an event log, scripted children."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.lowlevel

from supervisors import ChildSpec, RestartType, Shutdown

Entry = tuple[str, str]  # (what happened, child id)


class FakeTime:
    """A clock the test owns and a sleep that records its delay and advances the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.delays: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        self.now += delay
        await anyio.lowlevel.checkpoint()


class EventLog:
    """What the children did, in order, with a way to wait for a condition on it."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._changed = anyio.Event()

    def add(self, what: str, child_id: str) -> None:
        self.entries.append((what, child_id))
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, predicate: Callable[[list[Entry]], bool], within: float = 5.0) -> None:
        with anyio.fail_after(within):
            while not predicate(self.entries):
                await self._changed.wait()

    async def wait_count(self, entry: Entry, count: int, within: float = 5.0) -> None:
        await self.wait_for(lambda entries: entries.count(entry) >= count, within)

    def since(self, mark: int) -> list[Entry]:
        return self.entries[mark:]


class ScriptedChild:
    """A child that runs until the test tells it to crash, return or raise Shutdown."""

    def __init__(
        self, log: EventLog, child_id: str, restart: RestartType = "permanent", shutdown_timeout: float = 1.0
    ) -> None:
        self.log = log
        self.id = child_id
        self.spec = ChildSpec(
            id=child_id, start=self.start, restart=restart, shutdown_timeout=shutdown_timeout
        )
        self._command = anyio.Event()
        self._action = "crash"

    async def start(self) -> None:
        self._command = anyio.Event()  # one command per incarnation
        self.log.add("start", self.id)
        try:
            await self._command.wait()
        except anyio.get_cancelled_exc_class():
            self.log.add("cancelled", self.id)
            raise
        self.log.add(self._action, self.id)
        if self._action == "crash":
            raise RuntimeError(f"{self.id} crashed")
        if self._action == "shutdown":
            raise Shutdown()

    def crash(self) -> None:
        self._do("crash")

    def finish(self) -> None:
        self._do("return")

    def shut_down(self) -> None:
        self._do("shutdown")

    def _do(self, action: str) -> None:
        self._action = action
        self._command.set()


def always_crashing(log: EventLog, child_id: str, restart: RestartType = "permanent") -> ChildSpec:
    """A child that raises as soon as it starts."""

    async def start() -> None:
        log.add("start", child_id)
        await anyio.lowlevel.checkpoint()
        raise RuntimeError(f"{child_id} always crashes")

    return ChildSpec(id=child_id, start=start, restart=restart)
