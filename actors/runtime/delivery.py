"""What the actor host is configured with, what it counts, and one message on its way into a cell."""

from __future__ import annotations

from typing import Any

import msgspec
from nats.aio.msg import Msg

from bus.bus import INFRA_ERRORS

__all__ = ["INFRA_ERRORS", "Delivery", "HostConfig", "HostStats", "delivery_info"]


class HostConfig(msgspec.Struct, frozen=True, kw_only=True):
    max_deliver: int = 5
    ack_wait: float = 30.0
    idle_after: float = 60.0
    snapshot_every: int = 200
    fetch_batch: int = 256
    max_inflight: int = 8192
    crash_backoff_min: float = 0.05
    crash_backoff_max: float = 5.0


class Delivery(msgspec.Struct, kw_only=True):
    """A message to fold into a cell: live from the consumer (with `msg`) or replayed from the log."""

    seq: int
    subject: str
    data: bytes
    headers: dict[str, str] | None
    attempts_before: int = 0
    msg: Msg | None = None
    execute_effects: bool = True
    decision: Any = None  # a Decision computed inline by the dispatcher, to be committed by the cell's task


class HostStats(msgspec.Struct, kw_only=True):
    turns: int = 0  # live messages folded in (including duplicates and dead letters)
    inline_turns: int = 0  # of which needed no I/O and ran in the dispatcher
    replayed: int = 0
    duplicates: int = 0
    crashes: int = 0
    dead_lettered: int = 0
    activations: int = 0
    passivations: int = 0
    snapshots: int = 0


def delivery_info(msg: Msg) -> tuple[int, int]:
    """(stream sequence, times delivered) from the ack subject, without building nats-py's metadata.

    `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or the 12-token form with
    domain and account hash after `$JS.ACK` (nats-server ≥ 2.9).
    """
    tokens = (msg.reply or "").split(".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[4])
    if len(tokens) >= 11:
        return int(tokens[7]), int(tokens[6])
    meta = msg.metadata  # anything else: let nats-py parse it (and raise if it is not a JetStream message)
    return meta.sequence.stream, meta.num_delivered
