"""A child tells its supervisor it has finished starting, so the next child may start.

OTP starts children one at a time: `start_link` returns only after the child's `init`, so a
child can rely on the ones before it (the actors on a connected bus). A child whose spec sets
`ready_timeout` calls `child_ready()` once it is serving; the supervisor waits for that, up to
the timeout, before it starts the next child. A supervisor is ready once all its children are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import anyio


class Readiness:
    """Whether a started child has said it is ready, and an event for when that is settled."""

    def __init__(self) -> None:
        self.ready = False
        self.settled = anyio.Event()

    def mark_ready(self) -> None:
        self.ready = True
        self.settled.set()

    def mark_gone(self) -> None:
        """The child ended (ready or not): nothing more to wait for."""
        self.settled.set()


_current_readiness: ContextVar[Readiness | None] = ContextVar("tandem_child_readiness", default=None)


def child_ready() -> None:
    """Tell the supervising parent that this child has started; harmless outside a supervisor."""
    readiness = _current_readiness.get()
    if readiness is not None:
        readiness.mark_ready()


@contextmanager
def reporting_readiness(readiness: Readiness) -> Iterator[None]:
    """Make `child_ready()` in the calling task (and its subtasks) report to `readiness`."""
    token = _current_readiness.set(readiness)
    try:
        yield
    finally:
        _current_readiness.reset(token)
