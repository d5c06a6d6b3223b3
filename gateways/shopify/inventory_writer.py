"""The Shopify inventory writer: `out.shopify.<shop>.inventory_set` → inventorySetQuantities.

Theory of operation
- One durable pull consumer per shop (`shopify-inventory-<shop>`): each shop has its own cost bucket
  and its own outages, so a throttled or unreachable shop never holds back another shop's acks or
  redeliveries, and a shop's consumer lag is its own metric.
- Messages are folded per (sku, location) into pending rows (contract/shopify_inventory.py). After a
  short window (a lower: a shorter one), or once a call's worth waits, up to 250 rows go out as ONE
  compare-and-set call with an `@idempotent` key derived from the batch (a retry never applies twice);
  one call in flight per shop keeps per-key order while messages keep arriving and coalesce.
- Each row is planned (contract/shopify_inventory.py): a first write reads Shopify first and never
  raises it; the others carry the drift the actor has not heard of. A stale compare fails the
  whole (atomic) batch: the rows' actual values are re-read in one query, each row is replanned,
  drift is logged with both values and counted, and the batch is retried with the corrected rows.
  A row whose commands asked for it is confirmed to its actor once done (write_confirmations.py).
  Outbox messages are acked once Shopify accepted their row or it needed no write (Shopify holds
  it; a `verify` row is sent anyway, its compare is the check); a row Shopify can never accept
  (unknown SKU, not stocked) is dead-lettered. Transport trouble (5xx, timeouts, THROTTLED beyond
  retries, a bad token) is retried with backoff until it passes, the batch keeping its key.
Beside it: inventory_reads.py (SKU and level look-ups), written_values.py (the last values set, for
the level webhooks), inventory_refusals.py (which row a userError names), writer_stats.py (metrics).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from actors.runtime.host import INFRA_ERRORS, delivery_info
from actors.sku_messages import INVENTORY_SET_OP, InventorySet
from bus import subjects
from bus.bus import Bus
from bus.envelope import EnvelopeCodec, EnvelopeError
from contract import shopify_inventory as api
from contract.shopify_inventory import (
    MAX_ROWS_PER_CALL,
    Attempt,
    Coalescer,
    Key,
    PendingRow,
    PendingSlot,
    RowPlan,
    WriteRow,
    batch_key,
)
from gateways.shopify.errors import ShopifyError, ShopifyUserErrors, UserError
from gateways.shopify.graphql import ShopifyGraphQL
from gateways.shopify.inventory_reads import InventoryReads
from gateways.shopify.inventory_refusals import STALE, errors_by_row
from gateways.shopify.write_confirmations import WriteConfirmations
from gateways.shopify.writer_stats import WriterStats
from gateways.shopify.written_values import WrittenValues

log = structlog.get_logger(__name__)

MAX_STALE_ROUNDS = 5
FIRST_CHANGE_FROM_VERSION = "2026-04"  # reference/shopify.md §2.3: the shapes this writer sends


class WriterConfig(msgspec.Struct, frozen=True, kw_only=True):
    coalesce_window: float = 0.05  # seconds the first pending change waits for others
    # A lower is urgent (Shopify may be selling units that are gone): the batch leaves this soon
    lower_window: float = 0.005
    max_rows: int = MAX_ROWS_PER_CALL
    fetch_batch: int = 1000
    ack_wait: float = 60.0
    max_ack_pending: int = 50_000
    retry_min: float = 0.2  # backoff between attempts of a batch that failed on transport
    retry_max: float = 10.0
    max_batch_failures: int = 5  # a batch refused for a reason that is no row's fault → dead letters


class InventoryWriter:
    """Writes one shop's InventorySet outbox to Shopify."""

    def __init__(
        self,
        bus: Bus,
        client: ShopifyGraphQL,
        config: WriterConfig | None = None,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not 1 <= (config or WriterConfig()).max_rows <= MAX_ROWS_PER_CALL:
            raise ValueError(f"max_rows must be within 1..{MAX_ROWS_PER_CALL}")
        if client.shop.api_version < FIRST_CHANGE_FROM_VERSION:  # YYYY-MM sorts as text
            raise ValueError(
                f"shops[{client.shop.name}].api_version: the inventory writer speaks "
                f"{FIRST_CHANGE_FROM_VERSION}+ (changeFromQuantity, @idempotent), "
                f"got {client.shop.api_version}"
            )
        self.bus = bus
        self.client = client
        self.shop = client.shop.name
        self.config = config or WriterConfig()
        self.stats = WriterStats(client_stats=client.stats)
        self.subject = subjects.outbox_shopify(self.shop, INVENTORY_SET_OP)
        self.durable = f"shopify-inventory-{subjects.encode_token(self.shop)}"
        self._wall = wall_clock
        self._codec: EnvelopeCodec[InventorySet] = EnvelopeCodec(InventorySet)
        self._pending: Coalescer[Msg] = Coalescer(self.config.max_rows)
        self._drifts: dict[Key, api.KnownDrift] = {}  # per key: Shopify below the actor's expectation
        self.reads = InventoryReads(client)  # shared with the shop's level webhooks, as is `written`
        self.written = WrittenValues()
        self._confirmations = WriteConfirmations(bus, self.shop)
        self._lower_since: float | None = None  # when the first pending lower arrived
        self._arrived = anyio.Event()
        self._stopping = anyio.Event()

    # -- lifecycle ---------------------------------------------------------------------------------
    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Consume until `stop()` (pending rows are written first) or cancellation."""
        await self.bus.js.add_consumer(subjects.STREAM_OUTBOX, self._consumer_config())
        sub = await self.bus.js.pull_subscribe_bind(self.durable, stream=subjects.STREAM_OUTBOX)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._fetch_until_stopped, sub)
                task_status.started()
                await self._flush_until_stopped()
                tg.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                await sub.unsubscribe()

    def stop(self) -> None:
        self._stopping.set()
        self._arrived.set()

    def metrics(self) -> dict[str, Any]:
        """The counters plus the backlog: rows waiting and how long the oldest has waited (s)."""
        oldest = self._pending.oldest_arrival()
        waited = None if oldest is None else round(anyio.current_time() - oldest, 3)
        return {
            "shop": self.shop,
            **self.stats.snapshot(),
            "pending_rows": len(self._pending.pending),
            "oldest_pending_s": waited,
        }

    def _consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            filter_subject=self.subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.config.ack_wait,
            max_ack_pending=self.config.max_ack_pending,
            max_deliver=-1,  # transport failures are retried here; a bad message is dead-lettered at once
        )

    # -- intake ------------------------------------------------------------------------------------
    async def _fetch_until_stopped(self, sub: Any) -> None:
        while not self._stopping.is_set():
            try:
                msgs = await sub.fetch(self.config.fetch_batch, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                continue  # nothing to fetch right now
            except INFRA_ERRORS as exc:
                log.warning("shopify.writer.fetch_failed", shop=self.shop, error=repr(exc))
                await anyio.sleep(0.5)
                continue
            for msg in msgs:
                await self._accept(msg)

    async def _accept(self, msg: Msg) -> None:
        seq, _ = delivery_info(msg)
        try:
            command = self._codec.decode(msg.data).payload
            if command.shop != self.shop:
                raise EnvelopeError(f"InventorySet for shop {command.shop!r} on {self.shop!r}'s subject")
        except EnvelopeError as exc:
            await self._dead_letter([(seq, msg)], "undecodable", exc)
            return
        if not self._pending.add(seq, command, msg, anyio.current_time()):
            return  # a redelivery of a message already in (or through) a batch: that batch acks it
        self.stats.messages += 1
        lowers = command.compare_quantity is None or command.quantity < command.compare_quantity
        if lowers and self._lower_since is None:
            self._lower_since = anyio.current_time()
            self._arrived.set()  # wake the flusher: its window shrinks to the lower's
        if len(self._pending.pending) == 1 or self._pending.full():
            self._arrived.set()  # wake the flusher: the first row of a window, or a full call

    # -- batching ----------------------------------------------------------------------------------
    async def _flush_until_stopped(self) -> None:
        while True:
            if not self._pending.pending:
                if self._stopping.is_set():
                    return
                self._arrived = anyio.Event()
                await self._arrived.wait()
                continue
            await self._wait_window()
            batch = self._pending.take()
            self._lower_since = None
            # The oldest change's flow continues through the write (its trace shows the Shopify call).
            first = next(iter(next(iter(batch.values())).handles.values()))
            attributes: dict[str, str | int] = {
                "tandem.flow": "shopify.inventory",
                "tandem.shopify.rows": len(batch),
            }
            with self.bus.tracer.process(
                first.subject, first.headers, msg_id=None, consumer=self.durable, attributes=attributes
            ):
                await self._write_batch(batch)

    async def _wait_window(self) -> None:
        """Until the oldest pending change has waited the window (a lower: the shorter one), or a
        full call is ready."""
        oldest = self._pending.oldest_arrival()
        assert oldest is not None
        while not self._pending.full() and not self._stopping.is_set():
            deadline = oldest + self.config.coalesce_window
            if self._lower_since is not None:
                deadline = min(deadline, self._lower_since + self.config.lower_window)
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                return
            self._arrived = anyio.Event()
            with anyio.move_on_after(remaining):
                await self._arrived.wait()

    async def _write_batch(self, batch: dict[Key, PendingSlot[Msg]]) -> None:
        failures = 0
        attempt: Attempt | None = None
        while batch:
            try:
                # A retry resumes the last plan: a corrected row must not be corrected twice.
                attempt = attempt or await self._prepare(batch)
                if await self._run(attempt, batch):
                    return
                # Still stale after rounds of corrections: sales keep moving its rows. Retry soon.
                attempt = None
                await self._backoff(1, "stale after several corrections", self.config.coalesce_window)
            except ShopifyUserErrors as exc:  # refused for a reason that is no row's fault
                failures += 1
                if failures >= self.config.max_batch_failures:
                    await self._dead_letter(_deliveries(batch.values()), "shopify_refused_batch", exc)
                    return
                await self._backoff(failures, exc)
            except (ShopifyError, *INFRA_ERRORS) as exc:  # transport: wait it out, same batch, same key
                failures += 1
                if self._stopping.is_set():  # unacked: redelivered to the next run, nothing is lost
                    log.warning("shopify.writer.batch_abandoned_on_stop", shop=self.shop, rows=len(batch))
                    return
                await self._backoff(failures, exc)

    async def _backoff(self, failures: int, exc: BaseException | str, delay: float | None = None) -> None:
        self.stats.batch_failures += 1
        if delay is None:
            delay = min(self.config.retry_max, self.config.retry_min * 2 ** (failures - 1))
        log.warning("shopify.writer.batch_failed", shop=self.shop, error=repr(exc), retry_in=delay)
        await anyio.sleep(delay)

    # -- one batch: resolve, skip, write, correct ----------------------------------------------------
    async def _prepare(self, batch: dict[Key, PendingSlot[Msg]]) -> Attempt:
        """Resolve SKUs, park the unknown, plan each row (a first write reads Shopify first; the
        others carry the drift the actor has not heard of), ack rows Shopify already holds."""
        items = await self.reads.item_ids(sorted({sku for sku, _ in batch}))
        unknown = [key for key in batch if items.get(key[0]) is None]
        if unknown:
            missing = f"no inventory item with these SKUs in {self.shop}: {sorted({k[0] for k in unknown})}"
            await self._settle([batch.pop(key) for key in unknown], "sku_not_in_shop", missing)
        rows = {key: slot.row for key, slot in batch.items()}
        plans = await self._first_writes(rows, items, batch)
        for key, row in rows.items():
            if key not in plans:
                plans[key] = api.plan_row(row, self._drifts.get(key))
        # A verify row is sent even when unchanged: its compare-and-set is the check (level_check.py)
        for key in [key for key, plan in plans.items() if not plan.needed and not rows[key].verify]:
            self._drifts[key] = api.known_after(rows.pop(key), plans.pop(key))
            self.stats.skipped_unchanged += 1
            await self._done(batch.pop(key))
        return Attempt(rows, plans, items)

    async def _first_writes(
        self, rows: dict[Key, PendingRow], items: dict[str, str | None], batch: dict[Key, PendingSlot[Msg]]
    ) -> dict[Key, RowPlan]:
        """Rows of keys Tandem never wrote (no compare) read Shopify's value first (api.plan_first)."""
        pairs = {key: (items[key[0]] or "", key[1]) for key, row in rows.items() if row.expected is None}
        actual = await self.reads.available(list(pairs.values())) if pairs else {}
        plans: dict[Key, RowPlan] = {}
        for key, pair in pairs.items():
            if (now_holds := actual.get(pair)) is None:
                await self._settle([batch.pop(key)], "not_stocked", "no inventory level")
                del rows[key]
            else:
                plans[key] = api.plan_first(rows[key], now_holds)
        return plans

    async def _run(self, attempt: Attempt, batch: dict[Key, PendingSlot[Msg]]) -> bool:
        """Write, correcting stale rows, until accepted (True) or too many rounds (False)."""
        for _ in range(MAX_STALE_ROUNDS):
            if not attempt.plans:
                return True
            errors = await self._set(attempt.writes(), batch)
            if not errors:
                await self._accepted(attempt, batch)
                return True
            await self._after_refusal(attempt, batch, errors)
        return False

    async def _set(self, plan: dict[Key, WriteRow], batch: dict[Key, PendingSlot[Msg]]) -> list[UserError]:
        rows = list(plan.values())
        key = batch_key(self.shop, rows, (f"{seq}" for slot in batch.values() for seq in slot.handles))
        self.stats.calls += 1
        data = await self.client.execute(
            "inventorySetQuantities",
            api.SET_AVAILABLE,
            api.set_available_variables(rows, key),
            cost=api.SET_AVAILABLE_COST,
        )
        return [msgspec.convert(error, UserError) for error in api.user_errors_of_set(data)]

    async def _accepted(self, attempt: Attempt, batch: dict[Key, PendingSlot[Msg]]) -> None:
        now = self._wall()
        self.stats.last_success = now
        for key, plan in attempt.plans.items():
            row = attempt.rows[key]
            self._drifts[key] = api.known_after(row, plan)
            self.written.note(key[0], key[1], plan.quantity)
            self.stats.rows_written += 1
            self.stats.coalesced_away += row.messages - 1
            self.stats.latency.observe(now - row.first_changed_at)
        for key in list(attempt.plans):
            await self._done(batch.pop(key))

    async def _after_refusal(
        self, attempt: Attempt, batch: dict[Key, PendingSlot[Msg]], errors: list[UserError]
    ) -> None:
        """Drop rows Shopify can never accept, replan stale ones from what Shopify holds now."""
        for key, row_errors in errors_by_row(list(attempt.plans), errors).items():
            if any(error.code == "INVALID_INVENTORY_ITEM" for error in row_errors):
                self.reads.forget_item(key[0])
            if any(error.code != STALE for error in row_errors):
                await self._dead_letter(
                    _deliveries([batch.pop(key)]), "shopify_refused_row", ShopifyUserErrors("row", row_errors)
                )
                del attempt.plans[key]
        if not any(error.code == STALE for error in errors):
            return
        self.stats.stale_batches += 1
        writes = attempt.writes()
        actual = await self.reads.available([(w.inventory_item_id, key[1]) for key, w in writes.items()])
        for key, write in writes.items():
            now_holds = actual.get((write.inventory_item_id, key[1]))
            if now_holds is None:  # the level vanished (item unstocked) while we wrote
                await self._settle([batch.pop(key)], "not_stocked", "no inventory level")
                del attempt.plans[key]
                continue
            plan = attempt.plans[key]
            attempt.plans[key] = replanned = api.replan_stale(attempt.rows[key], plan, now_holds)
            if now_holds != plan.compare:
                self._report_drift(key, plan.compare, now_holds, replanned.quantity)

    def _report_drift(self, key: Key, expected: int | None, actual: int, written: int) -> None:
        self.stats.drift += 1
        where = {"sku": key[0], "shop": self.shop, "location": key[1]}
        log.warning("inventory.drift", **where, expected=expected, actual=actual, written=written)

    # -- acks, confirmations and dead letters ------------------------------------------------------
    async def _done(self, slot: PendingSlot[Msg]) -> None:
        """Shopify took the row (or held it already): confirm it if asked (before the ack: a crash
        in between repeats the confirmation, never loses it), then ack its messages."""
        known = self._drifts.get((slot.row.sku, slot.row.location_id))
        await self._confirmations.confirm(slot.row, known.drift if known else 0)
        for msg in slot.handles.values():
            await msg.ack()

    async def _settle(self, slots: list[PendingSlot[Msg]], reason: str, error: str) -> None:
        """Rows that can never be written here (no such item, not stocked): Shopify sells none of
        it at that location, so a confirmation holds; their messages are dead-lettered."""
        for slot in slots:
            await self._confirmations.confirm(slot.row)
        await self._dead_letter(_deliveries(slots), reason, error)

    async def _dead_letter(
        self, deliveries: list[tuple[int, Msg]], reason: str, error: BaseException | str
    ) -> None:
        for seq, msg in deliveries:
            await self.bus.dead_letter(
                origin_subject=msg.subject, data=msg.data, headers=msg.headers, reason=reason,
                error=error, origin_seq=seq, consumer=self.durable,
            )
            await msg.ack()
            self.stats.dead_lettered += 1


def _deliveries(slots: Any) -> list[tuple[int, Msg]]:
    return [(seq, msg) for slot in slots for seq, msg in slot.handles.items()]
