"""Turning a turn's effects into bus messages: pure, deterministic ids so a replayed turn dedupes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from actors.behaviour import CancelTimer, Effect, Emit, Outbox, Send, StartTimer
from bus import subjects
from bus.bus import Outgoing
from bus.envelope import Envelope, make_envelope


def effect_message_id(cause_id: str, index: int) -> str:
    """The id of the index-th effect of a turn: stable across replays of the same input."""
    return f"{cause_id}.{index}"


def to_outgoing(
    kind: str, cause: Envelope[Any], effects: Sequence[Effect]
) -> tuple[list[Outgoing], list[tuple[int, Effect]]]:
    """Split effects into messages to publish and timer changes (with their index)."""
    outgoing: list[Outgoing] = []
    timers: list[tuple[int, Effect]] = []
    correlation = cause.correlation_id or cause.id
    for index, effect in enumerate(effects):
        msg_id = effect_message_id(cause.id, index)
        if isinstance(effect, Send):
            subject, template, key, payload = (
                subjects.actor(effect.kind, effect.key),
                f"act.{effect.kind}.{{key}}",
                effect.key,
                effect.payload,
            )
        elif isinstance(effect, Emit | Outbox):
            subject, template, key, payload = effect.subject, None, effect.key, effect.payload
        elif isinstance(effect, StartTimer | CancelTimer):
            timers.append((index, effect))
            continue
        else:
            raise TypeError(f"actor {kind} returned an unknown effect {effect!r}")
        envelope = make_envelope(
            payload, key=key, id=msg_id, at=cause.time, correlation_id=correlation, causation_id=cause.id
        )
        outgoing.append(Outgoing(subject=subject, envelope=envelope, template=template))
    return outgoing, timers
