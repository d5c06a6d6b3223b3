"""LevelWebhooks: one shop's `inventory_levels/update` webhooks → the SKU actors' drift check.

The receiver stored every webhook on the ingress stream; the router leaves this topic alone. This
durable consumer (`shopify-levels-<shop>`, new deliveries from its first start on: a level check is
about the present) decodes each body (contract/shopify_levels.py), finds the item's SKU — from the
writer's cache when Tandem has written it (InventoryReads, shared), else one `inventoryItem` query
inside the shop's cost throttle — and sends that SKU's actor a `ShopifyLevelSeen` under an id made
from the webhook id (a redelivery is dropped by JetStream), inside the webhook's trace, then acks.
Most are the echoes of Tandem's own writes: a number equal to one of the last values the shop's
writer set there (written_values.py) is acked without a turn of the actor (which would find the
same: actors/sku/level_check.py).
The actor decides whether the number is drift (actors/sku/level_check.py).

An item Tandem does not manage (not allowed by the catalog, a kit, no SKU in Shopify) is acked and
counted, never sent. A body that cannot be decoded goes to the dead-letter stream. A failed lookup
is nak'ed and retried after `retry_delay`: the check is late, not lost.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import anyio
import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from actors.sku_messages import SKU_KIND
from bus import subjects
from bus.bus import INFRA_ERRORS, Bus, Outgoing
from bus.envelope import EnvelopeCodec, EnvelopeError, make_envelope
from contract.config import Contract
from contract.shopify_levels import LEVELS_TOPIC, decode_level, item_gid, level_seen
from contract.shopify_orders import ShopifyPayloadError
from gateways.shopify.errors import ShopifyError
from gateways.shopify.inventory_reads import InventoryReads
from gateways.shopify.messages import ShopifyWebhook
from gateways.shopify.written_values import WrittenValues

log = structlog.get_logger(__name__)

BAD_INPUT = (EnvelopeError, ShopifyPayloadError, msgspec.ValidationError)


@dataclass
class LevelStats:
    checked: int = 0  # levels sent to a SKU actor
    echoes: int = 0  # levels equal to one of the writer's last values there: not sent
    unmanaged: int = 0  # levels of items Tandem does not manage (or untracked): acked, not sent
    lookups_failed: int = 0
    dead_lettered: int = 0


class LevelWebhooks:
    """Consumes one shop's level webhooks until `stop()` or cancellation (module docstring)."""

    def __init__(
        self,
        bus: Bus,
        reads: InventoryReads,
        contract: Contract,
        *,
        written: WrittenValues | None = None,
        fetch_batch: int = 100,
        retry_delay: float = 5.0,
    ) -> None:
        self.bus, self.reads, self.contract = bus, reads, contract
        self.written = written or WrittenValues()
        self.shop = reads.client.shop.name
        self.durable = f"shopify-levels-{subjects.encode_token(self.shop)}"
        self.fetch_batch, self.retry_delay = fetch_batch, retry_delay
        self.stats = LevelStats()
        self._codec: EnvelopeCodec[ShopifyWebhook] = EnvelopeCodec(ShopifyWebhook)
        self._stopping = anyio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        config = ConsumerConfig(
            durable_name=self.durable,
            filter_subject=subjects.shopify_event(self.shop, LEVELS_TOPIC),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW,
            ack_wait=30.0,
            max_deliver=-1,
        )
        await self.bus.js.add_consumer(subjects.STREAM_INGRESS, config)
        sub = await self.bus.js.pull_subscribe_bind(self.durable, stream=subjects.STREAM_INGRESS)
        task_status.started()
        try:
            while not self._stopping.is_set():
                try:
                    msgs = await sub.fetch(self.fetch_batch, timeout=0.5)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except INFRA_ERRORS as exc:
                    log.warning("levels.fetch_failed", shop=self.shop, error=repr(exc))
                    await anyio.sleep(1.0)
                    continue
                for msg in msgs:
                    await self._check(msg)
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                await sub.unsubscribe()

    async def _check(self, msg: Msg) -> None:
        try:
            envelope = self._codec.decode(msg.data)
        except EnvelopeError as exc:
            await self._dead_letter(msg, exc)
            return
        webhook = envelope.payload
        with self.bus.tracer.process(msg.subject, msg.headers, msg_id=envelope.id, consumer=self.durable):
            try:
                level = decode_level(bytes(webhook.body))
                seen = level_seen(webhook.shop, level)
                sku = await self.reads.sku_of(item_gid(level)) if seen is not None else None
            except BAD_INPUT as exc:
                await self._dead_letter(msg, exc)
                return
            except ShopifyError as exc:
                self.stats.lookups_failed += 1
                log.warning("levels.sku_unread", shop=self.shop, code=exc.code, error=str(exc))
                with contextlib.suppress(*INFRA_ERRORS):
                    await msg.nak(delay=self.retry_delay)
                return
            if seen is None or sku is None or not self._managed(sku):
                self.stats.unmanaged += 1
            elif self.written.recently(sku, seen.location_id, seen.available):
                self.stats.echoes += 1  # our own write coming back: no turn needed
            else:
                message = make_envelope(
                    seen,
                    key=sku,
                    id=f"shopify:{webhook.shop}:level:{webhook.webhook_id}",
                    at=envelope.time,
                    correlation_id=envelope.correlation_id or envelope.id,
                    causation_id=envelope.id,
                )
                await self.bus.publish(
                    Outgoing(
                        subject=subjects.actor(SKU_KIND, sku),
                        envelope=message,
                        template="act.sku.{key}",
                        attributes={"tandem.sku": sku},
                    )
                )
                self.stats.checked += 1
        await msg.ack()

    def _managed(self, sku: str) -> bool:
        return self.contract.sku_allowed(sku) and self.contract.bundle(sku) is None

    async def _dead_letter(self, msg: Msg, error: Exception) -> None:
        await self.bus.dead_letter(
            origin_subject=msg.subject,
            data=msg.data,
            headers=msg.headers,
            reason="untranslatable",
            error=error,
            origin_seq=msg.metadata.sequence.stream,
            consumer=self.durable,
        )
        await msg.ack()
        self.stats.dead_lettered += 1
