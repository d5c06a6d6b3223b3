"""A publish → actor turn → effect → turn chain through real NATS arrives over OTLP/HTTP as one trace."""

from __future__ import annotations

import anyio

from actors.counter import CounterBehaviour, Forward
from actors.runtime.host import ActorHost, HostConfig
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.connection import connect
from bus.envelope import make_envelope
from bus.streams import provision
from bus.tracing import BusTracer
from observability.tracing import aflush_tracing, ashutdown_tracing, configure_tracing
from tests.otlp_receiver import ReceivedSpan, otlp_receiver
from tests.runtime.helpers import eventually


async def test_one_flow_through_two_actors_is_one_trace_in_the_otlp_receiver(nats_url: str) -> None:
    async with otlp_receiver() as receiver:
        provider = configure_tracing("tandem-test", env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint})
        nc = await connect(nats_url)
        bus = Bus(nc, BusTracer(provider))
        await provision(bus.js)
        host = ActorHost(bus, CounterBehaviour(), HostConfig())
        try:
            async with anyio.create_task_group() as tg:
                await tg.start(host.run)
                env = make_envelope(Forward(to_key="b", by=1), key="a")
                await bus.publish(
                    Outgoing(
                        subject=subjects.actor("counter", "a"), envelope=env, template="act.counter.{key}"
                    )
                )
                await eventually(lambda: host.stats.turns == 2)
                host.stop()
            await aflush_tracing(provider)

            def whole_flow(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
                turns = [s for s in spans if s.name == "turn counter"]
                return spans if len(turns) == 2 else []

            spans = await receiver.wait_for(whole_flow)
        finally:
            await bus.close()
            await ashutdown_tracing(provider)

    assert len({s.trace_id for s in spans}) == 1, "the whole flow is one trace"
    by_id = {s.span_id: s for s in spans}
    root = [s for s in spans if s.parent_span_id is None]
    assert [s.name for s in root] == ["publish act.counter.{key}"]

    def chain_of(span: ReceivedSpan) -> list[str]:
        names = []
        current: ReceivedSpan | None = span
        while current is not None:
            names.append(current.name)
            current = by_id.get(current.parent_span_id) if current.parent_span_id else None
        return list(reversed(names))

    deepest = max((s for s in spans if s.name == "turn counter"), key=lambda s: len(chain_of(s)))
    assert chain_of(deepest) == [
        "publish act.counter.{key}",
        "process act.counter.{key}",
        "publish act.counter.{key}",  # the Forward's effect, published inside the first turn's process span
        "process act.counter.{key}",
        "turn counter",
    ]
    process = next(s for s in spans if s.name == "process act.counter.{key}")
    assert process.attributes["messaging.system"] == "nats"
    assert process.attributes["messaging.consumer.group.name"] == "actors-counter"
    assert process.links, "the process span also links to the producer context"
