"""One activated actor: its state, how far into its log it has applied, and the ids it has seen.

Pure bookkeeping: no I/O. The host loads a cell from a snapshot, folds messages into it and writes
snapshots back.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import msgspec

# How many recent message ids each actor remembers to drop duplicates that arrive under another
# JetStream sequence (JetStream itself dedupes publishes with the same Nats-Msg-Id within its window).
SEEN_IDS = 256


class Snapshot(msgspec.Struct, kw_only=True):
    """What KV holds for an actor: its state as of stream sequence `applied_seq`."""

    applied_seq: int
    state: msgspec.Raw
    seen_ids: list[str] = []
    turns: int = 0


class ActorCell:
    """An actor's in-memory incarnation; one message at a time, driven by the host."""

    __slots__ = (
        "applied_seq",
        "busy",
        "key",
        "last_active",
        "loaded",
        "mailbox",
        "seen",
        "seen_order",
        "state",
        "turns",
        "turns_since_snapshot",
    )

    def __init__(self, key: str) -> None:
        self.key = key
        self.state: Any = None
        self.applied_seq = 0
        self.turns = 0
        self.turns_since_snapshot = 0
        self.seen: set[str] = set()
        self.seen_order: deque[str] = deque()
        self.mailbox: deque[Any] = deque()
        self.loaded = False
        self.busy = False
        self.last_active = 0.0

    def has_seen(self, message_id: str) -> bool:
        return message_id in self.seen

    def applied(self, seq: int, state: Any, message_id: str | None) -> None:
        """Record that the message at `seq` has been folded in (or deliberately skipped)."""
        self.state = state
        self.applied_seq = seq
        self.turns += 1
        self.turns_since_snapshot += 1
        if message_id is not None and message_id not in self.seen:
            self.seen.add(message_id)
            self.seen_order.append(message_id)
            if len(self.seen_order) > SEEN_IDS:
                self.seen.discard(self.seen_order.popleft())

    def restore(self, snapshot: Snapshot, state: Any) -> None:
        self.state = state
        self.applied_seq = snapshot.applied_seq
        self.turns = snapshot.turns
        self.turns_since_snapshot = 0
        self.seen_order = deque(snapshot.seen_ids[-SEEN_IDS:])
        self.seen = set(self.seen_order)
        self.loaded = True

    def reset(self) -> None:
        """Forget the in-memory incarnation (after a crash): it is rebuilt from durable state."""
        self.state = None
        self.applied_seq = 0
        self.turns = 0
        self.turns_since_snapshot = 0
        self.seen.clear()
        self.seen_order.clear()
        self.loaded = False

    def snapshot(self, encoded_state: bytes) -> Snapshot:
        self.turns_since_snapshot = 0
        return Snapshot(
            applied_seq=self.applied_seq,
            state=msgspec.Raw(encoded_state),
            seen_ids=list(self.seen_order),
            turns=self.turns,
        )
