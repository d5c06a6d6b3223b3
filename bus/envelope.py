"""The one envelope every bus message travels in, encoded and decoded once at the bus."""

from __future__ import annotations

import itertools
import os
import secrets
import time
from typing import Any, Generic, TypeVar

import msgspec

P = TypeVar("P")

SCHEMA_VERSION = 1


class Envelope(msgspec.Struct, Generic[P], frozen=True, kw_only=True, gc=False):
    """Metadata plus a typed payload; `type` names the payload's struct tag.

    Untracked by the garbage collector (two per message pass through every actor): an envelope cannot
    be part of a reference cycle, since nothing it holds is built to point back at it.
    """

    type: str
    v: int = SCHEMA_VERSION
    id: str
    key: str
    time: float  # seconds since the epoch, set once by the sender so replays are deterministic
    correlation_id: str | None = None
    causation_id: str | None = None
    payload: P


def payload_type_name(payload: Any) -> str:
    """The tag of a tagged Struct, else its class name."""
    cls = type(payload)
    name = _type_names.get(cls)
    if name is None:
        config = getattr(cls, "__struct_config__", None)
        tag = config.tag if config is not None else None
        name = _type_names[cls] = tag if isinstance(tag, str) else cls.__name__
    return name


_type_names: dict[type, str] = {}  # per class, once: this runs for every message sent and received


_ID_PREFIX = secrets.token_hex(8)
_id_counter = itertools.count(1)


def _reseed_ids() -> None:
    global _ID_PREFIX, _id_counter  # a forked child must not repeat its parent's ids
    _ID_PREFIX = secrets.token_hex(8)
    _id_counter = itertools.count(1)


os.register_at_fork(after_in_child=_reseed_ids)


def new_message_id() -> str:
    """A process-unique prefix plus a counter: unique like a UUID, a fraction of the cost (hot path)."""
    return f"{_ID_PREFIX}{next(_id_counter):x}"


def make_envelope(
    payload: Any,
    *,
    key: str,
    id: str | None = None,
    at: float | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    type_name: str | None = None,
) -> Envelope[Any]:
    """Wrap a payload; a new id and the current time unless given."""
    return Envelope(
        type=type_name or payload_type_name(payload),
        id=id or new_message_id(),
        key=key,
        time=time.time() if at is None else at,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload,
    )


_encoder = msgspec.json.Encoder()


def encode(envelope: Envelope[Any]) -> bytes:
    return _encoder.encode(envelope)


class EnvelopeError(ValueError):
    """A message that is not a valid envelope for its consumer; it goes to the dead-letter stream."""


class EnvelopeCodec(Generic[P]):
    """Decoder for envelopes whose payload is one of a consumer's message types (a tagged union)."""

    def __init__(self, payload_type: Any) -> None:
        self._decoder: msgspec.json.Decoder[Envelope[Any]] = msgspec.json.Decoder(Envelope[payload_type])

    def decode(self, data: bytes) -> Envelope[P]:
        try:
            envelope = self._decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise EnvelopeError(str(exc)) from exc
        if envelope.v > SCHEMA_VERSION:
            raise EnvelopeError(f"schema version {envelope.v} is newer than {SCHEMA_VERSION}")
        expected = (
            payload_type_name(envelope.payload) if isinstance(envelope.payload, msgspec.Struct) else None
        )
        if expected is not None and expected != envelope.type:
            raise EnvelopeError(f"envelope type {envelope.type!r} does not match payload {expected!r}")
        return envelope

    @staticmethod
    def encode(envelope: Envelope[Any]) -> bytes:
        return encode(envelope)
