"""The live supervision tree as data, for the control plane (`tandem ctl tree`)."""

from __future__ import annotations

from typing import Literal

import msgspec

from supervisors.spec import RestartType

Strategy = Literal["one_for_one", "one_for_all", "rest_for_one"]
STRATEGIES: frozenset[str] = frozenset(("one_for_one", "one_for_all", "rest_for_one"))

ChildState = Literal["starting", "running", "restarting", "stopping", "stopped"]
SupervisorState = Literal["starting", "running", "restarting", "stopping", "stopped", "escalated"]


class ChildInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One child as the supervisor sees it now."""

    id: str
    restart: RestartType
    state: ChildState
    restarts: int
    last_exit: str | None = None
    supervisor: SupervisorInfo | None = None  # set when the child is itself a supervisor


class SupervisorInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A supervisor, its policy and its children, in start order."""

    name: str
    strategy: Strategy
    state: SupervisorState
    max_restarts: int
    period: float
    restarts_in_window: int
    children: list[ChildInfo]


class SupervisorEscalation(Exception):  # OTP's word for it
    """A supervisor stopped its children and gave up (intensity exceeded, or a child never started)."""

    def __init__(
        self, supervisor: str, child: str, reason: str, cause: str = "restart intensity exceeded"
    ) -> None:
        super().__init__(f"supervisor {supervisor!r} gave up: {cause}; child {child!r}: {reason}")
        self.supervisor = supervisor
        self.child = child
        self.reason = reason
        self.cause = cause
