"""The streams and KV buckets Tandem needs, created idempotently at start.

A second start against the same server changes nothing; an existing stream whose configuration
conflicts with ours is reported with the fields that differ, never silently "fixed".
"""

from __future__ import annotations

import msgspec
import structlog
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError

from bus import subjects

log = structlog.get_logger(__name__)

DAY = 24 * 3600.0


class StreamSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    subjects: tuple[str, ...]
    max_age: float
    # Long enough to cover every retry horizon of the sender (reference §3.2): dedupe at the door.
    duplicate_window: float
    allow_direct: bool = False

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=self.max_age,
            duplicate_window=self.duplicate_window,
            allow_direct=self.allow_direct,
        )


class BucketSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    history: int = 1
    ttl: float | None = None


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(name=subjects.STREAM_INGRESS, subjects=("evt.>",), max_age=7 * DAY, duplicate_window=DAY),
    # The actor log is also the actors' event store: replay after a snapshot reads it by subject (direct get).
    StreamSpec(
        name=subjects.STREAM_ACTORS,
        subjects=("act.>",),
        max_age=7 * DAY,
        duplicate_window=3600.0,
        allow_direct=True,
    ),
    StreamSpec(name=subjects.STREAM_OUTBOX, subjects=("out.>",), max_age=7 * DAY, duplicate_window=DAY),
    StreamSpec(name=subjects.STREAM_DLQ, subjects=("dlq.>",), max_age=30 * DAY, duplicate_window=DAY),
    StreamSpec(
        name=subjects.STREAM_AUDIT,
        subjects=(subjects.AUDIT, subjects.ALERTS),
        max_age=90 * DAY,
        duplicate_window=120.0,
    ),
)

BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec(name=subjects.BUCKET_SNAPSHOTS),
    BucketSpec(name=subjects.BUCKET_TIMERS),
    BucketSpec(name=subjects.BUCKET_CURSORS, history=5),
)


class ProvisioningConflict(RuntimeError):
    """An existing stream or bucket is configured differently from what Tandem needs."""


def _differences(spec: StreamSpec, existing: StreamConfig) -> list[str]:
    wanted = spec.config()
    diffs = []
    if sorted(existing.subjects or []) != sorted(wanted.subjects or []):
        diffs.append(f"subjects: have {existing.subjects}, want {wanted.subjects}")
    if existing.retention != wanted.retention:
        diffs.append(f"retention: have {existing.retention}, want {wanted.retention}")
    if existing.storage != wanted.storage:
        diffs.append(f"storage: have {existing.storage}, want {wanted.storage}")
    if abs((existing.max_age or 0) - (wanted.max_age or 0)) > 1e-3:
        diffs.append(f"max_age: have {existing.max_age}s, want {wanted.max_age}s")
    if abs((existing.duplicate_window or 0) - wanted.duplicate_window) > 1e-3:
        diffs.append(f"duplicate_window: have {existing.duplicate_window}s, want {wanted.duplicate_window}s")
    if bool(existing.allow_direct) != bool(wanted.allow_direct):
        diffs.append(f"allow_direct: have {existing.allow_direct}, want {wanted.allow_direct}")
    return diffs


async def ensure_stream(js: JetStreamContext, spec: StreamSpec) -> bool:
    """Create the stream if missing; True when created. Raises ProvisioningConflict on a mismatch."""
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        await js.add_stream(spec.config())
        log.info("bus.stream_created", stream=spec.name, subjects=list(spec.subjects))
        return True
    diffs = _differences(spec, info.config)
    if diffs:
        raise ProvisioningConflict(
            f"stream {spec.name} exists with a conflicting configuration: " + "; ".join(diffs)
        )
    return False


async def ensure_bucket(js: JetStreamContext, spec: BucketSpec) -> bool:
    """Create the KV bucket if missing; True when created. Raises ProvisioningConflict on a mismatch."""
    try:
        kv = await js.key_value(spec.name)
    except BucketNotFoundError:
        await js.create_key_value(
            bucket=spec.name, history=spec.history, ttl=spec.ttl, storage=StorageType.FILE
        )
        log.info("bus.bucket_created", bucket=spec.name)
        return True
    status = await kv.status()
    if status.history != spec.history:
        raise ProvisioningConflict(
            f"KV bucket {spec.name} exists with history={status.history}, want {spec.history}"
        )
    return False


async def provision(
    js: JetStreamContext,
    streams: tuple[StreamSpec, ...] = STREAMS,
    buckets: tuple[BucketSpec, ...] = BUCKETS,
) -> list[str]:
    """Ensure every stream and bucket exists; returns the names created now (empty on a second start)."""
    created = [s.name for s in streams if await ensure_stream(js, s)]
    created += [b.name for b in buckets if await ensure_bucket(js, b)]
    return created
