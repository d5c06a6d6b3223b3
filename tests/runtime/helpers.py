"""Test helpers for the actor runtime: publishing to actors and waiting on conditions with deadlines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope


async def send(bus: Bus, kind: str, key: str, payload: Any, *, id: str | None = None) -> None:
    envelope = make_envelope(payload, key=key, id=id)
    await bus.publish(Outgoing(subject=subjects.actor(kind, key), envelope=envelope))


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], *, timeout: float = 10.0, what: str = ""
) -> None:
    """Wait until `condition` holds, polling briefly; fail with `what` after the deadline."""
    with anyio.fail_after(timeout):
        while True:
            result = condition()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await anyio.sleep(0.01)
