"""configure_logging: JSON or console, trace ids inside spans, secrets redacted, stdlib routed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from observability.logging import configure_logging

SECRET = "shpat_0123456789abcdef"
OTHER_SECRET = "ns-consumer-secret-42"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Leave the process's logging as we found it, whatever a test configured."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    structlog.reset_defaults()


class TerminalStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_events_are_json_lines_with_level_and_iso_timestamp() -> None:
    out = io.StringIO()
    configure_logging(json=True, stream=out)
    structlog.get_logger("tandem.test").info("order.upserted", order=1001, netsuite_id="SO-7")
    (line,) = json_lines(out)
    assert line["event"] == "order.upserted"
    assert (line["order"], line["netsuite_id"], line["level"]) == (1001, "SO-7", "info")
    assert line["logger"] == "tandem.test"
    assert datetime.fromisoformat(line["timestamp"]).tzinfo is not None
    assert "trace_id" not in line and "span_id" not in line  # no span is current


def test_a_line_logged_inside_a_span_carries_its_trace_and_span_ids() -> None:
    out = io.StringIO()
    configure_logging(json=True, stream=out)
    tracer = TracerProvider().get_tracer("test")  # our own provider: the global one is never touched
    with tracer.start_as_current_span("actor.turn") as span:
        structlog.get_logger().info("sku.recomputed", sku="A-1")
        logging.getLogger("nats.aio").warning("slow consumer")
    context = span.get_span_context()
    lines = json_lines(out)
    assert len(lines) == 2
    for line in lines:
        assert line["trace_id"] == format(context.trace_id, "032x")
        assert line["span_id"] == format(context.span_id, "016x")
        assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16


def test_configured_secrets_are_redacted_wherever_they_appear() -> None:
    out = io.StringIO()
    configure_logging(json=True, stream=out, secrets=[SECRET, OTHER_SECRET, ""])
    log = structlog.get_logger()
    log.info(
        f"calling with {SECRET}",
        url=f"https://shop/admin?token={SECRET}",
        request={"headers": {"X-Note": f"Bearer {SECRET}"}, "tries": [1, OTHER_SECRET]},
        attempt=3,
        ok=True,
    )
    (line,) = json_lines(out)
    assert SECRET not in out.getvalue() and OTHER_SECRET not in out.getvalue()
    assert line["event"] == "calling with ***"
    assert line["url"] == "https://shop/admin?token=***"
    assert line["request"] == {"headers": {"X-Note": "Bearer ***"}, "tries": [1, "***"]}
    assert (line["attempt"], line["ok"]) == (3, True)


def test_values_of_secret_named_keys_are_redacted_even_when_not_configured() -> None:
    out = io.StringIO()
    configure_logging(json=True, stream=out)
    structlog.get_logger().info(
        "netsuite.request",
        password="hunter2",
        access_token="abc",
        headers={"Authorization": "OAuth realm=1", "Accept": "application/json"},
        client_secret=None,
    )
    (line,) = json_lines(out)
    assert (line["password"], line["access_token"]) == ("***", "***")
    assert line["headers"] == {"Authorization": "***", "Accept": "application/json"}
    assert line["client_secret"] is None
    assert "hunter2" not in out.getvalue()


def test_secrets_inside_tracebacks_objects_and_stdlib_records_are_redacted() -> None:
    out = io.StringIO()
    configure_logging(json=True, stream=out, secrets=[SECRET])

    class Credentials:
        def __repr__(self) -> str:
            return f"Credentials({SECRET})"

    try:
        raise RuntimeError(f"401 for token {SECRET}")
    except RuntimeError:
        structlog.get_logger().exception("shopify.call_failed", credentials=Credentials())
    logging.getLogger("aiohttp.client").error("GET %s failed", f"https://x/?k={SECRET}")
    failed, stdlib = json_lines(out)
    assert SECRET not in out.getvalue()
    assert "RuntimeError: 401 for token ***" in failed["exception"]
    assert failed["credentials"] == "Credentials(***)"
    assert stdlib["event"] == "GET https://x/?k=*** failed"
    assert (stdlib["logger"], stdlib["level"]) == ("aiohttp.client", "error")


def test_console_mode_prints_readable_key_value_lines() -> None:
    out = io.StringIO()
    configure_logging(json=False, stream=out, secrets=[SECRET])
    structlog.get_logger().warning("order.on_hold", order=1001, reason="unknown sku", token=SECRET)
    text = out.getvalue()
    assert text.count("\n") == 1
    assert "order.on_hold" in text and "order=1001" in text and "reason='unknown sku'" in text
    assert "warning" in text and "token=***" in text and SECRET not in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_the_format_follows_whether_the_stream_is_a_terminal() -> None:
    pipe, terminal = io.StringIO(), TerminalStream()
    configure_logging(stream=pipe)
    structlog.get_logger().info("bus.connected")
    configure_logging(stream=terminal)
    structlog.get_logger().info("bus.connected")
    assert json_lines(pipe)[0]["event"] == "bus.connected"
    assert "bus.connected" in terminal.getvalue() and not terminal.getvalue().startswith("{")


def test_configuring_twice_replaces_the_pipeline_instead_of_doubling_it() -> None:
    first, second = io.StringIO(), io.StringIO()
    log = structlog.get_logger("tandem.twice")
    configure_logging(json=True, stream=first)
    log.info("one")
    configure_logging(json=True, stream=second, secrets=[SECRET])
    log.info("two", note=SECRET)
    logging.getLogger("other").info("three")
    assert [line["event"] for line in json_lines(first)] == ["one"]
    assert [line["event"] for line in json_lines(second)] == ["two", "three"]
    assert json_lines(second)[0]["note"] == "***"
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "tandem.observability.logging"]
    assert len(ours) == 1


def test_events_below_the_level_are_dropped() -> None:
    out = io.StringIO()
    configure_logging(level="warning", json=True, stream=out)
    structlog.get_logger().info("noise")
    logging.getLogger("nats").debug("noise")
    structlog.get_logger().error("signal")
    assert [line["event"] for line in json_lines(out)] == ["signal"]


def test_an_unknown_level_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        configure_logging(level="LOUD", stream=io.StringIO())


def test_loggers_already_in_use_follow_a_new_configuration() -> None:
    first, second = io.StringIO(), io.StringIO()
    log = structlog.get_logger("tandem.cached")
    configure_logging(level="DEBUG", json=True, stream=first)
    log.debug("seen")
    configure_logging(level="WARNING", json=False, stream=second)
    log.info("dropped now")
    log.warning("rendered for the console")
    assert [line["event"] for line in json_lines(first)] == ["seen"]
    assert "dropped now" not in second.getvalue()
    assert "rendered for the console" in second.getvalue() and not second.getvalue().startswith("{")


def test_positional_arguments_and_bound_context_are_rendered() -> None:
    out = io.StringIO()
    configure_logging(json=True, stream=out)
    structlog.get_logger().bind(flow="orders").info("retry %d of %d", 2, 5)
    (line,) = json_lines(out)
    assert (line["event"], line["flow"]) == ("retry 2 of 5", "orders")
    assert "logger" not in line  # an unnamed logger adds no name
