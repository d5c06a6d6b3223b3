"""A counting actor: the runtime's own diagnostic kind (used by `tandem run` self-checks, tests, bench).

It counts increments per key; exactly-once processing shows up as exact totals after crashes.
`Forward` passes an increment on to another key (an effect), `Fail` raises a chosen number of times
(poison messages, crash recovery), `Remind` sets a durable timer.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from actors.behaviour import Effect, Send, StartTimer
from bus.envelope import Envelope

KIND = "counter"


class Increment(msgspec.Struct, tag="increment", frozen=True):
    by: int = 1


class Forward(msgspec.Struct, tag="forward", frozen=True):
    to_key: str
    by: int = 1


class Fail(msgspec.Struct, tag="fail", frozen=True):
    """Raise while the actor has seen fewer than `times` failures of this message; 0 = always."""

    times: int = 0


class Remind(msgspec.Struct, tag="remind", frozen=True):
    timer_id: str
    at: float
    by: int = 1


CounterMessage = Increment | Forward | Fail | Remind


class CounterState(msgspec.Struct, kw_only=True):
    total: int = 0
    messages: int = 0
    failures: dict[str, int] = {}


class CounterCrash(RuntimeError):
    """Raised on purpose by a Fail message."""


class CounterBehaviour:
    kind = KIND
    message_type = CounterMessage
    state_type = CounterState

    def __init__(self, failure_log: dict[str, int] | None = None) -> None:
        # Failures must be counted outside the state: a crashed turn's state is thrown away.
        self._failure_log = failure_log if failure_log is not None else {}

    def initial(self, key: str) -> CounterState:
        return CounterState()

    def decide(
        self, state: CounterState, message: Envelope[CounterMessage]
    ) -> tuple[CounterState, Sequence[Effect]]:
        payload = message.payload
        counted = CounterState(total=state.total, messages=state.messages + 1, failures=state.failures)
        if isinstance(payload, Increment):
            counted.total += payload.by
            return counted, ()
        if isinstance(payload, Forward):
            return counted, (Send(kind=KIND, key=payload.to_key, payload=Increment(by=payload.by)),)
        if isinstance(payload, Remind):
            return counted, (
                StartTimer(timer_id=payload.timer_id, at=payload.at, payload=Increment(by=payload.by)),
            )
        seen = self._failure_log.get(message.id, 0)
        if payload.times == 0 or seen < payload.times:
            self._failure_log[message.id] = seen + 1
            raise CounterCrash(f"failing on purpose ({seen + 1})")
        return counted, ()
