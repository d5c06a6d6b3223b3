"""IngressRouter: Shopify webhooks and POS holds on the ingress stream → SKU-actor messages.

One durable pull consumer (`gateway-shopify-router`) on TANDEM_INGRESS, filtered to `evt.shopify.>`
and `evt.pos.>`. Each fetched message is decoded and translated (pure: contract/shopify_orders.py),
its SKU messages are published to `act.sku.<sku>` in one pipelined `publish_many` inside the
message's trace, and only then is it acked: a crash in between redelivers it, and the
content-derived message ids make the second publish a no-op in JetStream. A message that cannot be
decoded or translated goes to the dead-letter stream with its error and is acked, so a bad payload
never crash-loops the router. A fetched batch is routed concurrently (`concurrency`): Shopify
delivers webhooks in no order, and the SKU actor orders an order's versions itself. When NATS
itself fails, the messages it could not store are nak'ed and retried after a backoff, never
dead-lettered; a consumer lost with its stream is recreated.

Where Shopify fills a web order (contract/shopify_orders.py, "Location"): in a shop whose storefronts
map several locations, the router reads where Shopify holds the order's units (its fulfillment orders
and their fulfillments: fulfillment_orders.py) through the shop's GraphQL client, inside the message's
trace and the shop's cost throttle, and passes that to the translation; other orders cost no call.
When that read fails (transport or THROTTLED beyond the client's retries, auth, a bad answer), the
message is nak'ed and retried after `lookup_retry_delay`, and the shop's further reads are skipped
(nak'ed at once) until then, so one shop's outage does not stall the others or the POS holds. It is
not translated with the web location instead: that guess, a newer version the actor keeps until the
next one, would put the units of a line Shopify fills at the 3PL back at the warehouse (the 3PL
oversells: the very bug) or, for a split line, count the share left at the 3PL twice. A delay is the
honest failure: the order's demand waits (a write meanwhile meets Shopify's own lowered `available`
in its compare-and-set), but lands where Shopify took it. Without clients (`shopify=None`) the router
never reads: every web order is at the web location.

Topics not routed here (`inventory_levels/update`, `products/update`, `orders/paid`, …) are acked
and stay on the ingress stream for 7 days: the drift checks read them with consumers of their own
(level_webhooks.py on `evt.shopify.<shop>.inventory_levels.update`, item_sync.py on
`evt.shopify.*.products.update`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

import anyio
import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from actors.sku_messages import HoldPlaced, HoldReleased
from bus import subjects
from bus.bus import INFRA_ERRORS, Bus, Outgoing
from bus.envelope import Envelope, EnvelopeCodec, EnvelopeError, make_envelope
from contract.config import Contract
from contract.shopify_orders import (
    ORDER_TOPICS,
    LineLocations,
    ShopifyPayloadError,
    SkuCommand,
    decode_order,
    inventory_skus,
    needs_fulfillment_orders,
    resolve_location,
    split_locations,
    translate_webhook,
)
from gateways.pos.messages import PosHoldPlaced, PosHoldReleased, PosMessage
from gateways.shopify.errors import ShopifyError
from gateways.shopify.fulfillment_orders import fulfillment_line_locations
from gateways.shopify.graphql import ShopifyGraphQL
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
    lookup_retry_delay: float = 5.0  # a failed fulfillment-order read: the nak's delay and the shop's pause
    # Messages of one fetched batch routed at once: each waits for its JetStream acks (and maybe a
    # fulfillment-order read), so one at a time would cap a flash sale at a few hundred webhooks/s.
    concurrency: int = 32


def hold_commands(contract: Contract, message: PosHoldPlaced | PosHoldReleased) -> list[SkuCommand]:
    """A POS hold (or its release) as the SKU actors' messages, its location mapped by the contract.
    A kit's hold holds its components (units per kit × quantity), as its order lines do."""
    commands: list[SkuCommand] = []
    for sku, units in inventory_skus(contract, message.sku, gift_card=False):
        part = message.sku if sku == message.sku else f"{message.sku}>{sku}"  # one id per actor message
        if isinstance(message, PosHoldPlaced):
            placed = HoldPlaced(
                hold_id=message.hold_id,
                location=resolve_location(contract, message.shop, message.location),
                quantity=units * message.quantity,
                expires_at=message.expires_at,
                shop=message.shop,
            )
            hold_key = f"{message.hold_id}:{part}:{message.quantity}:{message.expires_at:.3f}"
            message_id = f"pos:{message.shop}:hold:{hold_key}"
            commands.append(SkuCommand(sku=sku, message_id=message_id, payload=placed))
        else:
            released = HoldReleased(hold_id=message.hold_id, order_id=message.order_id)
            message_id = f"pos:{message.shop}:hold_release:{message.hold_id}:{part}"
            commands.append(SkuCommand(sku=sku, message_id=message_id, payload=released))
    return commands


def ingress_commands(
    contract: Contract, envelope: Envelope[Any], assigned: LineLocations | None = None
) -> list[SkuCommand]:
    """What one ingress message means to the SKU actors (pure; raises on a bad payload). `assigned`:
    where Shopify holds the order's units, when it was read."""
    payload = envelope.payload
    if isinstance(payload, ShopifyWebhook):
        return translate_webhook(contract, payload.shop, payload.topic, bytes(payload.body), assigned)
    return hold_commands(contract, payload)


def order_to_look_up(contract: Contract, envelope: Envelope[Any]) -> str | None:
    """The id of the order whose units' locations this message needs read, if any (pure; raises on a
    bad order body)."""
    payload = envelope.payload
    if not isinstance(payload, ShopifyWebhook) or payload.topic not in ORDER_TOPICS:
        return None
    order = decode_order(bytes(payload.body))
    return str(order.id) if needs_fulfillment_orders(contract, payload.shop, order) else None


def to_outgoing(envelope: Envelope[Any], commands: list[SkuCommand]) -> list[Outgoing]:
    order = getattr(envelope.payload, "topic", None) and _order_id(commands)
    return [
        Outgoing(
            subject=subjects.actor(command.kind, command.sku),
            envelope=make_envelope(
                command.payload,
                key=command.sku,
                id=command.message_id,
                at=envelope.time,
                correlation_id=envelope.correlation_id or envelope.id,
                causation_id=envelope.id,
            ),
            template=f"act.{command.kind}.{{key}}",
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

    def __init__(
        self,
        bus: Bus,
        contract: Contract,
        config: RouterConfig | None = None,
        *,
        shopify: Mapping[str, ShopifyGraphQL] | None = None,
    ) -> None:
        self.bus = bus
        self.contract = contract
        self.config = config or RouterConfig()
        self.shopify = shopify  # None: no fulfillment-order lookups (module docstring)
        looked_up = [shop.name for shop in contract.shops if len(split_locations(contract, shop.name)) > 1]
        missing = [name for name in looked_up if shopify is not None and name not in shopify]
        if missing:
            raise ValueError(f"router: no Shopify client for shops {missing} (their web orders need lookups)")
        self._codec: EnvelopeCodec[IngressMessage] = EnvelopeCodec(IngressMessage)
        self._stopping = anyio.Event()
        self._paused_until: dict[str, float] = {}  # shop -> monotonic time its lookups resume
        self.routed = 0  # ingress messages translated and acked
        self.dead_lettered = 0
        self.lookups = 0  # fulfillment-order reads done
        self.lookups_failed = 0  # messages nak'ed because the read failed (or its shop was paused)

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
        """Route a fetched batch concurrently: Shopify delivers webhooks in no order anyway, and the
        SKU actor orders an order's versions itself (version_at, content-derived ids)."""
        limiter = anyio.CapacityLimiter(self.config.concurrency)
        failed: list[Msg] = []

        async def route(msg: Msg) -> None:
            async with limiter:
                try:
                    await self._route(msg)
                except INFRA_ERRORS as exc:
                    # NATS could not store its messages: this one is redelivered after the backoff
                    log.warning("router.publish_failed", subject=msg.subject, error=repr(exc))
                    failed.append(msg)

        async with anyio.create_task_group() as tg:
            for msg in msgs:
                tg.start_soon(route, msg)
        if failed:
            for msg in failed:
                # unacked if the nak fails too: redelivered after ack_wait
                with anyio.move_on_after(self.config.retry_backoff), contextlib.suppress(*INFRA_ERRORS):
                    await msg.nak(delay=self.config.retry_backoff)
            await anyio.sleep(self.config.retry_backoff)

    async def _route(self, msg: Msg) -> None:
        """Translate (after reading the fulfillment orders it needs), publish to the SKU actors inside
        this message's trace, then ack."""
        try:
            envelope = self._codec.decode(msg.data)
        except EnvelopeError as exc:
            await self._dead_letter(msg, exc)
            return
        with self.bus.tracer.process(msg.subject, msg.headers, msg_id=envelope.id, consumer=DURABLE):
            try:
                assigned = await self._look_up(envelope)
                outgoing = to_outgoing(envelope, ingress_commands(self.contract, envelope, assigned))
            except ShopifyError as exc:
                await self._retry_later(msg, envelope, exc)
                return
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

    async def _look_up(self, envelope: Envelope[Any]) -> LineLocations | None:
        """Where Shopify holds the order's units, when the translation needs it (else None)."""
        if self.shopify is None:
            return None
        order_id = order_to_look_up(self.contract, envelope)
        if order_id is None:
            return None
        shop = envelope.payload.shop
        if time.monotonic() < self._paused_until.get(shop, 0.0):
            raise ShopifyError("PAUSED", f"fulfillment-order reads of shop {shop!r} paused after a failure")
        self.lookups += 1
        try:
            return await fulfillment_line_locations(self.shopify[shop], order_id)
        except ShopifyError:
            self._paused_until[shop] = time.monotonic() + self.config.lookup_retry_delay
            raise

    async def _retry_later(self, msg: Msg, envelope: Envelope[Any], error: ShopifyError) -> None:
        self.lookups_failed += 1
        log.warning(
            "router.fulfillment_orders_unread",
            subject=msg.subject,
            msg_id=envelope.id,
            code=error.code,
            error=str(error),
            retry_in=self.config.lookup_retry_delay,
        )
        await msg.nak(delay=self.config.lookup_retry_delay)

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
