"""Durable actor throughput vs raw nats-py JetStream, measured in the same run on the same server.

  actor: publish envelopes → JetStream → ActorHost turn (counter actor) → ack, over 1,000 keys
         whose actors are active (each round first activates them: that rate is reported apart)
  raw:   nats-py JetStream publish (pipelined) → pull fetch → ack, no actor layer

Both publish with a Nats-Msg-Id (dedupe at the door, as production does) and consume concurrently
with publishing. Each round runs both sides seconds apart, and which side goes first alternates
from round to round, so that machine noise and drift hit both alike. Many short rounds rather than
a few long ones: on a shared machine another process's burst spoils a round, and the median of
many rounds shrugs it off. The figure per side is the median of its rounds; the ratio is the
median of the per-round ratios. Every rule here is the same for both sides. Last line: one JSON
object, with the per-round ratios.

Rounds are not shorter than 30k messages on purpose: once the publisher runs ~10k messages ahead,
nats-server serves a consumer with a wildcard filter (the actor host's `act.<kind>.*`) by matching
every subject of a stored block per message, which the unfiltered raw consumer never pays; a round
of 30k is as deep in that regime as one of 100k, while a few thousand messages would hide it.

    python bench/runtime.py            # 30k messages a round, 15 rounds
    python bench/runtime.py --quick    # the same rounds, 4 of them (< 60 s)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actors.counter import CounterBehaviour, Increment
from actors.runtime.host import ActorHost, HostConfig
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.connection import connect
from bus.embedded import embedded_nats
from bus.envelope import encode, make_envelope
from bus.streams import STREAMS, StreamSpec, ensure_stream, provision
from bus.tracing import BusTracer
from observability.tracing import configure_tracing

KEYS = 1000
ACTORS_SPEC = next(spec for spec in STREAMS if spec.name == subjects.STREAM_ACTORS)
CHUNK = 500


async def publish_actor_messages(bus: Bus, count: int, round_no: int) -> None:
    keys = [f"r{round_no}-k{i}" for i in range(KEYS)]
    for start in range(0, count, CHUNK):
        batch = [
            Outgoing(subject=subjects.actor("counter", key), envelope=make_envelope(Increment(by=1), key=key))
            for key in (keys[i % KEYS] for i in range(start, min(start + CHUNK, count)))
        ]
        await bus.publish_many(batch)


async def actor_round(bus: Bus, count: int, round_no: int) -> tuple[float, float]:
    """(cold, warm) messages/s: the first message of each key pays its actor's activation (snapshot
    read + log replay check); the measured stream then runs against active actors, as a long-running
    engine's hot keys do."""
    host = ActorHost(bus, CounterBehaviour(), HostConfig(idle_after=3600))
    async with anyio.create_task_group() as tg:
        await tg.start(host.run)
        started = time.perf_counter()
        await publish_actor_messages(bus, KEYS, round_no)  # one per key: every actor activates
        while host.stats.turns < KEYS:
            await anyio.sleep(0.002)
        cold = KEYS / (time.perf_counter() - started)
        started = time.perf_counter()
        tg.start_soon(publish_actor_messages, bus, count, round_no)
        # Polled every 5 ms: little CPU taken from the actor side (the raw side's consumer is the
        # measuring task itself), and the timing ends at most 5 ms late (< 1 % of a quick round).
        while host.stats.turns < KEYS + count:
            await anyio.sleep(0.005)
        elapsed = time.perf_counter() - started
        host.stop()
    return cold, count / elapsed


# The raw side writes to a stream configured exactly like the actor stream (file storage, the same
# duplicate window and retention) and kept across rounds like it, so both pay the same server costs.
RAW_STREAM = StreamSpec(
    name="BENCH_RAW",
    subjects=("bench.raw.>",),
    max_age=ACTORS_SPEC.max_age,
    duplicate_window=ACTORS_SPEC.duplicate_window,
    allow_direct=ACTORS_SPEC.allow_direct,
)
RAW_DURABLE = "raw"


async def prepare_raw(bus: Bus) -> None:
    await ensure_stream(bus.js, RAW_STREAM)
    await bus.js.add_consumer(
        RAW_STREAM.name,
        ConsumerConfig(durable_name=RAW_DURABLE, ack_policy=AckPolicy.EXPLICIT, max_ack_pending=20_000),
    )


async def raw_round(bus: Bus, count: int, round_no: int) -> float:
    js = bus.js
    sub = await js.pull_subscribe_bind(RAW_DURABLE, stream=RAW_STREAM.name)
    payload = encode(make_envelope(Increment(by=1), key="k"))

    async def publish() -> None:
        for start in range(0, count, CHUNK):
            futures = [
                await js.publish_async(
                    f"bench.raw.k{i % KEYS}", payload, headers={"Nats-Msg-Id": f"{round_no}-{i}"}
                )
                for i in range(start, min(start + CHUNK, count))
            ]
            for future in futures:
                await future

    consumed = 0
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        tg.start_soon(publish)
        while consumed < count:
            try:
                msgs = await sub.fetch(256, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            for msg in msgs:
                await msg.ack()
            consumed += len(msgs)
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    return count / elapsed


async def main(quick: bool) -> dict[str, object]:
    count, rounds = (30_000, 4) if quick else (30_000, 15)
    actor_rates: list[float] = []
    cold_rates: list[float] = []
    raw_rates: list[float] = []
    with tempfile.TemporaryDirectory() as data:
        async with embedded_nats(Path(data)) as url:
            nc = await connect(url)
            # Tracing as `tandem run` configures it from the environment (no endpoint: not recorded).
            bus = Bus(nc, BusTracer(configure_tracing("tandem-bench")))
            await provision(bus.js)
            await prepare_raw(bus)
            for round_no in range(rounds):
                raw_first = round_no % 2 == 0
                if raw_first:
                    raw_rates.append(await raw_round(bus, count, round_no))
                cold, warm = await actor_round(bus, count, round_no)
                if not raw_first:
                    raw_rates.append(await raw_round(bus, count, round_no))
                cold_rates.append(cold)
                actor_rates.append(warm)
                print(
                    f"round {round_no + 1}/{rounds} ({'raw' if raw_first else 'actor'} first): "
                    f"raw {raw_rates[-1]:>9,.0f} msg/s   actor {actor_rates[-1]:>9,.0f} msg/s   "
                    f"ratio {warm / raw_rates[-1]:.2f}   ({count:,} messages, {KEYS} keys; "
                    f"activating {KEYS} actors ran at {cold:,.0f} msg/s)",
                    flush=True,
                )
            await bus.close()
    actor = statistics.median(actor_rates)
    raw = statistics.median(raw_rates)
    cold = statistics.median(cold_rates)
    print(f"\n{'path':<16}{'median msg/s':>14}")
    print(f"{'raw':<16}{raw:>14,.0f}\n{'actor':<16}{actor:>14,.0f}\n{'actor, cold':<16}{cold:>14,.0f}")
    # A round's two runs are seconds apart: their ratio cancels most of the machine's drift.
    ratios = [a / b for a, b in zip(actor_rates, raw_rates, strict=True)]
    ratio = statistics.median(ratios)
    print(f"ratio actor/raw per round: {', '.join(f'{x:.2f}' for x in ratios)}; median {ratio:.2f}")
    return {
        "actor_msgs_per_s": round(actor),
        "raw_js_msgs_per_s": round(raw),
        "ratio": round(ratio, 3),
        "round_ratios": [round(x, 3) for x in ratios],
        "cold_activation_msgs_per_s": round(cold),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run that finishes within 60 s")
    args = parser.parse_args()
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    result = anyio.run(main, args.quick, backend_options={"use_uvloop": True})
    print(json.dumps(result))
