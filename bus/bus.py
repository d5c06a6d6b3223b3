"""The bus facade the rest of Tandem uses: durable publish (traced, deduplicated), KV, dead letters."""

from __future__ import annotations

import asyncio
import traceback as tb
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import msgspec
import nats.errors
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.kv import KeyValue

from bus import subjects
from bus.envelope import Envelope, encode
from bus.tracing import TRACEPARENT, BusTracer

log = structlog.get_logger(__name__)

MSG_ID = "Nats-Msg-Id"

# Failures of NATS itself, not of the message being handled: retried with backoff, never dead-lettered.
INFRA_ERRORS = (nats.errors.Error, TimeoutError, ConnectionError)
PUBLISH_TIMEOUT = 10.0


class Outgoing(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One message to publish durably; `msg_id` deduplicates it in JetStream (default: envelope id).

    Untracked by the garbage collector, like Envelope: one per message sent, never part of a cycle.
    """

    subject: str
    envelope: Envelope[Any]
    msg_id: str | None = None
    template: str | None = None
    attributes: Mapping[str, Any] | None = None


class Bus:
    """A connected NATS client with JetStream, the KV buckets and the bus tracer."""

    def __init__(self, nc: Client, tracer: BusTracer, *, publish_timeout: float = PUBLISH_TIMEOUT) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream(publish_async_max_pending=20_000)
        self.tracer = tracer
        self._publish_timeout = publish_timeout
        self._buckets: dict[str, KeyValue] = {}

    async def kv(self, bucket: str) -> KeyValue:
        if bucket not in self._buckets:
            self._buckets[bucket] = await self.js.key_value(bucket)
        return self._buckets[bucket]

    async def publish(self, item: Outgoing) -> PubAck:
        """Publish one message and wait for JetStream to store it."""
        (ack,) = await self.publish_many((item,))
        return ack

    async def publish_many(self, items: Sequence[Outgoing]) -> list[PubAck]:
        """Pipeline the publishes (reference §3.2), then wait for every ack within the deadline."""
        if self.tracer.recording:
            futures = [await self._publish_traced(item) for item in items]
        else:
            # No span is recorded: a message published inside a trace still carries it on (logs
            # correlate across hops), made without a per-message context manager; see
            # BusTracer.publish for the root publish that carries none. The hot path of every actor.
            traceparent = self.tracer.unrecorded_traceparents()
            publish = self.js.publish_async
            futures = []
            for item in items:
                headers = {MSG_ID: item.msg_id or item.envelope.id}
                if traceparent is not None:
                    headers[TRACEPARENT] = traceparent()
                futures.append(await publish(item.subject, encode(item.envelope), headers=headers))
        with anyio.fail_after(self._publish_timeout):
            return [await future for future in futures]

    async def _publish_traced(self, item: Outgoing) -> asyncio.Future[PubAck]:
        msg_id = item.msg_id or item.envelope.id
        headers = {MSG_ID: msg_id}
        with self.tracer.publish(
            item.subject, msg_id, headers, template=item.template, attributes=item.attributes
        ):
            return await self.js.publish_async(item.subject, encode(item.envelope), headers=headers)

    async def publish_raw(self, subject: str, data: bytes, headers: dict[str, str]) -> PubAck:
        """Publish bytes as they are (dead letters, retries from the DLQ), awaiting the JetStream ack."""
        return await self.js.publish(subject, data, headers=headers, timeout=self._publish_timeout)

    async def dead_letter(
        self,
        *,
        origin_subject: str,
        data: bytes,
        headers: Mapping[str, str] | None,
        reason: str,
        error: BaseException | str,
        origin_seq: int | None = None,
        consumer: str | None = None,
    ) -> PubAck:
        """Park a message on the dead-letter stream with why it failed; it is never silently lost."""
        dl_headers = {k: v for k, v in (headers or {}).items() if k != MSG_ID}
        detail = "".join(tb.format_exception(error)) if isinstance(error, BaseException) else str(error)
        dl_headers.update(
            {
                "Tandem-Dlq-Reason": reason,
                "Tandem-Dlq-Error": _one_line(error)[:1000],
                # JSON-escaped so the multi-line traceback fits in one header line
                "Tandem-Dlq-Traceback": msgspec.json.encode(detail[-8000:]).decode(),
                "Tandem-Dlq-Origin-Subject": origin_subject,
                "Tandem-Dlq-Origin-Seq": str(origin_seq or 0),
                "Tandem-Dlq-Consumer": consumer or "",
            }
        )
        if origin_seq:
            # A crash between dead-lettering and acking would otherwise park the message twice.
            dl_headers[MSG_ID] = f"dlq:{origin_subject}:{origin_seq}"
        log.warning("bus.dead_lettered", origin_subject=origin_subject, reason=reason, error=_one_line(error))
        # The body is the original bytes, untouched, so an operator can fix and retry it as it was.
        return await self.publish_raw(subjects.dead_letter(origin_subject), data, dl_headers)

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.drain()


def _one_line(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}".replace("\n", " ")
    return error.replace("\n", " ")
