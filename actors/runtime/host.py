"""ActorHost: runs every actor of one kind from a durable JetStream consumer.

Theory of operation
- One durable pull consumer per kind (`actors-<kind>`, filter `act.<kind>.*`) delivers in stream order.
  Each message is routed to its key's cell; a cell drains its mailbox one message at a time, so
  turns are in order per key and concurrent across keys.
- An actor's state is a fold of its messages in stream order: a KV snapshot records the sequence it
  covers and activation replays the later messages on the key's subject (direct gets). A message is
  acked only after its effects are stored in JetStream (effect ids derive from the input id, so a
  replayed turn's effects dedupe), hence nothing is lost or doubled across crashes. A redelivered
  message at or below the applied sequence was already folded in during replay: it is just acked.
- A turn that raises crashes only its actor: the cell is rebuilt from durable state after a backoff
  and the message retried; after `max_deliver` attempts it is dead-lettered with the traceback, a
  snapshot is written past it (so replay never meets it again), and the actor moves on.
- Idle cells are snapshotted and dropped (passivation), so memory holds only the hot keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
import nats.errors
import structlog
from anyio.abc import TaskGroup
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN

from actors.behaviour import Behaviour, CancelTimer, StartTimer
from actors.runtime.cell import ActorCell, Snapshot
from actors.runtime.persistence import SnapshotStore, read_log
from actors.runtime.timers import TimerService
from actors.runtime.turn import Decision, decide_turn
from bus import subjects
from bus.bus import Bus
from bus.envelope import EnvelopeCodec
from supervisors.drain import drain_shield
from supervisors.policy import Backoff

log = structlog.get_logger(__name__)

# Failures of NATS itself (not of the actor): retried with backoff forever, never dead-lettered.
INFRA_ERRORS = (nats.errors.Error, TimeoutError, ConnectionError)


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


class ActorHost:
    """All actors of one kind in this process."""

    def __init__(
        self,
        bus: Bus,
        behaviour: Behaviour[Any, Any],
        config: HostConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.behaviour = behaviour
        self.kind = behaviour.kind
        self.config = config or HostConfig()
        self.durable = f"actors-{self.kind}"
        self.stats = HostStats()
        self._clock = clock
        self._codec: EnvelopeCodec[Any] = EnvelopeCodec(behaviour.message_type)
        self._state_encoder = msgspec.json.Encoder()
        self._state_decoder = msgspec.json.Decoder(behaviour.state_type)
        self._snapshots = SnapshotStore(bus, self.kind)
        self.timers = TimerService(bus, self.kind)
        self._cells: dict[str, ActorCell] = {}
        self._inflight = 0
        self._room = anyio.Event()
        self._idle = anyio.Event()
        self._ack_floor = 0
        self._stopping = anyio.Event()
        self._tg: TaskGroup | None = None

    @property
    def resident(self) -> int:
        return len(self._cells)

    @property
    def inflight(self) -> int:
        return self._inflight

    async def _ensure_consumer(self) -> None:
        config = ConsumerConfig(
            durable_name=self.durable,
            filter_subject=subjects.actor_filter(self.kind),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.config.ack_wait,
            max_ack_pending=max(self.config.max_inflight * 2, 1000),
            max_waiting=64,
        )
        await self.bus.js.add_consumer(subjects.STREAM_ACTORS, config)

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Consume until `stop()` (drains in-flight turns first) or cancellation."""
        await self._ensure_consumer()
        await self.timers.load()
        sub = await self.bus.js.pull_subscribe_bind(self.durable, stream=subjects.STREAM_ACTORS)
        try:
            async with anyio.create_task_group() as tg:
                self._tg = tg
                tg.start_soon(self._refresh_ack_floor, sub)
                tg.start_soon(self._passivate_idle)
                tg.start_soon(self.timers.run)
                task_status.started()
                await self._fetch_until_stopped(sub)
                await self._wait_idle()
                tg.cancel_scope.cancel()
        finally:
            self._tg = None
            with anyio.CancelScope(shield=True), anyio.move_on_after(10):
                await self._snapshot_dirty()
                await sub.unsubscribe()

    def stop(self) -> None:
        """Stop fetching; `run` returns once in-flight turns are finished, acked and snapshotted."""
        self._stopping.set()

    async def _fetch_until_stopped(self, sub: Any) -> None:
        batch = self.config.fetch_batch
        while not self._stopping.is_set():
            if self._inflight + batch > self.config.max_inflight:
                self._room = anyio.Event()
                with anyio.move_on_after(1):
                    await self._room.wait()
                continue
            try:
                msgs = await sub.fetch(batch, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                continue  # nothing to fetch right now
            except INFRA_ERRORS as exc:
                log.warning("actors.fetch_failed", kind=self.kind, error=repr(exc))
                await anyio.sleep(0.5)
                continue
            acks: list[Msg] = []
            for msg in msgs:
                self._dispatch(msg, acks)
            for msg in acks:
                await msg.ack()

    def _dispatch(self, msg: Msg, acks: list[Msg]) -> None:
        """Route a fetched message to its cell; a turn that needs no I/O runs right here."""
        assert self._tg is not None
        try:
            _, key = subjects.key_of_actor_subject(msg.subject)
        except ValueError as exc:
            self._inflight += 1
            self._tg.start_soon(self._reject_subject, msg, exc)
            return
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = ActorCell(key)
        cell.last_active = self._clock()
        seq, delivered = delivery_info(msg)
        decision = None
        if cell.loaded and not cell.busy:
            if seq <= cell.applied_seq:  # folded in already by a replay
                acks.append(msg)
                return
            decision = decide_turn(
                self.behaviour,
                self._codec,
                self.bus.tracer,
                self.durable,
                cell,
                msg.subject,
                msg.data,
                msg.headers,
            )
            snapshot_due = cell.turns_since_snapshot + 1 >= self.config.snapshot_every
            if not decision.needs_io and not snapshot_due:
                self._apply(cell, seq, decision)
                self.stats.turns += 1
                self.stats.inline_turns += 1
                acks.append(msg)
                return
        cell.mailbox.append(
            Delivery(
                seq=seq,
                subject=msg.subject,
                data=msg.data,
                headers=msg.headers,
                attempts_before=max(delivered - 1, 0),
                msg=msg,
                decision=decision,
            )
        )
        self._inflight += 1
        if not cell.busy:
            cell.busy = True
            self._tg.start_soon(self._drain_cell, cell)

    def _apply(self, cell: ActorCell, seq: int, decision: Decision) -> None:
        """Advance the cell past `seq` with what the turn decided (no I/O left to do)."""
        if decision.duplicate:
            self.stats.duplicates += 1
        if decision.undecodable or decision.duplicate:
            cell.applied(seq, cell.state, None)
        else:
            assert decision.envelope is not None
            cell.applied(seq, decision.state, decision.envelope.id)

    async def _reject_subject(self, msg: Msg, exc: Exception) -> None:
        try:
            await self._dead_letter(
                msg.subject, msg.data, msg.headers, "bad_subject", exc, msg.metadata.sequence.stream
            )
            await msg.ack()
        finally:
            self._release()

    def _release(self) -> None:
        self._inflight -= 1
        if self._inflight + self.config.fetch_batch <= self.config.max_inflight:
            self._room.set()
        if self._inflight == 0:
            self._idle.set()

    async def _drain_cell(self, cell: ActorCell) -> None:
        # Turns already fetched finish and ack even when the host is being stopped, within the
        # shutdown deadline (supervisors.drain); one shield per burst keeps the hot path cheap.
        try:
            with drain_shield(max_duration=self.config.ack_wait):
                while cell.mailbox:
                    await self._with_infra_retry(self._handle_live, cell, cell.mailbox[0])
                    cell.mailbox.popleft()
                    cell.last_active = self._clock()
                    self._release()
        finally:
            cell.busy = False

    async def _with_infra_retry(self, fn: Callable[..., Any], *args: Any) -> None:
        """NATS trouble is not the actor's fault: rebuild the cell and try again until it works."""
        backoff: Backoff | None = None
        while True:
            try:
                await fn(*args)
                return
            except INFRA_ERRORS as exc:
                backoff = backoff or Backoff(min_delay=0.1, max_delay=5.0)
                delay = backoff.next_delay(self._clock())
                log.warning("actors.infra_retry", kind=self.kind, error=repr(exc), delay=round(delay, 3))
                cell = args[0]
                if isinstance(cell, ActorCell):
                    cell.reset()
                await anyio.sleep(delay)

    async def _handle_live(self, cell: ActorCell, delivery: Delivery) -> None:
        if not cell.loaded:
            await self._activate(cell, delivery.subject, before_seq=delivery.seq)
        if delivery.seq > cell.applied_seq:
            await self._fold(cell, delivery)
            self.stats.turns += 1
        assert delivery.msg is not None
        await delivery.msg.ack()

    async def _activate(self, cell: ActorCell, subject: str, *, before_seq: int) -> None:
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
            await self._fold(
                cell,
                Delivery(
                    seq=raw.seq,
                    subject=subject,
                    data=raw.data or b"",
                    headers=raw.headers,
                    # Effects of turns already acked are stored already; only later ones are re-sent.
                    execute_effects=raw.seq > self._ack_floor,
                ),
            )

    async def _fold(self, cell: ActorCell, delivery: Delivery) -> None:
        """Apply one message: decide (retrying crashes), store its effects, advance the cell."""
        decision = delivery.decision or self._decide(cell, delivery)
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
            decision = self._decide(cell, delivery)
        if delivery.execute_effects:
            if decision.undecodable is not None:
                await self._dead_letter(
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
        self._apply(cell, delivery.seq, decision)
        if cell.turns_since_snapshot >= self.config.snapshot_every:
            await self._save_snapshot(cell)

    def _decide(self, cell: ActorCell, delivery: Delivery) -> Decision:
        return decide_turn(
            self.behaviour,
            self._codec,
            self.bus.tracer,
            self.durable,
            cell,
            delivery.subject,
            delivery.data,
            delivery.headers,
        )

    async def _restart(self, cell: ActorCell, delivery: Delivery) -> None:
        """Rebuild the crashed actor from durable state, up to just before the failing message."""
        cell.reset()
        await self._activate(cell, delivery.subject, before_seq=delivery.seq)

    async def _give_up(self, cell: ActorCell, delivery: Delivery, message_id: str, exc: Exception) -> None:
        await self._dead_letter(
            delivery.subject, delivery.data, delivery.headers, "max_deliver", exc, delivery.seq
        )
        self.stats.dead_lettered += 1
        cell.applied(delivery.seq, cell.state, message_id)
        # Snapshot past the poison message so that no later replay meets it again.
        await self._save_snapshot(cell)

    async def _execute(self, key: str, outgoing: list[Any], timer_changes: list[tuple[int, Any]]) -> None:
        if outgoing:
            await self.bus.publish_many(outgoing)
        for _, change in timer_changes:
            if isinstance(change, StartTimer):
                await self.timers.schedule(key, change.timer_id, change.at, change.payload)
            elif isinstance(change, CancelTimer):
                await self.timers.cancel(key, change.timer_id)

    async def _dead_letter(
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

    async def _save_snapshot(self, cell: ActorCell) -> None:
        snapshot = cell.snapshot(self._state_encoder.encode(cell.state))
        await self._snapshots.save(cell.key, snapshot)
        self.stats.snapshots += 1

    async def _refresh_ack_floor(self, sub: Any) -> None:
        while True:
            try:
                info = await sub.consumer_info()
                self._ack_floor = max(self._ack_floor, info.ack_floor.stream_seq or 0)
            except INFRA_ERRORS as exc:
                log.debug("actors.ack_floor_unavailable", kind=self.kind, error=repr(exc))
            await anyio.sleep(1.0)

    async def _passivate_idle(self) -> None:
        period = max(self.config.idle_after / 4, 0.05)
        while True:
            await anyio.sleep(period)
            await self.passivate(older_than=self.config.idle_after)

    async def passivate(self, *, older_than: float) -> int:
        """Snapshot and drop every idle cell not active for `older_than` seconds; returns how many."""
        now = self._clock()
        dropped = 0
        for key, cell in list(self._cells.items()):
            if cell.busy or cell.mailbox or now - cell.last_active < older_than:
                continue
            try:
                if cell.loaded and cell.turns_since_snapshot:
                    await self._save_snapshot(cell)
            except INFRA_ERRORS as exc:
                log.warning("actors.passivate_failed", kind=self.kind, key=key, error=repr(exc))
                continue
            # Still idle after the await? Then this incarnation can go; its state is durable.
            if not cell.busy and not cell.mailbox and self._cells.get(key) is cell:
                del self._cells[key]
                dropped += 1
        self.stats.passivations += dropped
        return dropped

    async def _wait_idle(self) -> None:
        """After stop(): let in-flight turns finish (they ack themselves)."""
        if self._inflight:
            self._idle = anyio.Event()
            with anyio.move_on_after(self.config.ack_wait):
                await self._idle.wait()

    async def _snapshot_dirty(self) -> None:
        """On the way out, snapshot every actor with turns since its last snapshot (shortens replay)."""
        saved = 0
        for cell in list(self._cells.values()):
            if cell.loaded and cell.turns_since_snapshot and not cell.busy:
                try:
                    await self._save_snapshot(cell)
                    saved += 1
                except INFRA_ERRORS as exc:
                    log.warning("actors.final_snapshot_failed", kind=self.kind, key=cell.key, error=repr(exc))
        log.info("actors.stopped", kind=self.kind, snapshots=saved, left_inflight=self._inflight)
