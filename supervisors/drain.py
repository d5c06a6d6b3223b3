"""Graceful shutdown: let in-flight work finish, within a deadline, after a stop was asked for.

Cancellation is how a child is told to stop. Work that must not be cut in half (a turn whose
state is being persisted, an ack) runs inside `drain_shield()`: a shielded cancel scope that
outer cancellation cannot interrupt, but whose deadline is the shutdown deadline of every
enclosing stop — the child's `shutdown_timeout`, the signal handler's grace period — and which a
forced exit (a second SIGTERM) cancels outright.

Stops nest like the supervision tree: each child incarnation runs in a `DrainDomain` whose
parent is its supervisor's domain, and the root domain belongs to `run_until_signalled`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import anyio


class DrainDomain:
    """One stoppable unit (a process, a child incarnation) and the drain scopes open inside it."""

    def __init__(self, parent: DrainDomain | None = None) -> None:
        self.parent = parent
        self.draining = anyio.Event()
        self.deadline = math.inf
        self._scopes: set[anyio.CancelScope] = set()

    def effective_deadline(self) -> float:
        """The earliest drain deadline of this domain and its ancestors."""
        deadline = self.deadline
        ancestor = self.parent
        while ancestor is not None:
            deadline = min(deadline, ancestor.deadline)
            ancestor = ancestor.parent
        return deadline

    def begin(self, deadline: float) -> None:
        """Start draining: open drain scopes (here and below) must end by `deadline` (anyio time)."""
        self.deadline = min(self.deadline, deadline)
        self.draining.set()
        for scope in self._scopes:
            scope.deadline = min(scope.deadline, self.deadline)

    def force(self) -> None:
        """Cancel every drain scope open here and below, now."""
        self.begin(-math.inf)
        for scope in self._scopes:
            scope.cancel()

    def is_draining(self) -> bool:
        """True once this domain or an ancestor has begun draining."""
        domain: DrainDomain | None = self
        while domain is not None:
            if domain.draining.is_set():
                return True
            domain = domain.parent
        return False

    def _chain(self) -> Iterator[DrainDomain]:
        domain: DrainDomain | None = self
        while domain is not None:
            yield domain
            domain = domain.parent


_current_domain: ContextVar[DrainDomain | None] = ContextVar("tandem_drain_domain", default=None)


def current_domain() -> DrainDomain | None:
    """The drain domain of the calling task, if it runs under a supervisor or signal handler."""
    return _current_domain.get()


@contextmanager
def entered_domain(domain: DrainDomain) -> Iterator[DrainDomain]:
    """Make `domain` the current drain domain for the calling task (and tasks it spawns)."""
    token = _current_domain.set(domain)
    try:
        yield domain
    finally:
        _current_domain.reset(token)


@contextmanager
def drain_shield(max_duration: float = math.inf) -> Iterator[anyio.CancelScope]:
    """Run the enclosed in-flight work to completion even if the task is being stopped.

    The work is bounded by the shutdown deadline of every enclosing stop (and by
    `max_duration`); past it, or on a forced exit, the scope is cancelled like any other.
    """
    domain = current_domain()
    chain = list(domain._chain()) if domain is not None else []
    deadline = anyio.current_time() + max_duration
    if domain is not None:
        deadline = min(deadline, domain.effective_deadline())
    with anyio.CancelScope(shield=True, deadline=deadline) as scope:
        for member in chain:
            member._scopes.add(scope)
        try:
            yield scope
        finally:
            for member in chain:
                member._scopes.discard(scope)
