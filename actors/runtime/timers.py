"""Durable actor timers: kept in KV so they survive restarts, fired as messages to the actor's subject."""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
import structlog
from nats.js.errors import KeyNotFoundError, NoKeysError

from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope, payload_type_name

log = structlog.get_logger(__name__)


class TimerRecord(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    key: str
    timer_id: str
    at: float
    type_name: str
    payload: msgspec.Raw  # the payload as JSON, so records decode without knowing the kind's types


def timer_kv_key(kind: str, key: str, timer_id: str) -> str:
    return f"{kind}.{subjects.encode_token(key)}.{subjects.encode_token(timer_id)}"


def fired_message_id(kind: str, key: str, timer_id: str, at: float) -> str:
    """Stable id of a timer's firing: firing twice (a crash after publish) dedupes."""
    return f"timer.{kind}.{subjects.encode_token(key)}.{subjects.encode_token(timer_id)}.{at!r}"


_record_decoder = msgspec.json.Decoder(TimerRecord)
_encoder = msgspec.json.Encoder()


class TimerService:
    """Timers of one actor kind. `schedule`/`cancel` are called from turns; `run` fires them."""

    def __init__(self, bus: Bus, kind: str, *, clock: Callable[[], float] = time.time) -> None:
        self._bus = bus
        self._kind = kind
        self._clock = clock
        self._heap: list[tuple[float, str, str]] = []
        self._due: dict[tuple[str, str], TimerRecord] = {}
        self._changed = anyio.Event()

    async def schedule(self, key: str, timer_id: str, at: float, payload: Any) -> None:
        record = TimerRecord(
            kind=self._kind,
            key=key,
            timer_id=timer_id,
            at=at,
            type_name=payload_type_name(payload),
            payload=msgspec.Raw(_encoder.encode(payload)),
        )
        kv = await self._bus.kv(subjects.BUCKET_TIMERS)
        await kv.put(timer_kv_key(self._kind, key, timer_id), _encoder.encode(record))
        self._remember(record)

    async def cancel(self, key: str, timer_id: str) -> None:
        self._due.pop((key, timer_id), None)
        kv = await self._bus.kv(subjects.BUCKET_TIMERS)
        with contextlib.suppress(KeyNotFoundError):  # already fired or never set: cancelling is idempotent
            await kv.delete(timer_kv_key(self._kind, key, timer_id))

    def pending(self) -> int:
        return len(self._due)

    def _remember(self, record: TimerRecord) -> None:
        self._due[(record.key, record.timer_id)] = record
        heapq.heappush(self._heap, (record.at, record.key, record.timer_id))
        self._changed.set()

    async def load(self) -> None:
        """Recover the timers of this kind from KV (after a restart)."""
        kv = await self._bus.kv(subjects.BUCKET_TIMERS)
        try:
            keys = await kv.keys()
        except NoKeysError:
            return
        for name in (k for k in keys if k.startswith(f"{self._kind}.")):
            try:
                entry = await kv.get(name)
            except KeyNotFoundError:
                continue
            if entry.value:
                self._remember(_record_decoder.decode(entry.value))
        log.info("timers.loaded", kind=self._kind, count=len(self._due))

    async def run(self) -> None:
        """Fire due timers forever: publish the payload to the actor, then forget the timer."""
        while True:
            self._changed = anyio.Event()
            delay = self._next_delay()
            if delay is None or delay > 0:
                with anyio.move_on_after(delay if delay is not None else 3600):
                    await self._changed.wait()
                continue
            at, key, timer_id = heapq.heappop(self._heap)
            record = self._due.get((key, timer_id))
            if record is None or record.at != at:
                continue  # cancelled or replaced since it was scheduled
            await self._fire(record)

    def _next_delay(self) -> float | None:
        while self._heap:
            at, key, timer_id = self._heap[0]
            record = self._due.get((key, timer_id))
            if record is None or record.at != at:
                heapq.heappop(self._heap)
                continue
            return at - self._clock()
        return None

    async def _fire(self, record: TimerRecord) -> None:
        envelope = make_envelope(
            record.payload,
            key=record.key,
            id=fired_message_id(self._kind, record.key, record.timer_id, record.at),
            at=record.at,
            type_name=record.type_name,
        )
        await self._bus.publish(Outgoing(subject=subjects.actor(self._kind, record.key), envelope=envelope))
        if self._due.get((record.key, record.timer_id)) is record:
            del self._due[(record.key, record.timer_id)]
            kv = await self._bus.kv(subjects.BUCKET_TIMERS)
            with contextlib.suppress(KeyNotFoundError):
                await kv.delete(timer_kv_key(self._kind, record.key, record.timer_id))
        log.debug("timers.fired", kind=self._kind, key=record.key, timer_id=record.timer_id)
