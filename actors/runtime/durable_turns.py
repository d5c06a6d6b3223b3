"""The durable part of a turn: activation from snapshot + log, folding with crash retries, effects, snapshots.

An actor's state is a fold of its messages in stream order: a KV snapshot records the sequence it
covers and activation replays the later messages on the key's subject (direct gets). A turn's effects
are stored in JetStream before its message may be acked (their ids derive from the input's, so a
replayed turn dedupes). A turn that raises crashes only its actor: the cell is rebuilt from durable
state after a backoff and the message retried; after `max_deliver` attempts the message is
dead-lettered with its traceback and a snapshot is written past it, so replay never meets it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import anyio
import msgspec
import structlog
from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN

from actors.behaviour import Behaviour, CancelTimer, StartTimer
from actors.runtime.cell import ActorCell, Snapshot
from actors.runtime.delivery import Delivery, HostConfig, HostStats
from actors.runtime.persistence import SnapshotStore, read_log
from actors.runtime.timers import TimerService
from actors.runtime.turn import Decision, decide_turn
from bus.bus import Bus
from bus.envelope import EnvelopeCodec
from supervisors.policy import Backoff

log = structlog.get_logger(__name__)


class DurableTurns:
    """Turns of one actor kind against its durable state; the host drives it, one cell at a time."""

    def __init__(
        self,
        bus: Bus,
        behaviour: Behaviour[Any, Any],
        config: HostConfig,
        stats: HostStats,
        timers: TimerService,
        consumer: str,
        clock: Callable[[], float],
    ) -> None:
        self.bus = bus
        self.behaviour = behaviour
        self.kind = behaviour.kind
        self.config = config
        self.stats = stats
        self.durable = consumer
        self.ack_floor = 0  # every message at or below it was acked: its effects are stored already
        self._timers = timers
        self._clock = clock
        self._codec: EnvelopeCodec[Any] = EnvelopeCodec(behaviour.message_type)
        self._state_encoder = msgspec.json.Encoder()
        self._state_decoder = msgspec.json.Decoder(behaviour.state_type)
        self._snapshots = SnapshotStore(bus, self.kind)
        self._template = f"act.{self.kind}.{{key}}"

    def decide(self, cell: ActorCell, subject: str, data: bytes, headers: dict[str, str] | None) -> Decision:
        """The synchronous part of a turn (no I/O): see actors/runtime/turn.py."""
        return decide_turn(
            self.behaviour,
            self._codec,
            self.bus.tracer,
            self.durable,
            self._template,
            cell,
            subject,
            data,
            headers,
        )

    def apply(self, cell: ActorCell, seq: int, decision: Decision) -> None:
        """Advance the cell past `seq` with what the turn decided (no I/O left to do)."""
        if decision.duplicate:
            self.stats.duplicates += 1
        if decision.undecodable or decision.duplicate:
            cell.applied(seq, cell.state, None)
        else:
            assert decision.envelope is not None
            cell.applied(seq, decision.state, decision.envelope.id)

    async def activate(self, cell: ActorCell, subject: str, *, before_seq: int) -> None:
        """Load the snapshot and replay the log up to (not including) `before_seq`."""
        snapshot = await self._snapshots.load(cell.key)
        if snapshot is None:
            cell.restore(
                Snapshot(applied_seq=0, state=msgspec.Raw(b"null")), self.behaviour.initial(cell.key)
            )
        else:
            cell.restore(snapshot, self._state_decoder.decode(snapshot.state))
        self.stats.activations += 1
        async for raw in read_log(self.bus, subject, cell.applied_seq, before_seq):
            assert raw.seq is not None
            self.stats.replayed += 1
            await self.fold(
                cell,
                Delivery(
                    seq=raw.seq,
                    subject=subject,
                    data=raw.data or b"",
                    headers=raw.headers,
                    # Effects of turns already acked are stored already; only later ones are re-sent.
                    execute_effects=raw.seq > self.ack_floor,
                ),
            )

    async def fold(self, cell: ActorCell, delivery: Delivery) -> None:
        """Apply one message: decide (retrying crashes), store its effects, advance the cell."""
        decision = delivery.decision or self._decide_delivery(cell, delivery)
        delivery.decision = None
        attempts = delivery.attempts_before
        backoff: Backoff | None = None
        while decision.error is not None:
            assert decision.envelope is not None
            attempts += 1
            self.stats.crashes += 1
            if attempts >= self.config.max_deliver:
                await self._give_up(cell, delivery, decision.envelope.id, decision.error)
                return
            backoff = backoff or Backoff(self.config.crash_backoff_min, self.config.crash_backoff_max)
            delay = backoff.next_delay(self._clock())
            log.warning(
                "actors.turn_crashed",
                kind=self.kind,
                key=cell.key,
                seq=delivery.seq,
                attempt=attempts,
                error=repr(decision.error),
                retry_in=round(delay, 3),
            )
            if delivery.msg is not None:
                await delivery.msg.in_progress()
            await anyio.sleep(delay)
            await self._restart(cell, delivery)
            decision = self._decide_delivery(cell, delivery)
        if delivery.execute_effects:
            if decision.undecodable is not None:
                await self.dead_letter(
                    delivery.subject,
                    delivery.data,
                    delivery.headers,
                    "undecodable",
                    decision.undecodable,
                    delivery.seq,
                )
            if decision.outgoing or decision.timers:
                # Effects publish as children of the turn's process span: one trace per flow.
                with trace.use_span(decision.span or INVALID_SPAN, end_on_exit=False):
                    await self._execute(cell.key, decision.outgoing, decision.timers)
        self.apply(cell, delivery.seq, decision)
        if cell.turns_since_snapshot >= self.config.snapshot_every:
            await self.save_snapshot(cell)

    def _decide_delivery(self, cell: ActorCell, delivery: Delivery) -> Decision:
        return self.decide(cell, delivery.subject, delivery.data, delivery.headers)

    async def _restart(self, cell: ActorCell, delivery: Delivery) -> None:
        """Rebuild the crashed actor from durable state, up to just before the failing message."""
        cell.reset()
        await self.activate(cell, delivery.subject, before_seq=delivery.seq)

    async def _give_up(self, cell: ActorCell, delivery: Delivery, message_id: str, exc: Exception) -> None:
        await self.dead_letter(
            delivery.subject, delivery.data, delivery.headers, "max_deliver", exc, delivery.seq
        )
        self.stats.dead_lettered += 1
        cell.applied(delivery.seq, cell.state, message_id)
        # Snapshot past the poison message so that no later replay meets it again.
        await self.save_snapshot(cell)

    async def _execute(
        self, key: str, outgoing: Sequence[Any], timer_changes: Sequence[tuple[int, Any]]
    ) -> None:
        if outgoing:
            await self.bus.publish_many(outgoing)
        for _, change in timer_changes:
            if isinstance(change, StartTimer):
                await self._timers.schedule(key, change.timer_id, change.at, change.payload)
            elif isinstance(change, CancelTimer):
                await self._timers.cancel(key, change.timer_id)

    async def dead_letter(
        self, subject: str, data: bytes, headers: dict[str, str] | None, reason: str, exc: Exception, seq: int
    ) -> None:
        await self.bus.dead_letter(
            origin_subject=subject,
            data=data,
            headers=headers,
            reason=reason,
            error=exc,
            origin_seq=seq,
            consumer=self.durable,
        )

    async def save_snapshot(self, cell: ActorCell) -> None:
        snapshot = cell.snapshot(self._state_encoder.encode(cell.state))
        await self._snapshots.save(cell.key, snapshot)
        self.stats.snapshots += 1
