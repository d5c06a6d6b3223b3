"""One turn, the synchronous part: decode, dedupe, decide, and the effects as bus messages. No I/O.

The host runs this inline for the common turn that needs no I/O (the state changes, nothing to
publish), and hands a Decision that does need I/O to the cell's task, which stores its effects in
JetStream before the message is acked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.trace import Span

from actors.behaviour import Behaviour
from actors.runtime.cell import ActorCell
from actors.runtime.effects import to_outgoing
from bus.bus import Outgoing
from bus.envelope import Envelope, EnvelopeCodec, EnvelopeError
from bus.tracing import BusTracer, record_error


class Decision:
    """What a turn decided; exactly one of: undecodable, duplicate, error, or a new state."""

    __slots__ = ("duplicate", "envelope", "error", "outgoing", "span", "state", "timers", "undecodable")

    def __init__(self) -> None:
        self.envelope: Envelope[Any] | None = None
        self.undecodable: EnvelopeError | None = None
        self.duplicate = False
        self.error: Exception | None = None
        self.state: Any = None
        self.outgoing: Sequence[Outgoing] = ()  # no list per turn: most turns have no effects
        self.timers: Sequence[tuple[int, Any]] = ()
        self.span: Span | None = None

    @property
    def needs_io(self) -> bool:
        return bool(self.undecodable or self.error or self.outgoing or self.timers)


def decide_turn(
    behaviour: Behaviour[Any, Any],
    codec: EnvelopeCodec[Any],
    tracer: BusTracer,
    consumer: str,
    template: str,
    cell: ActorCell,
    subject: str,
    data: bytes,
    headers: dict[str, str] | None,
) -> Decision:
    """Run the actor's decide on one message; an exception from decide is captured, not raised.

    `template`: the subject's template for the process span (`act.<kind>.{key}`).
    """
    decision = Decision()
    try:
        envelope = codec.decode(data)
    except EnvelopeError as exc:
        decision.undecodable = exc
        return decision
    decision.envelope = envelope
    if envelope.id in cell.seen:
        decision.duplicate = True
        return decision
    with tracer.process(subject, headers, msg_id=envelope.id, consumer=consumer, template=template) as span:
        decision.span = span
        if tracer.recording:
            with tracer.turn(behaviour.kind, cell.key, message_type=envelope.type) as turn_span:
                _decide(behaviour, cell, envelope, decision)
                if decision.error is not None:
                    record_error(turn_span, decision.error)
        else:  # no turn span: the unrecorded process span around it already carries the context
            _decide(behaviour, cell, envelope, decision)
        if decision.error is not None:
            record_error(span, decision.error)
    return decision


def _decide(
    behaviour: Behaviour[Any, Any], cell: ActorCell, envelope: Envelope[Any], decision: Decision
) -> None:
    try:
        decision.state, effects = behaviour.decide(cell.state, envelope)
        if effects:
            decision.outgoing, decision.timers = to_outgoing(behaviour.kind, envelope, effects)
    except Exception as exc:  # an actor's bug or bad input: it crashes only this actor
        decision.error = exc
