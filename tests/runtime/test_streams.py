"""Streams and buckets are created idempotently; a conflicting existing config is reported clearly."""

from __future__ import annotations

import pytest
from nats.js.api import StreamConfig

from bus import subjects
from bus.bus import Bus
from bus.connection import connect
from bus.streams import BUCKETS, STREAMS, ProvisioningConflict, provision


async def test_a_second_provisioning_changes_nothing(bus: Bus) -> None:
    before = {s.name: (await bus.js.stream_info(s.name)).config for s in STREAMS}
    assert await provision(bus.js) == []
    after = {s.name: (await bus.js.stream_info(s.name)).config for s in STREAMS}
    assert before == after
    for bucket in BUCKETS:
        assert (await (await bus.js.key_value(bucket.name)).status()).bucket == bucket.name


async def test_the_duplicate_window_is_raised_above_the_two_minute_default(bus: Bus) -> None:
    info = await bus.js.stream_info(subjects.STREAM_INGRESS)
    assert info.config.duplicate_window >= 3600


async def test_a_conflicting_stream_is_reported_with_what_differs(nats_url: str) -> None:
    nc = await connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=subjects.STREAM_OUTBOX, subjects=["out.only.this"]))
        with pytest.raises(ProvisioningConflict, match=r"TANDEM_OUTBOX.*subjects"):
            await provision(js)
    finally:
        await nc.close()
