"""A small OTLP/HTTP trace receiver for tests: what an exporter really sent, as plain records.

async with otlp_receiver() as receiver:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
    ...
    spans = await receiver.wait_for(lambda spans: [s for s in spans if s.name == "turn sku"])
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import msgspec
from aiohttp import web
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.trace import SpanKind, StatusCode

T = TypeVar("T")

PROTOBUF = "application/x-protobuf"
TRACES_PATH = "/v1/traces"


class ReceivedLink(msgspec.Struct, frozen=True):
    trace_id: str
    span_id: str
    attributes: dict[str, Any]


class ReceivedEvent(msgspec.Struct, frozen=True):
    name: str
    attributes: dict[str, Any]


class ReceivedSpan(msgspec.Struct, frozen=True):
    trace_id: str  # 32 lowercase hex digits, as in a traceparent header
    span_id: str  # 16 lowercase hex digits
    parent_span_id: str | None
    name: str
    kind: SpanKind
    attributes: dict[str, Any]
    links: tuple[ReceivedLink, ...]
    events: tuple[ReceivedEvent, ...]
    status_code: StatusCode
    status_message: str
    resource: dict[str, Any]
    scope: str


class ReceivedRequest(msgspec.Struct, frozen=True):
    """One export POST: its headers (to check OTEL_EXPORTER_OTLP_HEADERS, compression) and span count."""

    headers: dict[str, str]
    span_count: int


class OtlpReceiver:
    """Collects spans POSTed to /v1/traces; `wait_for` waits for a condition on them with a deadline."""

    def __init__(self) -> None:
        self.endpoint = ""  # base URL for OTEL_EXPORTER_OTLP_ENDPOINT, set once listening
        self.spans: list[ReceivedSpan] = []
        self.requests: list[ReceivedRequest] = []
        self._changed = anyio.Event()

    @property
    def traces_url(self) -> str:
        """The full signal URL, for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT."""
        return f"{self.endpoint}{TRACES_PATH}"

    async def wait_for(self, predicate: Callable[[list[ReceivedSpan]], T], timeout_s: float = 10.0) -> T:
        """The first truthy value of `predicate(spans)`, re-evaluated on every export; TimeoutError after."""
        try:
            with anyio.fail_after(timeout_s):
                while not (result := predicate(self.spans)):
                    await self._changed.wait()
                return result
        except TimeoutError:
            names = sorted({span.name for span in self.spans})
            raise TimeoutError(
                f"condition not met in {timeout_s}s; received {len(self.spans)} spans: {names}"
            ) from None

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [span for span in self.spans if span.trace_id == trace_id]

    def named(self, name: str) -> list[ReceivedSpan]:
        return [span for span in self.spans if span.name == name]

    async def handle_export(self, request: web.Request) -> web.Response:
        if request.content_type != PROTOBUF:
            return web.Response(status=415, text=f"expected {PROTOBUF}, got {request.content_type}")
        # aiohttp has already undone a gzip/deflate Content-Encoding (the exporter's OTLP compression).
        body = await request.read()
        try:
            export = ExportTraceServiceRequest.FromString(body)
        except DecodeError as exc:
            return web.Response(status=400, text=f"not an ExportTraceServiceRequest: {exc}")
        received = _spans_of(export)
        self.spans.extend(received)
        self.requests.append(ReceivedRequest(headers=dict(request.headers), span_count=len(received)))
        self._changed.set()
        self._changed = anyio.Event()  # one event per change: waiters re-check, later ones wait afresh
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(), content_type=PROTOBUF)


@asynccontextmanager
async def otlp_receiver() -> AsyncIterator[OtlpReceiver]:
    """Serve an OtlpReceiver on 127.0.0.1 at a free port for the duration of the block."""
    receiver = OtlpReceiver()
    app = web.Application(client_max_size=64 * 1024 * 1024)  # the exporter's own request limit
    app.router.add_post(TRACES_PATH, receiver.handle_export)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        receiver.endpoint = f"http://{host}:{port}"
        yield receiver
    finally:
        await runner.cleanup()


def _spans_of(export: ExportTraceServiceRequest) -> list[ReceivedSpan]:
    spans: list[ReceivedSpan] = []
    for resource_spans in export.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            spans.extend(_span(span, resource, scope_spans.scope.name) for span in scope_spans.spans)
    return spans


def _span(span: trace_pb2.Span, resource: dict[str, Any], scope: str) -> ReceivedSpan:
    # Proto kinds are the API's plus one (0 is UNSPECIFIED, which the spec says to read as INTERNAL).
    kind = SpanKind(span.kind - 1) if span.kind else SpanKind.INTERNAL
    return ReceivedSpan(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex() or None,
        name=span.name,
        kind=kind,
        attributes=_attributes(span.attributes),
        links=tuple(
            ReceivedLink(link.trace_id.hex(), link.span_id.hex(), _attributes(link.attributes))
            for link in span.links
        ),
        events=tuple(ReceivedEvent(event.name, _attributes(event.attributes)) for event in span.events),
        status_code=StatusCode(span.status.code),
        status_message=span.status.message,
        resource=resource,
        scope=scope,
    )


def _attributes(key_values: Sequence[KeyValue]) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in key_values}


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return tuple(_value(item) for item in value.array_value.values)
    if which == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, which)
