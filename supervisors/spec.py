"""Child specifications as data, and what counts as a normal exit.

A child is an async function that runs until it returns (a normal exit) or raises (an abnormal
exit). Raising `Shutdown` is also a normal exit — OTP's `shutdown` reason — so a `transient`
child can stop itself from deep inside a call stack without being restarted.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, Literal, get_args

import msgspec

RestartType = Literal["permanent", "transient", "temporary"]
RESTART_TYPES: frozenset[str] = frozenset(get_args(RestartType))


class Shutdown(Exception):  # named for OTP's exit reason, not an error
    """Raised by a child to exit normally (a `transient` child is then not restarted)."""


class ChildSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How to start one child and when to restart it.

    restart: `permanent` is always restarted, `transient` only after an abnormal exit,
    `temporary` never (not even when a sibling's failure stops it).
    shutdown_timeout: seconds a stopping child may spend draining (see supervisors.drain).
    ready_timeout: when set, the next child starts only after this one calls `child_ready()`
    (see supervisors.readiness); not ready in time counts as a failure to start.
    describe: for a child that is itself a supervisor, returns its live tree.
    """

    id: str
    start: Callable[[], Awaitable[None]]
    restart: RestartType = "permanent"
    shutdown_timeout: float = 5.0
    ready_timeout: float | None = None
    describe: Callable[[], Any] | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("ChildSpec.id must be a non-empty string")
        if not callable(self.start):
            raise TypeError(f"ChildSpec {self.id!r}: start must be an async callable")
        if self.restart not in RESTART_TYPES:
            raise ValueError(
                f"ChildSpec {self.id!r}: restart must be one of {sorted(RESTART_TYPES)}, got {self.restart!r}"
            )
        if not self.shutdown_timeout >= 0 or math.isinf(self.shutdown_timeout):
            raise ValueError(
                f"ChildSpec {self.id!r}: shutdown_timeout must be a finite number >= 0, "
                f"got {self.shutdown_timeout}"
            )
        if self.ready_timeout is not None and (not self.ready_timeout > 0 or math.isinf(self.ready_timeout)):
            raise ValueError(
                f"ChildSpec {self.id!r}: ready_timeout must be a finite number > 0 or None, "
                f"got {self.ready_timeout}"
            )


class ExitReason(msgspec.Struct, frozen=True):
    """Why a child's start() ended: `normal`, `shutdown` or `failed` (with the error)."""

    kind: Literal["normal", "shutdown", "failed"]
    error: str | None = None

    @property
    def abnormal(self) -> bool:
        return self.kind == "failed"

    def __str__(self) -> str:
        return self.error if self.error is not None else self.kind


NORMAL = ExitReason("normal")
SHUTDOWN = ExitReason("shutdown")


def failed(error: BaseException) -> ExitReason:
    """The exit reason for a child that raised `error`."""
    return ExitReason("failed", _describe(error))


def _describe(error: BaseException) -> str:
    # A child's own task group wraps the real error; name the errors inside, not just the group.
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(_describe(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}"


def should_restart(restart: RestartType, reason: ExitReason) -> bool:
    """OTP's rule: permanent always, transient only on an abnormal exit, temporary never."""
    if restart == "permanent":
        return True
    if restart == "transient":
        return reason.abnormal
    return False
