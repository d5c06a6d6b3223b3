"""What an actor *is* to the runtime: a pure `decide(state, message) -> (state, effects)`.

An actor kind is a `Behaviour`: its message types, its state type, an initial state for a new key and
a pure decide. The runtime (actors/runtime/) feeds it one message at a time per key, in order, and
executes the effects it returns. decide must be deterministic in (state, message) — it is replayed
after a crash — so it reads time only from `message.time`, never from a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import msgspec

from bus.envelope import Envelope

S = TypeVar("S")
M = TypeVar("M")


class Send(msgspec.Struct, frozen=True, kw_only=True):
    """Send `payload` to the actor `kind`/`key` (durably, through JetStream)."""

    kind: str
    key: str
    payload: Any


class Emit(msgspec.Struct, frozen=True, kw_only=True):
    """Publish `payload` on a bus subject (an event others consume), durably."""

    subject: str
    key: str
    payload: Any


class Outbox(msgspec.Struct, frozen=True, kw_only=True):
    """Write a command for an external system to the durable outbox (`out.<system>.…`).

    `subject` comes from bus.subjects.outbox_shopify/outbox_netsuite; the writer gateway executes it
    idempotently on the external side.
    """

    subject: str
    key: str
    payload: Any


class StartTimer(msgspec.Struct, frozen=True, kw_only=True):
    """Deliver `payload` back to this actor at `at` (epoch seconds); same id replaces the earlier timer."""

    timer_id: str
    at: float
    payload: Any


class CancelTimer(msgspec.Struct, frozen=True, kw_only=True):
    timer_id: str


Effect = Send | Emit | Outbox | StartTimer | CancelTimer


class Behaviour(Protocol[S, M]):
    """An actor kind. Implementations are plain classes or modules with these attributes."""

    kind: str
    # The tagged union of message payload Structs this kind accepts (used to decode envelopes once).
    message_type: Any
    state_type: type[S]

    def initial(self, key: str) -> S: ...

    def decide(self, state: S, message: Envelope[M]) -> tuple[S, Sequence[Effect]]: ...
