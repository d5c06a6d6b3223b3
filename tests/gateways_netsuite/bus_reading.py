"""Reading what the poller published: every stored message of a stream, in order, decoded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import msgspec

from bus.bus import Bus
from bus.subjects import STREAM_ACTORS


class Stored(msgspec.Struct, frozen=True):
    seq: int
    subject: str
    msg_id: str
    envelope: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return self.envelope["payload"]  # type: ignore[no-any-return]


async def stored(bus: Bus, stream: str = STREAM_ACTORS, prefix: str = "") -> list[Stored]:
    """Every message in `stream` whose subject starts with `prefix` (direct get by sequence)."""
    info = await bus.js.stream_info(stream)
    out: list[Stored] = []
    if info.state.messages == 0:
        return out
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await bus.js.get_msg(stream, seq)
        subject = message.subject or ""
        if subject.startswith(prefix):
            headers = message.headers or {}
            out.append(
                Stored(
                    seq,
                    subject,
                    headers.get("Nats-Msg-Id", ""),
                    msgspec.json.decode(message.data or b""),
                )
            )
    return out


def of_type(messages: list[Stored], type_name: str) -> list[Stored]:
    return [m for m in messages if m.envelope["type"] == type_name]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait for `check()` to hold, polling with a deadline."""
    with anyio.fail_after(timeout):
        while not await check():
            await anyio.sleep(0.02)
