"""IngressRouter: Shopify webhooks and POS holds on the ingress stream → SKU-actor messages.

One durable pull consumer (`gateway-shopify-router`) on TANDEM_INGRESS, filtered to `evt.shopify.>`
and `evt.pos.>`. Each fetched message is decoded and translated (pure: contract/shopify_orders.py),
its SKU messages are published to `act.sku.<sku>` in one pipelined `publish_many` inside the
message's trace, and only then is it acked: a crash in between redelivers it, and the
content-derived message ids make the second publish a no-op in JetStream. A message that cannot be
decoded or translated goes to the dead-letter stream with its error and is acked, so a bad payload
never crash-loops the router. When NATS itself fails, the rest of the batch is nak'ed and retried
after a backoff, never dead-lettered; a consumer lost with its stream is recreated.

Topics not routed here (`inventory_levels/update`, `products/update`, `orders/paid`, …) are acked
and stay on the ingress stream for 7 days: the outbound side's drift check reads them with its own
consumer on `evt.shopify.*.inventory_levels.update` / `evt.shopify.*.products.update`.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from actors.sku_messages import SKU_KIND, HoldPlaced, HoldReleased
from bus import subjects
from bus.bus import INFRA_ERRORS, Bus, Outgoing
from bus.envelope import Envelope, EnvelopeCodec, EnvelopeError, make_envelope
from contract.config import Contract
from contract.shopify_orders import ShopifyPayloadError, SkuCommand, resolve_location, translate_webhook
from gateways.pos.messages import PosHoldPlaced, PosHoldReleased, PosMessage
from gateways.shopify.messages import ShopifyWebhook

log = structlog.get_logger(__name__)

DURABLE = "gateway-shopify-router"
FILTERS = (subjects.SHOPIFY_EVENTS, subjects.POS_EVENTS)
BAD_INPUT = (EnvelopeError, ShopifyPayloadError, msgspec.ValidationError)

IngressMessage = ShopifyWebhook | PosMessage


class RouterConfig(msgspec.Struct, frozen=True, kw_only=True):
    fetch_batch: int = 128
    ack_wait: float = 30.0
    fetch_timeout: float = 0.5
    retry_backoff: float = 0.5
    consumer_check_every: float = 5.0  # seconds without messages before checking the consumer still exists


def hold_commands(contract: Contract, message: PosHoldPlaced | PosHoldReleased) -> list[SkuCommand]:
    """A POS hold (or its release) as the SKU actor's message, its location mapped by the contract."""
    if isinstance(message, PosHoldPlaced):
        placed = HoldPlaced(
            hold_id=message.hold_id,
            location=resolve_location(contract, message.shop, message.location),
            quantity=message.quantity,
            expires_at=message.expires_at,
        )
        hold_key = f"{message.hold_id}:{message.sku}:{message.quantity}:{message.expires_at:.3f}"
        message_id = f"pos:{message.shop}:hold:{hold_key}"
        return [SkuCommand(sku=message.sku, message_id=message_id, payload=placed)]
    released = HoldReleased(hold_id=message.hold_id)
    message_id = f"pos:{message.shop}:hold_release:{message.hold_id}:{message.sku}"
    return [SkuCommand(sku=message.sku, message_id=message_id, payload=released)]


def ingress_commands(contract: Contract, envelope: Envelope[Any]) -> list[SkuCommand]:
    """What one ingress message means to the SKU actors (pure; raises on a bad payload)."""
    payload = envelope.payload
    if isinstance(payload, ShopifyWebhook):
        return translate_webhook(contract, payload.shop, payload.topic, bytes(payload.body))
    return hold_commands(contract, payload)


def to_outgoing(envelope: Envelope[Any], commands: list[SkuCommand]) -> list[Outgoing]:
    order = getattr(envelope.payload, "topic", None) and _order_id(commands)
    return [
        Outgoing(
            subject=subjects.actor(SKU_KIND, command.sku),
            envelope=make_envelope(
                command.payload,
                key=command.sku,
                id=command.message_id,
                at=envelope.time,
                correlation_id=envelope.correlation_id or envelope.id,
                causation_id=envelope.id,
            ),
            template="act.sku.{key}",
            attributes={"tandem.sku": command.sku, "tandem.order": order or None},
        )
        for command in commands
    ]


def _order_id(commands: list[SkuCommand]) -> str | None:
    for command in commands:
        order_id = getattr(command.payload, "order_id", None)
        if order_id is not None:
            return str(order_id)
    return None


class IngressRouter:
    """Consumes ingress until `stop()` or cancellation; see the module docstring."""

    def __init__(self, bus: Bus, contract: Contract, config: RouterConfig | None = None) -> None:
        self.bus = bus
        self.contract = contract
        self.config = config or RouterConfig()
        self._codec: EnvelopeCodec[IngressMessage] = EnvelopeCodec(IngressMessage)
        self._stopping = anyio.Event()
        self.routed = 0  # ingress messages translated and acked
        self.dead_lettered = 0

    def stop(self) -> None:
        self._stopping.set()

    async def _ensure_consumer(self) -> None:
        config = ConsumerConfig(
            durable_name=DURABLE,
            filter_subjects=list(FILTERS),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.config.ack_wait,
            max_ack_pending=max(self.config.fetch_batch * 4, 1000),
        )
        await self.bus.js.add_consumer(subjects.STREAM_INGRESS, config)

    async def _bind(self) -> Any:
        await self._ensure_consumer()
        return await self.bus.js.pull_subscribe_bind(DURABLE, stream=subjects.STREAM_INGRESS)

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        sub = await self._bind()
        task_status.started()
        last_check = time.monotonic()
        try:
            while not self._stopping.is_set():
                try:
                    msgs = await sub.fetch(self.config.fetch_batch, timeout=self.config.fetch_timeout)
                except (nats.errors.TimeoutError, TimeoutError):
                    msgs = []
                except INFRA_ERRORS as exc:
                    log.warning("router.fetch_failed", error=repr(exc))
                    await anyio.sleep(self.config.retry_backoff)
                    msgs = []
                if msgs:
                    await self._route_batch(msgs)
                elif time.monotonic() - last_check >= self.config.consumer_check_every:
                    last_check = time.monotonic()
                    sub = await self._rebind_if_lost(sub)
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                await sub.unsubscribe()

    async def _rebind_if_lost(self, sub: Any) -> Any:
        """A pull on a consumer that no longer exists just times out: look, and recreate it if gone
        (the stream was restored or recreated by an operator)."""
        try:
            await self.bus.js.consumer_info(subjects.STREAM_INGRESS, DURABLE)
            return sub
        except NotFoundError:
            log.warning("router.consumer_lost", durable=DURABLE)
        except INFRA_ERRORS as exc:
            log.warning("router.consumer_check_failed", error=repr(exc))
            return sub
        try:
            fresh = await self._bind()
        except INFRA_ERRORS as exc:
            log.warning("router.rebind_failed", error=repr(exc))
            return sub
        with anyio.move_on_after(5):
            await sub.unsubscribe()
        return fresh

    async def _route_batch(self, msgs: list[Msg]) -> None:
        for index, msg in enumerate(msgs):
            try:
                await self._route(msg)
            except INFRA_ERRORS as exc:
                # NATS could not store the messages: leave this one and the rest of the batch for later.
                log.warning("router.publish_failed", subject=msg.subject, error=repr(exc))
                for unrouted in msgs[index:]:
                    await unrouted.nak(delay=self.config.retry_backoff)
                await anyio.sleep(self.config.retry_backoff)
                return

    async def _route(self, msg: Msg) -> None:
        """Translate, publish to the SKU actors inside this message's trace, then ack."""
        try:
            envelope = self._codec.decode(msg.data)
        except EnvelopeError as exc:
            await self._dead_letter(msg, exc)
            return
        with self.bus.tracer.process(msg.subject, msg.headers, msg_id=envelope.id, consumer=DURABLE):
            try:
                outgoing = to_outgoing(envelope, ingress_commands(self.contract, envelope))
            except BAD_INPUT as exc:
                await self._dead_letter(msg, exc)
                return
            except Exception as exc:  # a translation bug: park this message with its traceback, go on
                log.exception("router.translation_failed", subject=msg.subject)
                await self._dead_letter(msg, exc, reason="translation_failed")
                return
            if outgoing:
                await self.bus.publish_many(outgoing)
        await msg.ack()
        self.routed += 1

    async def _dead_letter(self, msg: Msg, error: Exception, reason: str = "untranslatable") -> None:
        seq = msg.metadata.sequence.stream
        await self.bus.dead_letter(
            origin_subject=msg.subject,
            data=msg.data,
            headers=msg.headers,
            reason=reason,
            error=error,
            origin_seq=seq,
            consumer=DURABLE,
        )
        await msg.ack()
        self.dead_lettered += 1
