"""Tracing: the provider built from OTEL_* variables, and the bus's spans, checked where they land.

Every test builds its own provider and hands it over; none touches the global provider (set-once trap,
architecture.md §4.4), so the order the tests run in does not matter.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from bus.tracing import BusTracer, record_error
from observability.tracing import (
    DEFAULT_MAX_QUEUE_SIZE,
    TracingConfigError,
    aflush_tracing,
    ashutdown_tracing,
    batch_settings,
    configure_tracing,
)
from tests.otlp_receiver import OtlpReceiver, ReceivedSpan, otlp_receiver

SKU_TEMPLATE = "act.sku.{sku}"


class TurnFailed(Exception):
    pass


@pytest.fixture
async def receiver() -> AsyncIterator[OtlpReceiver]:
    async with otlp_receiver() as running:
        yield running


@pytest.fixture
async def exporting_provider(receiver: OtlpReceiver) -> AsyncIterator[TracerProvider]:
    provider = configure_tracing("tandem-test", env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint})
    yield provider
    await ashutdown_tracing(provider)


@pytest.fixture
def memory() -> Iterator[tuple[BusTracer, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield BusTracer(provider), exporter
    provider.shutdown()


# --- the provider -------------------------------------------------------------------------------------


async def test_spans_are_exported_over_otlp_http_with_the_service_resource(receiver: OtlpReceiver) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint + "/",
        "OTEL_SERVICE_NAME": "tandem-from-env",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test,service.name=overridden",
    }
    provider = configure_tracing("tandem", env=env)
    try:
        with provider.get_tracer("test").start_as_current_span("hello"):
            pass
        assert await aflush_tracing(provider)
        [span] = await receiver.wait_for(lambda spans: spans)
    finally:
        await ashutdown_tracing(provider)
    assert span.name == "hello"
    assert span.resource["service.name"] == "tandem-from-env"
    assert span.resource["deployment.environment"] == "test"
    assert span.resource["telemetry.sdk.language"] == "python"


async def test_signal_endpoint_headers_and_gzip_come_from_the_given_env(receiver: OtlpReceiver) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.traces_url,
        "OTEL_EXPORTER_OTLP_HEADERS": "x-tandem-token=s3cret",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
    }
    provider = configure_tracing(env=env)
    try:
        with provider.get_tracer("test").start_as_current_span("compressed"):
            pass
        await aflush_tracing(provider)
        await receiver.wait_for(lambda spans: receiver.named("compressed"))
    finally:
        await ashutdown_tracing(provider)
    [request] = receiver.requests
    assert request.headers["Content-Encoding"] == "gzip"
    assert request.headers["x-tandem-token"] == "s3cret"
    assert receiver.spans[0].resource["service.name"] == "tandem"


async def test_without_an_endpoint_spans_exist_but_nothing_is_exported_or_printed(
    receiver: OtlpReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The process environment points at the receiver; only the `env` given may count.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.traces_url)
    caplog.set_level(logging.DEBUG)
    provider = configure_tracing(env={})
    with provider.get_tracer("test").start_as_current_span("local only") as span:
        context = span.get_span_context()
    assert context.is_valid  # logs can still carry trace/span ids
    assert await aflush_tracing(provider)
    await ashutdown_tracing(provider)
    assert receiver.requests == []
    assert [record for record in caplog.records if record.name.startswith("opentelemetry")] == []
    assert capfd.readouterr() == ("", "")


async def test_traces_exporter_none_turns_export_off_even_with_an_endpoint(receiver: OtlpReceiver) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_TRACES_EXPORTER": "none"}
    provider = configure_tracing(env=env)
    with provider.get_tracer("test").start_as_current_span("not exported"):
        pass
    await ashutdown_tracing(provider)
    assert receiver.requests == []


def test_without_an_exporter_unrecorded_spans_still_carry_one_trace_id_across_hops() -> None:
    tracer = BusTracer(configure_tracing(env={}))
    effect_headers: dict[str, str] = {}
    with (
        tracer.process("act.sku.A", None, msg_id="m1", consumer="sku") as first,
        tracer.publish("act.sku.B", "m2", effect_headers) as published,
    ):
        assert not published.is_recording()  # recording what nobody exports would only cost time
    with tracer.process("act.sku.B", effect_headers, msg_id="m2", consumer="sku") as second:
        pass
    trace_ids = {span.get_span_context().trace_id for span in (first, published, second)}
    assert len(trace_ids) == 1 and first.get_span_context().is_valid
    span_ids = {span.get_span_context().span_id for span in (first, published, second)}
    assert len(span_ids) == 3


def test_without_an_exporter_a_root_publish_hands_nothing_on_and_the_consumer_starts_the_trace() -> None:
    # The trace id a root publish would make appears in no log line and no span: not worth a header.
    tracer = BusTracer(configure_tracing(env={}))
    headers: dict[str, str] = {"Nats-Msg-Id": "m"}
    with tracer.publish("act.sku.A", "m", headers) as published:
        assert not published.get_span_context().is_valid
    assert tracer.unrecorded_traceparents() is None
    assert headers == {"Nats-Msg-Id": "m"}
    with tracer.process("act.sku.A", headers, msg_id="m", consumer="sku") as processed:
        assert trace.get_current_span() is processed  # log lines of the turn carry its ids
    assert processed.get_span_context().is_valid


async def test_sampler_comes_from_the_given_env(receiver: OtlpReceiver) -> None:
    exporting = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
    for sampler, sampled in [(None, True), ("always_off", False), ("parentbased_traceidratio", True)]:
        env = exporting if sampler is None else {**exporting, "OTEL_TRACES_SAMPLER": sampler}
        provider = configure_tracing(env=env)
        with provider.get_tracer("test").start_as_current_span(f"sampler {sampler}") as span:
            assert span.get_span_context().trace_flags.sampled is sampled
        await ashutdown_tracing(provider)
    assert sorted(span.name for span in receiver.spans) == [
        "sampler None",
        "sampler parentbased_traceidratio",
    ]


def test_batch_queue_is_raised_for_bus_rates_unless_otel_bsp_says_otherwise() -> None:
    assert batch_settings({}).max_queue_size == DEFAULT_MAX_QUEUE_SIZE > 2048
    configured = batch_settings({"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_SCHEDULE_DELAY": "250"})
    assert configured.max_queue_size == 100
    assert configured.max_export_batch_size == 100  # never above the queue, which the SDK would reject
    assert configured.schedule_delay_ms == 250


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OTEL_TRACES_EXPORTER", "zipkin"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "-5"),
        ("OTEL_TRACES_SAMPLER", "sometimes"),
        ("OTEL_RESOURCE_ATTRIBUTES", "no-equals-sign"),
    ],
)
def test_unusable_settings_are_reported_with_the_variable_name(variable: str, value: str) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", variable: value}
    with pytest.raises(TracingConfigError, match=variable):
        configure_tracing(env=env)


def test_install_global_sets_the_provider_once_and_never_warns() -> None:
    # In a child process: the global provider is set-once for a whole interpreter.
    script = textwrap.dedent(
        """
        from opentelemetry import trace
        from observability.tracing import configure_tracing, install_global
        first, second = configure_tracing(env={}), configure_tracing(env={})
        print(install_global(first), install_global(first), install_global(second))
        print(trace.get_tracer_provider() is first)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False", "True"]
    assert result.stderr == ""


# --- the bus's spans ----------------------------------------------------------------------------------


async def test_publish_process_turn_publish_process_arrives_as_one_trace(
    receiver: OtlpReceiver, exporting_provider: TracerProvider
) -> None:
    tracer = BusTracer(exporting_provider)
    first_headers: dict[str, str] = {}
    with tracer.publish("act.sku.ABC-1", "m1", first_headers, template=SKU_TEMPLATE, attributes=_sku()):
        pass
    assert "traceparent" in first_headers
    effect_headers: dict[str, str] = {}
    with (
        tracer.process("act.sku.ABC-1", first_headers, msg_id="m1", consumer="sku", template=SKU_TEMPLATE),
        tracer.turn("sku", "ABC-1", message_type="StockChanged", attributes=_sku()),
        tracer.publish("out.shopify.shop1.set_inventory", "m2", effect_headers, attributes=_sku()),
    ):
        pass
    with tracer.process("out.shopify.shop1.set_inventory", effect_headers, msg_id="m2", consumer="outbox"):
        pass
    await aflush_tracing(exporting_provider)

    await receiver.wait_for(lambda spans: len(spans) >= 5)
    spans = receiver.spans
    publish, process, turn, effect, effect_process = (_by_name(spans, name) for name in _CHAIN_NAMES)
    assert len({span.trace_id for span in spans}) == 1
    assert publish.parent_span_id is None
    assert process.parent_span_id == publish.span_id
    assert turn.parent_span_id == process.span_id
    assert effect.parent_span_id == turn.span_id
    assert effect_process.parent_span_id == effect.span_id
    assert [(link.span_id, link.attributes) for link in process.links] == [
        (publish.span_id, {"messaging.message.id": "m1"})
    ]
    assert [link.span_id for link in effect_process.links] == [effect.span_id]
    assert [span.kind for span in (publish, process, turn, effect, effect_process)] == [
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
        SpanKind.INTERNAL,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
    ]
    assert publish.attributes == {
        "messaging.system": "nats",
        "messaging.operation.name": "publish",
        "messaging.operation.type": "send",
        "messaging.destination.name": "act.sku.ABC-1",
        "messaging.destination.template": SKU_TEMPLATE,
        "messaging.message.id": "m1",
        "tandem.flow": "inventory",
        "tandem.sku": "ABC-1",
    }
    assert process.attributes == {
        "messaging.system": "nats",
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
        "messaging.destination.name": "act.sku.ABC-1",
        "messaging.destination.template": SKU_TEMPLATE,
        "messaging.message.id": "m1",
        "messaging.consumer.group.name": "sku",
    }
    assert turn.attributes == {
        "tandem.actor.kind": "sku",
        "tandem.actor.key": "ABC-1",
        "tandem.message.type": "StockChanged",
        "tandem.flow": "inventory",
        "tandem.sku": "ABC-1",
    }


async def test_trace_context_survives_a_real_nats_hop_in_message_headers(
    nats_url: str, receiver: OtlpReceiver, exporting_provider: TracerProvider
) -> None:
    tracer = BusTracer(exporting_provider)
    nc = await nats.connect(nats_url)
    try:
        subscription = await nc.subscribe("tandem.test.trace")
        headers = {"Nats-Msg-Id": "m1"}
        with tracer.publish("tandem.test.trace", "m1", headers):
            await nc.publish("tandem.test.trace", b"{}", headers=headers)
        msg = await subscription.next_msg(timeout=5)
        assert msg.headers is not None
        with tracer.process(msg.subject, msg.headers, msg_id=msg.headers["Nats-Msg-Id"], consumer="test"):
            pass
    finally:
        await nc.close()
    await aflush_tracing(exporting_provider)

    await receiver.wait_for(lambda spans: len(spans) >= 2)
    publish = _by_name(receiver.spans, "publish tandem.test.trace")
    process = _by_name(receiver.spans, "process tandem.test.trace")
    assert (process.trace_id, process.parent_span_id) == (publish.trace_id, publish.span_id)
    assert process.attributes["messaging.message.id"] == "m1"


_CHAIN_NAMES = (
    f"publish {SKU_TEMPLATE}",
    f"process {SKU_TEMPLATE}",
    "turn sku",
    "publish out.shopify.shop1.set_inventory",
    "process out.shopify.shop1.set_inventory",
)


def test_process_without_trace_headers_starts_a_new_trace_not_a_child_of_the_consumer_loop(
    memory: tuple[BusTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = memory
    with tracer.turn("loop", "x", message_type="Poll") as unrelated:
        with tracer.process("act.sku.A", None, msg_id=None, consumer="sku"):
            pass
        with tracer.process("act.sku.B", {"traceparent": "garbage"}, msg_id="m", consumer="sku"):
            pass
    for name in ("process act.sku.A", "process act.sku.B"):
        [span] = [span for span in exporter.get_finished_spans() if span.name == name]
        assert span.parent is None
        assert span.links == ()
        assert span.context.trace_id != unrelated.get_span_context().trace_id


def test_a_turn_that_follows_an_earlier_message_links_to_its_trace(
    memory: tuple[BusTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = memory
    order_headers: dict[str, str] = {}
    with tracer.publish("act.order.1001", "created", order_headers) as created:
        pass
    with (
        tracer.process("act.order.1001", {}, msg_id="fulfilled", consumer="order") as fulfilled,
        tracer.turn("order", "1001", message_type="Fulfilled", follows=order_headers) as turn,
    ):
        pass
    [finished_turn] = [span for span in exporter.get_finished_spans() if span.name == "turn order"]
    assert [link.context.span_id for link in finished_turn.links] == [created.get_span_context().span_id]
    assert turn.get_span_context().trace_id == fulfilled.get_span_context().trace_id  # still its own trace
    assert turn.get_span_context().trace_id != created.get_span_context().trace_id


def test_an_exception_in_a_turn_marks_the_turn_and_its_process_span_failed(
    memory: tuple[BusTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = memory
    with (
        pytest.raises(TurnFailed),
        tracer.process("act.order.1", {}, msg_id="m", consumer="order"),
        tracer.turn("order", "1", message_type="OrderCreated"),
    ):
        raise TurnFailed("netsuite said no")
    for span in exporter.get_finished_spans():
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description == "TurnFailed: netsuite said no"
        assert span.attributes is not None
        assert span.attributes["error.type"] == f"{__name__}.TurnFailed"
        assert [event.name for event in span.events] == ["exception"]


def test_record_error_on_a_client_span_names_a_builtin_error_type_plainly(
    memory: tuple[BusTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = memory
    with tracer.client("netsuite", "salesOrder.create", {"tandem.order": "1001"}) as span:
        record_error(span, ValueError("bad total"))
    [finished] = exporter.get_finished_spans()
    assert finished.name == "netsuite salesOrder.create"
    assert finished.kind is SpanKind.CLIENT
    assert finished.status.status_code is StatusCode.ERROR
    assert finished.attributes is not None
    assert finished.attributes["error.type"] == "ValueError"
    assert finished.attributes["peer.service"] == "netsuite"
    assert finished.attributes["tandem.order"] == "1001"


def test_order_becomes_the_conversation_id_and_none_attributes_are_dropped(
    memory: tuple[BusTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = memory
    with tracer.publish("act.order.1001", None, {}, attributes={"tandem.order": "1001", "tandem.sku": None}):
        pass
    [span] = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["messaging.message.conversation_id"] == "1001"
    assert "tandem.sku" not in span.attributes
    assert "messaging.message.id" not in span.attributes


def test_a_tracer_without_provider_makes_no_op_spans_and_injects_nothing() -> None:
    tracer = BusTracer(None)
    headers: dict[str, str] = {}
    with tracer.publish("act.sku.A", "m", headers) as span:
        assert not span.is_recording()
    assert headers == {}
    with tracer.process("act.sku.A", headers, msg_id="m", consumer="sku") as span:
        assert not span.get_span_context().is_valid


def _sku() -> dict[str, str]:
    return {"tandem.flow": "inventory", "tandem.sku": "ABC-1"}


def _by_name(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    [span] = [span for span in spans if span.name == name]
    return span
