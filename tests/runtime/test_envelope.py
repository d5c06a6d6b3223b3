"""The envelope: one encode, one typed decode, clear errors for anything else."""

from __future__ import annotations

import msgspec
import pytest

from actors.counter import CounterMessage, Forward, Increment
from bus.envelope import EnvelopeCodec, EnvelopeError, encode, make_envelope

codec: EnvelopeCodec[CounterMessage] = EnvelopeCodec(CounterMessage)


def test_an_envelope_round_trips_with_its_typed_payload() -> None:
    env = make_envelope(Forward(to_key="b", by=2), key="a", correlation_id="c1", causation_id="x")
    decoded = codec.decode(encode(env))
    assert decoded == env
    assert isinstance(decoded.payload, Forward) and decoded.type == "forward"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"not json", "JSON"),
        (b'{"type":"increment","id":"1","key":"k","time":1}', "payload"),
        (b'{"type":"nope","id":"1","key":"k","time":1,"payload":{"type":"nope"}}', "nope"),
        (b'{"type":"increment","id":"1","key":"k","time":"x","payload":{"type":"increment"}}', "time"),
    ],
)
def test_bad_messages_fail_at_decode_naming_the_problem(data: bytes, fragment: str) -> None:
    with pytest.raises(EnvelopeError, match=fragment):
        codec.decode(data)


def test_a_type_that_disagrees_with_the_payload_is_refused() -> None:
    data = msgspec.json.encode(
        {"type": "forward", "id": "1", "key": "k", "time": 1.0, "payload": {"type": "increment", "by": 1}}
    )
    with pytest.raises(EnvelopeError, match="does not match"):
        codec.decode(data)


def test_a_newer_schema_version_is_refused_not_misread() -> None:
    env = msgspec.structs.replace(make_envelope(Increment(), key="k"), v=99)
    with pytest.raises(EnvelopeError, match="newer"):
        codec.decode(encode(env))
