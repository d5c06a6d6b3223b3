"""Trace context through actor turns when no span is recorded (no exporter): what logs correlate on.

The runtime's lean paths (a lazily built process span, publishes without a per-message context
manager) must still give a turn's log lines trace ids and carry the turn's trace on to its effects.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator, Sequence

import anyio
import msgspec
import pytest
import structlog

from actors.behaviour import Effect, Send
from actors.runtime.host import ActorHost, HostConfig
from bus import subjects
from bus.bus import Bus
from bus.connection import connect
from bus.envelope import Envelope
from bus.streams import provision
from bus.tracing import BusTracer
from observability.logging import configure_logging
from observability.tracing import configure_tracing
from tests.runtime.helpers import eventually, send

log = structlog.get_logger(__name__)


class Relay(msgspec.Struct, tag="relay", frozen=True):
    to_key: str | None = None


class Relaying:
    """Logs one line per turn and passes a relay on to `to_key`, once."""

    kind = "relay"
    message_type = Relay
    state_type = int

    def initial(self, key: str) -> int:
        return 0

    def decide(self, state: int, message: Envelope[Relay]) -> tuple[int, Sequence[Effect]]:
        log.info("relay.turn", key=message.key)
        to_key = message.payload.to_key
        return state + 1, () if to_key is None else (Send(kind="relay", key=to_key, payload=Relay()),)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging(json=True, stream=out)
    yield out
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.fixture
async def unrecorded_bus(nats_url: str) -> AsyncIterator[Bus]:
    """A bus traced as `tandem run` is without an OTLP endpoint: context only, nothing recorded."""
    the_bus = Bus(await connect(nats_url), BusTracer(configure_tracing("tandem-test", env={})))
    assert not the_bus.tracer.recording
    await provision(the_bus.js)
    try:
        yield the_bus
    finally:
        await the_bus.close()


async def test_a_turn_logs_with_a_trace_id_that_its_effect_carries_to_the_next_turn(
    unrecorded_bus: Bus, log_lines: io.StringIO
) -> None:
    host = ActorHost(unrecorded_bus, Relaying(), HostConfig(idle_after=3600))
    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        await send(unrecorded_bus, "relay", "first", Relay(to_key="second"))
        await eventually(lambda: host.stats.turns >= 2, what="both turns")
        host.stop()

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    turns = {line["key"]: line for line in lines if line["event"] == "relay.turn"}
    assert set(turns) == {"first", "second"}
    first, second = turns["first"], turns["second"]
    assert len(first["trace_id"]) == 32 and len(first["span_id"]) == 16
    assert second["trace_id"] == first["trace_id"], "the effect carried the first turn's trace on"
    assert second["span_id"] != first["span_id"]

    root = await unrecorded_bus.js.get_last_msg(subjects.STREAM_ACTORS, subjects.actor("relay", "first"))
    effect = await unrecorded_bus.js.get_last_msg(subjects.STREAM_ACTORS, subjects.actor("relay", "second"))
    # A root publish hands no trace on (its id would be in no log line); the turn starts it.
    assert "traceparent" not in (root.headers or {})
    assert effect.headers is not None
    assert effect.headers["traceparent"].split("-")[1] == first["trace_id"]
