"""The one seam where the bus and the actors make spans (the httpcore `_trace.py` idea).

W3C trace context travels in NATS headers (a plain dict[str, str] in nats-py). Names and attributes follow
the OpenTelemetry messaging conventions (architecture.md §4.1): `publish <destination>` PRODUCER spans and
`process <destination>` CONSUMER spans whose parent is the producer's context, plus a link to it, so Jaeger
draws a whole flow as one tree while the spec's link is kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import Token

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import (
    INVALID_SPAN_CONTEXT,
    Link,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

Attributes = Mapping[str, AttributeValue | None]

MESSAGING_SYSTEM = "nats"  # not a well-known value in the conventions; custom values are allowed
INSTRUMENTATION_NAME = "tandem.bus"
TRACEPARENT = "traceparent"

_NO_SPAN = nullcontext(trace.INVALID_SPAN)  # reusable; the whole cost of tracing when it is off


class BusTracer:
    """Makes the spans of publish, process, actor turn and API call; a None provider makes no spans at all."""

    def __init__(self, provider: trace.TracerProvider | None) -> None:
        self._tracer = provider.get_tracer(INSTRUMENTATION_NAME) if provider else None
        # Nobody will see the spans (no exporter, sampler off): carry only the trace context.
        self._context_only = self._tracer is not None and _records_nothing(provider)
        # An explicit instance, not the global propagator that anything in the process could replace.
        self._propagator = TraceContextTextMapPropagator()

    @property
    def recording(self) -> bool:
        """Spans are recorded (someone may export them); otherwise at most the context is carried."""
        return self._tracer is not None and not self._context_only

    def unrecorded_traceparents(self) -> Callable[[], str] | None:
        """For publishes that make no span (`recording` is False): a maker of `traceparent` values.

        Each value names a new span id under the current trace, as the publish span would. None when
        there is nothing to hand on: tracing is off, or no trace is current (see `publish`). The current
        context is read once per call, so a batch of publishes pays one string format per message.
        """
        if self._tracer is None:
            return None
        parent = trace.get_current_span().get_span_context()
        return _traceparent_maker(parent) if parent.is_valid else None

    def publish(
        self,
        subject: str,
        msg_id: str | None,
        headers: dict[str, str],
        *,
        template: str | None = None,
        attributes: Attributes | None = None,
    ) -> AbstractContextManager[Span]:
        """A PRODUCER span; on entry `headers` gets its context (traceparent/tracestate) for the consumer.

        Unrecorded, a publish only hands the current trace on (nothing runs inside it that needs it
        current). With no trace current it hands nothing: a new trace id made here would appear in no
        log line and no exported span, so the consumer's process span starts the trace instead and
        logs correlate from there exactly as before. Ingress publishes are such roots; the effects of
        a turn publish inside its process span and carry its trace on.
        """
        if self._tracer is None:
            return _NO_SPAN
        if self._context_only:
            parent = trace.get_current_span().get_span_context()
            if not parent.is_valid:
                return _NO_SPAN
            context = _unrecorded_child(parent)
            headers[TRACEPARENT] = _format_traceparent(context)
            return nullcontext(NonRecordingSpan(context))
        span_attributes = _messaging("publish", "send", subject, template, msg_id, attributes)
        name = f"publish {template or subject}"
        return _ActiveSpan(
            self._tracer, name, SpanKind.PRODUCER, span_attributes, inject=self._inject(headers)
        )

    def process(
        self,
        subject: str,
        headers: Mapping[str, str] | None,
        *,
        msg_id: str | None,
        consumer: str,
        template: str | None = None,
        attributes: Attributes | None = None,
    ) -> AbstractContextManager[Span]:
        """A CONSUMER span, child of (and linked to) the context in `headers`; a root span without one."""
        if self._tracer is None:
            return _NO_SPAN
        if self._context_only:
            return _ContextOnlyProcess(headers.get(TRACEPARENT) if headers else None)
        # An absent traceparent extracts to an empty context, so the span becomes a root rather than a
        # child of whatever happens to be current in the consumer loop.
        parent = self._propagator.extract(headers or {})
        producer = trace.get_current_span(parent).get_span_context()
        links = [Link(producer, _clean({"messaging.message.id": msg_id}))] if producer.is_valid else None
        span_attributes = _messaging("process", "process", subject, template, msg_id, attributes)
        span_attributes["messaging.consumer.group.name"] = consumer
        name = f"process {template or subject}"
        return _ActiveSpan(self._tracer, name, SpanKind.CONSUMER, span_attributes, parent=parent, links=links)

    def turn(
        self,
        kind: str,
        key: str,
        *,
        message_type: str,
        attributes: Attributes | None = None,
        follows: Mapping[str, str] | None = None,
    ) -> AbstractContextManager[Span]:
        """An INTERNAL span around one actor turn (decide + effects).

        `follows`: the headers of an earlier message this turn carries on (the order a fulfillment
        completes days later); the span links to that trace, as DESIGN §7 asks of flows that wait.
        """
        if self._tracer is None or self._context_only:
            return _NO_SPAN  # unrecorded: the process span around it already carries the context
        earlier = (
            trace.get_current_span(self._propagator.extract(follows)).get_span_context() if follows else None
        )
        links = [Link(earlier)] if earlier is not None and earlier.is_valid else None
        span_attributes = {
            "tandem.actor.kind": kind,
            "tandem.actor.key": key,
            "tandem.message.type": message_type,
            **_clean(attributes),
        }
        return _ActiveSpan(self._tracer, f"turn {kind}", SpanKind.INTERNAL, span_attributes, links=links)

    def client(
        self, system: str, operation: str, attributes: Attributes | None = None
    ) -> AbstractContextManager[Span]:
        """A CLIENT span around one call out to an external API (`shopify`, `netsuite`)."""
        if self._tracer is None:
            return _NO_SPAN
        span_attributes = {"peer.service": system, "tandem.api.operation": operation, **_clean(attributes)}
        return _ActiveSpan(self._tracer, f"{system} {operation}", SpanKind.CLIENT, span_attributes)

    def _inject(self, headers: dict[str, str]) -> Callable[[Context], None]:
        return lambda context: self._propagator.inject(headers, context=context)


def _records_nothing(provider: trace.TracerProvider | None) -> bool:
    return getattr(provider, "sampler", None) is ALWAYS_OFF


def _unrecorded_child(parent: SpanContext) -> SpanContext:
    """A new span's context under `parent`'s trace, or at the root of a new trace if `parent` is invalid."""
    if parent.is_valid:
        return SpanContext(parent.trace_id, _random_id(64), is_remote=False, trace_flags=parent.trace_flags)
    return SpanContext(_random_id(128), _random_id(64), is_remote=False, trace_flags=_UNSAMPLED)


def _format_traceparent(context: SpanContext) -> str:
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def _traceparent_maker(parent: SpanContext) -> Callable[[], str]:
    """`traceparent` values of new unrecorded children of a valid `parent` (formatted only)."""
    rand = random.getrandbits  # all zeros is the invalid id, hence `or 1`
    prefix, suffix = f"00-{parent.trace_id:032x}-", f"-{parent.trace_flags:02x}"
    return lambda: f"{prefix}{rand(64) or 1:016x}{suffix}"


class _ContextOnlyProcess(NonRecordingSpan):
    """The unrecorded CONSUMER span, its own context manager: current while the message is processed
    (log lines and effects published under it see it). Its ids are a new span id under the trace of
    the producer's `traceparent` (a new trace without a valid one), worked out only when something asks:
    most inline turns never do. The SDK's machinery for a span nobody records costs more than a turn."""

    def __init__(self, traceparent: str | None) -> None:  # no SpanContext until asked
        self._traceparent = traceparent
        self._resolved: SpanContext | None = None
        self._token: Token[Context] | None = None

    def get_span_context(self) -> SpanContext:
        if self._resolved is None:
            self._resolved = _unrecorded_child(_parse_traceparent(self._traceparent))
        return self._resolved

    def __enter__(self) -> Span:
        self._token = context_api.attach(trace.set_span_in_context(self))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if self._token is not None:
            context_api.detach(self._token)

    def __repr__(self) -> str:
        return f"NonRecordingSpan({self.get_span_context()!r})"


def _parse_traceparent(value: str | None) -> SpanContext:
    """The producer's span context from a W3C `traceparent` value (invalid when absent or malformed)."""
    parts = value.split("-") if value else ()
    if len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16:
        try:
            return SpanContext(
                int(parts[1], 16),
                int(parts[2], 16),
                is_remote=True,
                trace_flags=TraceFlags(int(parts[3], 16) & 1),
            )
        except ValueError:
            pass
    return INVALID_SPAN_CONTEXT


_UNSAMPLED = TraceFlags(0)


def _random_id(bits: int) -> int:
    return random.getrandbits(bits) or 1  # all zeros is the invalid id


class _ActiveSpan:
    """Starts the span on entry and makes it current; ends it on exit, recording an escaping error.

    A plain class rather than tracer.start_as_current_span: this runs several times per bus message, and
    the SDK's generator-based context managers cost more than the span itself.
    """

    __slots__ = (
        "_attributes",
        "_inject",
        "_kind",
        "_links",
        "_name",
        "_parent",
        "_span",
        "_token",
        "_tracer",
    )

    def __init__(
        self,
        tracer: trace.Tracer,
        name: str,
        kind: SpanKind,
        attributes: dict[str, AttributeValue],
        *,
        parent: Context | None = None,
        links: list[Link] | None = None,
        inject: Callable[[Context], None] | None = None,
    ) -> None:
        self._tracer, self._name, self._kind, self._attributes = tracer, name, kind, attributes
        self._parent, self._links, self._inject = parent, links, inject

    def __enter__(self) -> Span:
        self._span = self._tracer.start_span(
            self._name, context=self._parent, kind=self._kind, attributes=self._attributes, links=self._links
        )
        current = trace.set_span_in_context(self._span)
        self._token = context_api.attach(current)
        if self._inject is not None:
            self._inject(current)
        return self._span

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            if isinstance(exc, Exception):  # cancellation (a BaseException) is not this span's failure
                record_error(self._span, exc)
        finally:
            context_api.detach(self._token)
            self._span.end()


def record_error(span: Span, exc: BaseException) -> None:
    """Mark `span` failed by `exc`: status ERROR, an exception event and `error.type`."""
    error_type = type(exc).__qualname__
    if type(exc).__module__ != "builtins":
        error_type = f"{type(exc).__module__}.{error_type}"
    span.record_exception(exc)
    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))


def _messaging(
    operation_name: str,
    operation_type: str,
    subject: str,
    template: str | None,
    msg_id: str | None,
    attributes: Attributes | None,
) -> dict[str, AttributeValue]:
    extra = _clean(attributes)
    return _clean(
        {
            "messaging.system": MESSAGING_SYSTEM,
            "messaging.operation.name": operation_name,
            "messaging.operation.type": operation_type,
            "messaging.destination.name": subject,
            "messaging.destination.template": template,
            "messaging.message.id": msg_id,  # the Nats-Msg-Id JetStream dedupes on
            # an order's messages form one conversation (architecture.md §4.1)
            "messaging.message.conversation_id": extra.get("tandem.order"),
            **extra,
        }
    )


def _clean(attributes: Attributes | None) -> dict[str, AttributeValue]:
    """Drop None values: the SDK would log a warning for each instead of skipping it quietly."""
    return {key: value for key, value in (attributes or {}).items() if value is not None}
