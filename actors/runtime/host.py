"""ActorHost: runs every actor of one kind from a durable JetStream consumer.

Theory of operation
- One durable pull consumer per kind (`actors-<kind>`, filter `act.<kind>.*`) delivers in stream order.
  Each message is routed to its key's cell; a cell drains its mailbox one message at a time, so
  turns are in order per key and concurrent across keys.
- A turn that needs no I/O (the state changes, nothing to publish) runs inline in the dispatcher;
  one that does is handed to the cell's task, which stores its effects before the ack
  (actors/runtime/durable_turns.py: activation, replay, crash retries, dead letters, snapshots).
  A redelivered message at or below the applied sequence was folded in by a replay: it is just acked.
- Idle cells are snapshotted and dropped (passivation), so memory holds only the hot keys.
- Stop drains: fetching ends, turns already fetched finish and ack, dirty cells are snapshotted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import structlog
from anyio.abc import TaskGroup
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from actors.behaviour import Behaviour
from actors.runtime.cell import ActorCell
from actors.runtime.delivery import INFRA_ERRORS, Delivery, HostConfig, HostStats, delivery_info
from actors.runtime.durable_turns import DurableTurns
from actors.runtime.timers import TimerService
from bus import subjects
from bus.bus import Bus
from supervisors.drain import drain_shield
from supervisors.policy import Backoff

log = structlog.get_logger(__name__)

KEY_CACHE_SIZE = 65_536  # subjects whose decoded key is remembered (cleared whole when full)

__all__ = ["INFRA_ERRORS", "ActorHost", "Delivery", "HostConfig", "HostStats", "delivery_info"]


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
        self.timers = TimerService(bus, self.kind)
        self._turns = DurableTurns(bus, behaviour, self.config, self.stats, self.timers, self.durable, clock)
        self._cells: dict[str, ActorCell] = {}
        self._keys: dict[str, str] = {}  # subject → key: decoding a subject costs more than a lookup
        self._snapshot_every = self.config.snapshot_every
        self._inflight = 0
        self._room = anyio.Event()
        self._idle = anyio.Event()
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
            except (NatsTimeout, TimeoutError):
                continue  # nothing to fetch right now
            except INFRA_ERRORS as exc:
                log.warning("actors.fetch_failed", kind=self.kind, error=repr(exc))
                await anyio.sleep(0.5)
                continue
            acks: list[Msg] = []
            now = self._clock()
            for msg in msgs:
                self._dispatch(msg, acks, now)
            for msg in acks:
                await msg.ack()

    def _dispatch(self, msg: Msg, acks: list[Msg], now: float) -> None:
        """Route a fetched message to its cell; a turn that needs no I/O runs right here."""
        assert self._tg is not None
        key = self._keys.get(msg.subject)
        if key is None:
            try:
                _, key = subjects.key_of_actor_subject(msg.subject)
            except ValueError as exc:
                self._inflight += 1
                self._tg.start_soon(self._reject_subject, msg, exc)
                return
            if len(self._keys) >= KEY_CACHE_SIZE:
                self._keys.clear()
            self._keys[msg.subject] = key
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = ActorCell(key)
        cell.last_active = now
        seq, delivered = delivery_info(msg)
        decision = None
        if cell.loaded and not cell.busy:
            if seq <= cell.applied_seq:  # folded in already by a replay
                acks.append(msg)
                return
            decision = self._turns.decide(cell, msg.subject, msg.data, msg.headers)
            snapshot_due = cell.turns_since_snapshot + 1 >= self._snapshot_every
            if not decision.needs_io and not snapshot_due:
                self._turns.apply(cell, seq, decision)
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

    async def _reject_subject(self, msg: Msg, exc: Exception) -> None:
        try:
            await self._turns.dead_letter(
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
            await self._turns.activate(cell, delivery.subject, before_seq=delivery.seq)
        if delivery.seq > cell.applied_seq:
            await self._turns.fold(cell, delivery)
            self.stats.turns += 1
        assert delivery.msg is not None
        await delivery.msg.ack()

    async def _refresh_ack_floor(self, sub: Any) -> None:
        while True:
            try:
                info = await sub.consumer_info()
                self._turns.ack_floor = max(self._turns.ack_floor, info.ack_floor.stream_seq or 0)
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
                    await self._turns.save_snapshot(cell)
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
                    await self._turns.save_snapshot(cell)
                    saved += 1
                except INFRA_ERRORS as exc:
                    log.warning("actors.final_snapshot_failed", kind=self.kind, key=cell.key, error=repr(exc))
        log.info("actors.stopped", kind=self.kind, snapshots=saved, left_inflight=self._inflight)
