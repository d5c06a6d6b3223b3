"""The one seam where the bus and the actors make spans (the httpcore `_trace.py` idea).

W3C trace context travels in NATS headers (a plain dict[str, str] in nats-py). Names and attributes follow
the OpenTelemetry messaging conventions (architecture.md §4.1): `publish <destination>` PRODUCER spans and
`process <destination>` CONSUMER spans whose parent is the producer's context, plus a link to it, so Jaeger
draws a whole flow as one tree while the spec's link is kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

Attributes = Mapping[str, AttributeValue | None]

MESSAGING_SYSTEM = "nats"  # not a well-known value in the conventions; custom values are allowed
INSTRUMENTATION_NAME = "tandem.bus"


class BusTracer:
    """Makes the spans of publish, process, actor turn and API call; a None provider makes no-op spans."""

    def __init__(self, provider: trace.TracerProvider | None) -> None:
        self._tracer = provider.get_tracer(INSTRUMENTATION_NAME) if provider else trace.NoOpTracer()
        # An explicit instance, not the global propagator that anything in the process could replace.
        self._propagator = TraceContextTextMapPropagator()

    @contextmanager
    def publish(
        self,
        subject: str,
        msg_id: str | None,
        headers: dict[str, str],
        *,
        template: str | None = None,
        attributes: Attributes | None = None,
    ) -> Iterator[Span]:
        """A PRODUCER span; `headers` gets its context (traceparent/tracestate) for the consumer."""
        span_attributes = _messaging("publish", "send", subject, template, msg_id, attributes)
        with self._span(f"publish {template or subject}", SpanKind.PRODUCER, span_attributes) as span:
            self._propagator.inject(headers)
            yield span

    @contextmanager
    def process(
        self,
        subject: str,
        headers: Mapping[str, str] | None,
        *,
        msg_id: str | None,
        consumer: str,
        template: str | None = None,
        attributes: Attributes | None = None,
    ) -> Iterator[Span]:
        """A CONSUMER span, child of (and linked to) the context in `headers`; a root span without one."""
        # An absent traceparent extracts to an empty context, so the span becomes a root rather than a
        # child of whatever happens to be current in the consumer loop.
        parent = self._propagator.extract(dict(headers or {}))
        producer = trace.get_current_span(parent).get_span_context()
        links = [Link(producer, _clean({"messaging.message.id": msg_id}))] if producer.is_valid else []
        span_attributes = _messaging("process", "process", subject, template, msg_id, attributes)
        span_attributes["messaging.consumer.group.name"] = consumer
        name = f"process {template or subject}"
        with self._span(name, SpanKind.CONSUMER, span_attributes, parent=parent, links=links) as span:
            yield span

    @contextmanager
    def turn(
        self, kind: str, key: str, *, message_type: str, attributes: Attributes | None = None
    ) -> Iterator[Span]:
        """An INTERNAL span around one actor turn (decide + effects)."""
        span_attributes = {
            "tandem.actor.kind": kind,
            "tandem.actor.key": key,
            "tandem.message.type": message_type,
            **_clean(attributes),
        }
        with self._span(f"turn {kind}", SpanKind.INTERNAL, span_attributes) as span:
            yield span

    @contextmanager
    def client(self, system: str, operation: str, attributes: Attributes | None = None) -> Iterator[Span]:
        """A CLIENT span around one call out to an external API (`shopify`, `netsuite`)."""
        span_attributes = {"peer.service": system, "tandem.api.operation": operation, **_clean(attributes)}
        with self._span(f"{system} {operation}", SpanKind.CLIENT, span_attributes) as span:
            yield span

    @contextmanager
    def _span(
        self,
        name: str,
        kind: SpanKind,
        attributes: dict[str, AttributeValue],
        *,
        parent: Context | None = None,
        links: list[Link] | None = None,
    ) -> Iterator[Span]:
        with self._tracer.start_as_current_span(
            name,
            context=parent,
            kind=kind,
            attributes=attributes,
            links=links,
            record_exception=False,  # record_error below does it, with error.type
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except Exception as exc:  # cancellation (BaseException) is not an error of this span
                record_error(span, exc)
                raise


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
