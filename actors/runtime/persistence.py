"""Where an actor's durable state lives: a KV snapshot plus its messages in the actor stream after it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
from nats.js.api import RawStreamMsg
from nats.js.errors import KeyNotFoundError, NotFoundError

from actors.runtime.cell import Snapshot
from bus import subjects
from bus.bus import Bus

_snapshot_decoder = msgspec.json.Decoder(Snapshot)
_snapshot_encoder = msgspec.json.Encoder()


def snapshot_key(kind: str, key: str) -> str:
    return f"{kind}.{subjects.encode_token(key)}"


class SnapshotStore:
    """Snapshots of one actor kind in the snapshots bucket."""

    def __init__(self, bus: Bus, kind: str) -> None:
        self._bus = bus
        self._kind = kind

    async def load(self, key: str) -> Snapshot | None:
        kv = await self._bus.kv(subjects.BUCKET_SNAPSHOTS)
        try:
            entry = await kv.get(snapshot_key(self._kind, key))
        except KeyNotFoundError:
            return None
        if entry.value is None:
            return None
        return _snapshot_decoder.decode(entry.value)

    async def save(self, key: str, snapshot: Snapshot) -> None:
        kv = await self._bus.kv(subjects.BUCKET_SNAPSHOTS)
        await kv.put(snapshot_key(self._kind, key), _snapshot_encoder.encode(snapshot))


async def read_log(
    bus: Bus, subject: str, after_seq: int, before_seq: int | None
) -> AsyncIterator[RawStreamMsg]:
    """The messages on `subject` with after_seq < seq < before_seq, in stream order (direct gets)."""
    seq = after_seq + 1
    while before_seq is None or seq < before_seq:
        try:
            raw = await bus.js.get_msg(
                subjects.STREAM_ACTORS, seq=seq, subject=subject, next=True, direct=True
            )
        except NotFoundError:
            return
        if raw.seq is None or (before_seq is not None and raw.seq >= before_seq):
            return
        yield raw
        seq = raw.seq + 1
