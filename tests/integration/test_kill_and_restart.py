"""`tandem run` killed with SIGKILL mid-stream and restarted counts every message exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import msgspec
from nats.js.errors import NotFoundError

from actors.counter import CounterState, Forward, Increment
from actors.runtime.persistence import SnapshotStore
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from tests.runtime.helpers import eventually

KEYS = 12
PER_KEY = 200
DURABLE = "actors-counter"


def start_engine(nats_url: str, tmp_path: Path, run: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "TANDEM_DATA_DIR": str(tmp_path / "data"),
        "TANDEM_LOG_JSON": "1",
        "TANDEM_ACK_WAIT": "2",
    }
    with open(tmp_path / f"engine-{run}.log", "wb") as log:  # the child keeps its own copy of the fd
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


async def consumer_ready(bus: Bus) -> bool:
    try:
        info = await bus.js.consumer_info(subjects.STREAM_ACTORS, DURABLE)
    except NotFoundError:
        return False
    return info.num_waiting > 0


def message(i: int) -> Outgoing:
    key = f"k{i % KEYS}"
    # Every third message forwards to a shared key: effects must also land exactly once.
    payload = Forward(to_key="sum", by=1) if i % 3 == 0 else Increment(by=1)
    return Outgoing(subject=subjects.actor("counter", key), envelope=make_envelope(payload, key=key))


async def acked(bus: Bus) -> int:
    info = await bus.js.consumer_info(subjects.STREAM_ACTORS, DURABLE)
    return info.ack_floor.stream_seq or 0


async def test_sigkill_mid_stream_then_restart_counts_every_message_exactly_once(
    bus: Bus, nats_url: str, tmp_path: Path
) -> None:
    total = KEYS * PER_KEY
    first = start_engine(nats_url, tmp_path, 1)
    try:
        await eventually(lambda: consumer_ready(bus), timeout=30, what="first engine ready")
        for start in range(0, total // 2, 100):
            await bus.publish_many([message(i) for i in range(start, start + 100)])
        await eventually(lambda: _more_than(bus, total // 8), timeout=30, what="first engine processing")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert first.returncode == -signal.SIGKILL
        info = await bus.js.consumer_info(subjects.STREAM_ACTORS, DURABLE)
        assert info.num_pending + info.num_ack_pending > 0, "the kill must land mid-stream"
        for start in range(total // 2, total, 100):
            await bus.publish_many([message(i) for i in range(start, start + 100)])
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()

    second = start_engine(nats_url, tmp_path, 2)
    try:

        async def all_done() -> bool:
            info = await bus.js.consumer_info(subjects.STREAM_ACTORS, DURABLE)
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(all_done, timeout=60, what="second engine caught up")
        second.send_signal(signal.SIGTERM)
        with anyio.fail_after(30):
            while second.poll() is None:
                await anyio.sleep(0.05)
        assert second.returncode == 0, (tmp_path / "engine-2.log").read_text()[-3000:]
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()

    store = SnapshotStore(bus, "counter")
    forwards = len([i for i in range(total) if i % 3 == 0])
    states = {}
    for key in [f"k{k}" for k in range(KEYS)] + ["sum"]:
        snapshot = await store.load(key)
        assert snapshot is not None, key
        states[key] = msgspec.json.decode(snapshot.state, type=CounterState)
    for k in range(KEYS):
        assert states[f"k{k}"].messages == PER_KEY
    assert sum(states[f"k{k}"].total for k in range(KEYS)) == total - forwards
    assert states["sum"].total == forwards and states["sum"].messages == forwards


async def _more_than(bus: Bus, n: int) -> bool:
    return await acked(bus) > n
