"""What the Shopify inbound gateway puts on the ingress stream (`evt.shopify.<shop>.<topic>`)."""

from __future__ import annotations

import msgspec

WEBHOOK_TYPE = "shopify.webhook"


class ShopifyWebhook(msgspec.Struct, frozen=True, kw_only=True, tag=WEBHOOK_TYPE):
    """One verified webhook delivery (or a reconciler find), body kept byte-exact.

    `body` is the raw JSON Shopify signed: re-serialising it would change escapes (`\\/`, `\\u0026`)
    and break any later HMAC check or audit, so it travels as msgspec.Raw, never re-encoded.
    """

    shop: str  # the contract's shop name (not the domain)
    topic: str  # REST form, e.g. "orders/create"
    webhook_id: str  # X-Shopify-Webhook-Id: the same on retries, the dedupe key
    event_id: str | None = None  # X-Shopify-Event-Id: shared by every delivery of one merchant action
    triggered_at: str | None = None
    api_version: str | None = None
    synthetic: bool = False  # made by the reconciler from a GraphQL read, not delivered by Shopify
    body: msgspec.Raw
