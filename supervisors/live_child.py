"""The supervisor's bookkeeping for each child: its current incarnation and what it reported."""

from __future__ import annotations

import anyio
import msgspec

from supervisors.drain import DrainDomain
from supervisors.policy import Backoff
from supervisors.readiness import Readiness
from supervisors.spec import ChildSpec, ExitReason
from supervisors.tree import ChildInfo, ChildState, SupervisorInfo


class LiveChild:
    """The supervisor's mutable view of one child across its incarnations."""

    def __init__(self, spec: ChildSpec, backoff: Backoff) -> None:
        self.spec = spec
        self.backoff = backoff
        self.state: ChildState = "stopped"
        self.restarts = 0
        self.incarnation = 0
        self.last_exit: ExitReason | None = None
        self.stop_requested = False
        self.scope: anyio.CancelScope | None = None
        self.domain: DrainDomain | None = None
        self.readiness = Readiness()
        self.finished = anyio.Event()
        self.finished.set()  # not running yet

    def info(self) -> ChildInfo:
        """This child as the control plane sees it."""
        nested = self.spec.describe() if self.spec.describe is not None else None
        return ChildInfo(
            id=self.spec.id,
            restart=self.spec.restart,
            state=self.state,
            restarts=self.restarts,
            last_exit=str(self.last_exit) if self.last_exit is not None else None,
            supervisor=nested if isinstance(nested, SupervisorInfo) else None,
        )


class NotStarted(msgspec.Struct, frozen=True):
    """A child with a ready_timeout that did not become ready."""

    reason: ExitReason
    reported: bool  # its exit is already queued for the supervisor's loop


class ChildExited(msgspec.Struct, frozen=True):
    """A child task's report to the supervisor's loop."""

    child_id: str
    incarnation: int
    reason: ExitReason
    intensity_exceeded: bool
