"""The Shopify webhook receiver: verify, store durably, and only then say 200 (DESIGN §4).

    app = webhook_app(bus, contract, webhook_secrets_from_env(contract))   # mount at /webhooks/shopify

`POST /webhooks/shopify`:
- the shop comes from `X-Shopify-Shop-Domain` (a domain the contract does not list: 404);
- `X-Shopify-Hmac-Sha256` is checked over the raw body with the shop's secret in constant time
  (missing or wrong: 401, nothing published) [reference/shopify.md §6];
- a malformed topic, a missing webhook id or a body that is not a JSON object: 400;
- the delivery is published to `evt.shopify.<shop>.<topic>` with `Nats-Msg-Id` = the webhook id
  (a retry or duplicate is stored once) and answered 200 only after the JetStream ack; when NATS
  cannot store it the answer is 503, so Shopify delivers it again later.

Every topic is accepted and stored; the router decides which ones feed the SKU actors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import time
from collections.abc import Mapping

import anyio
import msgspec
import nats.errors
import structlog
from aiohttp import web

from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import shopify_event
from contract.config import Contract, Shop
from gateways.shopify.messages import ShopifyWebhook

log = structlog.get_logger(__name__)

WEBHOOK_PATH = "/webhooks/shopify"
# Shopify bodies are usually small, but an order with hundreds of lines is not; aiohttp's 1 MiB
# default would turn those into 413s that Shopify retries forever.
MAX_BODY_BYTES = 16 * 1024 * 1024
TOPIC_FORMAT = re.compile(r"^[a-z_]+/[a-z_]+$")
STORE_FAILURES = (nats.errors.Error, TimeoutError, ConnectionError)
# Shopify gives a receiver 5 s [reference §6]; answering 503 before that beats being timed out.
STORE_TIMEOUT = 4.0


class MissingSecret(ValueError):
    """A shop's webhook secret is not in the environment; names the variable."""


def webhook_secrets_from_env(contract: Contract, env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Shop name → webhook secret, read from the variables the contract names."""
    secrets: dict[str, str] = {}
    for shop in contract.shops:
        value = env.get(shop.webhook_secret_env)
        if not value:
            raise MissingSecret(
                f"shops[{shop.name}].webhook_secret_env: ${shop.webhook_secret_env} is not set"
            )
        secrets[shop.name] = value
    return secrets


def hmac_matches(body: bytes, secret: str, header: str | None) -> bool:
    """Whether `header` is base64(HMAC-SHA256(secret, body)); constant time in the digest."""
    if not header:
        return False
    try:
        given = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class WebhookReceiver:
    """The request handler; holds the contract's shops by domain and their secrets."""

    def __init__(
        self,
        bus: Bus,
        contract: Contract,
        secrets: Mapping[str, str],
        *,
        store_timeout: float = STORE_TIMEOUT,
    ) -> None:
        self.bus = bus
        self.store_timeout = store_timeout
        self._shops: dict[str, Shop] = {shop.domain.lower(): shop for shop in contract.shops}
        missing = [shop.name for shop in contract.shops if not secrets.get(shop.name)]
        if missing:
            raise MissingSecret(f"no webhook secret for shop(s) {', '.join(missing)}")
        self._secrets = dict(secrets)

    async def handle(self, request: web.Request) -> web.Response:
        headers = request.headers  # case-insensitive, as Shopify's header names must be matched
        domain = (headers.get("X-Shopify-Shop-Domain") or "").lower()
        shop = self._shops.get(domain)
        if shop is None:
            log.warning("shopify.webhook_unknown_shop", domain=domain)
            return _problem(404, f"unknown shop domain {domain!r}")
        body = await request.read()
        if not hmac_matches(body, self._secrets[shop.name], headers.get("X-Shopify-Hmac-Sha256")):
            log.warning("shopify.webhook_bad_hmac", shop=shop.name, topic=headers.get("X-Shopify-Topic"))
            return _problem(401, "HMAC verification failed")
        webhook, problem = self._webhook(shop, headers, body)
        if webhook is None:
            return _problem(400, problem)
        return await self._store(webhook)

    @staticmethod
    def _webhook(shop: Shop, headers: Mapping[str, str], body: bytes) -> tuple[ShopifyWebhook | None, str]:
        topic = headers.get("X-Shopify-Topic") or ""
        if not TOPIC_FORMAT.match(topic):
            return None, f"X-Shopify-Topic: expected a topic like orders/create, got {topic!r}"
        webhook_id = headers.get("X-Shopify-Webhook-Id")
        if not webhook_id:
            return None, "X-Shopify-Webhook-Id: missing"
        try:
            parsed = msgspec.json.decode(body)
        except msgspec.DecodeError as exc:
            return None, f"body: not JSON ({exc})"
        if not isinstance(parsed, dict):
            return None, "body: expected a JSON object"
        return (
            ShopifyWebhook(
                shop=shop.name,
                topic=topic,
                webhook_id=webhook_id,
                event_id=headers.get("X-Shopify-Event-Id"),
                triggered_at=headers.get("X-Shopify-Triggered-At"),
                api_version=headers.get("X-Shopify-API-Version"),
                body=msgspec.Raw(body),
            ),
            "",
        )

    async def _store(self, webhook: ShopifyWebhook) -> web.Response:
        subject = shopify_event(webhook.shop, webhook.topic)
        attributes = {
            "tandem.flow": "shopify.webhook",
            "shopify.topic": webhook.topic,
            "shopify.shop": webhook.shop,
        }
        # The flow's trace starts here: the publish span below is a child of this one.
        with self.bus.tracer.process(
            subject,
            None,
            msg_id=webhook.webhook_id,
            consumer="shopify-webhooks",
            template="evt.shopify.{shop}.{topic}",
            attributes=attributes,
        ):
            envelope = make_envelope(
                webhook, key=webhook.shop, id=f"shopify-webhook:{webhook.webhook_id}", at=time.time()
            )
            item = Outgoing(
                subject=subject,
                envelope=envelope,
                msg_id=webhook.webhook_id,
                template="evt.shopify.{shop}.{topic}",
                attributes=attributes,
            )
            try:
                with anyio.fail_after(self.store_timeout):
                    ack = await self.bus.publish(item)
            except STORE_FAILURES as exc:
                log.error(
                    "shopify.webhook_not_stored",
                    shop=webhook.shop,
                    topic=webhook.topic,
                    webhook_id=webhook.webhook_id,
                    error=repr(exc),
                )
                return _problem(503, "could not store the webhook; retry later")
        log.info(
            "shopify.webhook_stored",
            shop=webhook.shop,
            topic=webhook.topic,
            webhook_id=webhook.webhook_id,
            seq=ack.seq,
            duplicate=bool(ack.duplicate),
        )
        return web.json_response({"stored": True, "duplicate": bool(ack.duplicate)})


def add_webhook_routes(
    app: web.Application, bus: Bus, contract: Contract, secrets: Mapping[str, str]
) -> None:
    """Mount `POST /webhooks/shopify` on an existing app (the engine's one HTTP server)."""
    app.router.add_post(WEBHOOK_PATH, WebhookReceiver(bus, contract, secrets).handle)


def webhook_app(bus: Bus, contract: Contract, secrets: Mapping[str, str]) -> web.Application:
    """A standalone app with only the webhook receiver."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    add_webhook_routes(app, bus, contract, secrets)
    return app
