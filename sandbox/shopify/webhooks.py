"""Webhook delivery as Shopify does it: signed REST-shaped bodies, at-least-once, retries with backoff,
no ordering, a timeout on slow receivers, and subscriptions removed after repeated failure [reference §6].

Deliveries run as tasks in the dispatcher's own task group (started by the sandbox), never fire-and-forget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import anyio
import msgspec
from anyio.abc import TaskStatus
from anyio.streams.memory import MemoryObjectSendStream

from .events import TOPICS, ShopEvent
from .payloads import event_payload
from .runtime import ShopRuntime

# Shopify retries 8 times over 4 hours with exponential backoff; tests pass a compressed schedule.
SHOPIFY_RETRY_DELAYS: tuple[float, ...] = (10, 30, 60, 300, 900, 1800, 3600, 7200)
DELETE_AFTER_FAILURES = 8


class DeliveryAttempt(msgspec.Struct, frozen=True):
    """One POST of one delivery, as the ground-truth log keeps it."""

    webhook_id: str
    event_id: str
    topic: str
    uri: str
    attempt: int
    at: datetime
    status: int | None
    error: str | None
    delivered: bool


@dataclass(frozen=True)
class Delivery:
    runtime: ShopRuntime
    subscription_id: int
    uri: str
    topic: str
    body: bytes
    headers: dict[str, str]
    delay: float


def shopify_json(payload: Any) -> bytes:
    """Serialise like Shopify: compact, `/` escaped as `\\/` and `&` as `\\u0026`
    (so a re-serialised body no longer matches the HMAC)."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.replace("/", "\\/").replace("&", "\\u0026").encode()


def sign(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 over the raw body with the app's client secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class WebhookDispatcher:
    def __init__(
        self,
        *,
        api_version: str,
        timeout: float = 5.0,
        retry_delays: Sequence[float] = SHOPIFY_RETRY_DELAYS,
        delete_after_failures: int | None = DELETE_AFTER_FAILURES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api_version = api_version
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)
        self.delete_after_failures = delete_after_failures
        self._clock = clock
        self._send: MemoryObjectSendStream[Delivery] | None = None
        self._backlog: list[Delivery] = []  # published while not running; sent when run() starts
        self.attempts: dict[str, list[DeliveryAttempt]] = {}
        self._in_flight = 0
        self._idle: anyio.Event | None = None

    async def wait_until_idle(self) -> None:
        """Return once no delivery is queued or in progress; callers put a deadline around it."""
        while self._in_flight:
            self._idle = anyio.Event()
            await self._idle.wait()

    def publish(self, runtime: ShopRuntime, events: Sequence[ShopEvent]) -> None:
        """Queue a delivery per matching subscription for each event; bodies are rendered now, once."""
        for event in events:
            enum_topic = TOPICS[event.topic]
            subscriptions = [s for s in runtime.state.webhooks.values() if s.topic == enum_topic]
            if not subscriptions:
                continue
            payload = event_payload(runtime.state, event.subject)
            event_id = str(uuid.uuid4())  # shared by every delivery of this one merchant action
            triggered_at = self._clock().isoformat().replace("+00:00", "Z")
            for subscription in subscriptions:
                trimmed = (
                    {k: v for k, v in payload.items() if k in subscription.include_fields}
                    if subscription.include_fields
                    else payload
                )
                self._queue(runtime, subscription, event.topic, shopify_json(trimmed), event_id, triggered_at)

    def _queue(
        self,
        runtime: ShopRuntime,
        subscription: Any,
        topic: str,
        body: bytes,
        event_id: str,
        triggered_at: str,
    ) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, runtime.state.config.webhook_secret),
            "X-Shopify-Shop-Domain": runtime.state.config.domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": triggered_at,
        }
        if subscription.name:
            headers["X-Shopify-Name"] = subscription.name
        plan = runtime.faults.delivery_plan()
        # A duplicate is the same delivery (same X-Shopify-Webhook-Id) arriving twice, as in production.
        for delay in plan.delays:
            self._in_flight += 1
            delivery = Delivery(runtime, subscription.id, subscription.uri, topic, body, headers, delay)
            if self._send is None:
                self._backlog.append(delivery)
            else:
                self._send.send_nowait(delivery)

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Deliver until cancelled; every delivery is a child task of this one."""
        send, receive = anyio.create_memory_object_stream[Delivery](max_buffer_size=math.inf)
        async with send, receive, aiohttp.ClientSession() as session, anyio.create_task_group() as deliveries:
            self._send = send
            try:
                for delivery in self._backlog:
                    send.send_nowait(delivery)
                self._backlog.clear()
                task_status.started()
                async for delivery in receive:
                    deliveries.start_soon(self._deliver, session, delivery)
            finally:
                self._send = None
                # Queued but not started: keep them for the next run() instead of losing them silently.
                while True:
                    try:
                        self._backlog.append(receive.receive_nowait())
                    except anyio.WouldBlock:
                        break

    async def _deliver(self, session: aiohttp.ClientSession, delivery: Delivery) -> None:
        try:
            if delivery.delay:
                await anyio.sleep(delivery.delay)
            schedule = (0.0, *self.retry_delays)
            for attempt, wait in enumerate(schedule, start=1):
                if wait:
                    await anyio.sleep(wait)
                if delivery.subscription_id not in delivery.runtime.state.webhooks:
                    return  # the subscription was deleted meanwhile
                if await self._attempt(session, delivery, attempt):
                    return
            self._give_up(delivery)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0 and self._idle is not None:
                self._idle.set()

    async def _attempt(self, session: aiohttp.ClientSession, delivery: Delivery, attempt: int) -> bool:
        status: int | None = None
        error: str | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout, connect=min(1.0, self.timeout))
            async with session.post(
                delivery.uri, data=delivery.body, headers=delivery.headers, timeout=timeout
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        delivered = status is not None and 200 <= status < 300
        subscription = delivery.runtime.state.webhooks.get(delivery.subscription_id)
        if subscription is not None:
            subscription.consecutive_failures = 0 if delivered else subscription.consecutive_failures + 1
        self.attempts.setdefault(delivery.runtime.name, []).append(
            DeliveryAttempt(
                delivery.headers["X-Shopify-Webhook-Id"],
                delivery.headers["X-Shopify-Event-Id"],
                delivery.topic,
                delivery.uri,
                attempt,
                self._clock(),
                status,
                error,
                delivered,
            )
        )
        return delivered

    def _give_up(self, delivery: Delivery) -> None:
        subscription = delivery.runtime.state.webhooks.get(delivery.subscription_id)
        if (
            subscription is not None
            and self.delete_after_failures is not None
            and subscription.consecutive_failures >= self.delete_after_failures
        ):
            del delivery.runtime.state.webhooks[delivery.subscription_id]
