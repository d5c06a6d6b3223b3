"""ShopReconciler: finds orders whose webhooks never came, by polling what changed since a cursor.

Shopify delivers webhooks at least once but not always (reference/shopify.md §6, §9.3) and
recommends reconciliation jobs. Every `interval` seconds, per shop:

    orders(query: "updated_at:>='<cursor − overlap>'", sortKey: UPDATED_AT, first: N, after: …)

page by page; each order is rebuilt in the REST shape the `orders/*` webhooks carry (only the fields
the translation reads) and published to `evt.shopify.<shop>.orders.updated` as a synthetic
`ShopifyWebhook` whose id is derived from (order id, updatedAt). So it goes through the very same
router and translation as a real delivery; the same order state found twice is stored once, and
SKU messages already produced by its real webhook dedupe on their content-derived ids.

The cursor (the newest `updatedAt` seen) lives in KV `tandem_cursors` under
`shopify.orders.<shop>` and moves only after every page of a pass is stored, so a crash repeats a
pass rather than skipping one. `>=` plus an overlap covers orders updated within the same second as
the cursor and Shopify's search index lagging a little behind writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import msgspec
import nats.errors
import structlog
from nats.js.errors import KeyNotFoundError

from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import BUCKET_CURSORS, encode_token, shopify_event
from gateways.shopify.errors import ShopifyError
from gateways.shopify.graphql import ShopifyGraphQL
from gateways.shopify.messages import ShopifyWebhook

log = structlog.get_logger(__name__)

SYNTHETIC_TOPIC = "orders/updated"
LINES_PER_ORDER = 50
REFUNDS_PER_ORDER = 5
LINES_PER_REFUND = 20
# Shopify's calculator: a connection costs 2 + first × node, an object 1 (reference §1).
_REFUND_COST = 1 + 2 + LINES_PER_REFUND * 2
# One refund more than we use: seeing it tells that the list was cut (there is no pageInfo on a list).
_ORDER_COST = 1 + 1 + (2 + LINES_PER_ORDER) + (REFUNDS_PER_ORDER + 1) * _REFUND_COST
MAX_QUERY_COST = 1000  # Shopify refuses a single query estimated above this (MAX_COST_EXCEEDED)


def page_cost(page_size: int) -> int:
    """Our (conservative) estimate of one page's requested cost."""
    return 2 + page_size * _ORDER_COST


ORDERS_QUERY = f"""
query TandemReconcileOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      legacyResourceId updatedAt cancelledAt sourceName retailLocation {{ id }}
      lineItems(first: {LINES_PER_ORDER}) {{
        pageInfo {{ hasNextPage }} nodes {{ id sku quantity currentQuantity isGiftCard }}
      }}
      refunds(first: {REFUNDS_PER_ORDER + 1}) {{
        legacyResourceId
        refundLineItems(first: {LINES_PER_REFUND}) {{
          pageInfo {{ hasNextPage }} nodes {{ quantity restockType lineItem {{ id sku isGiftCard }} }}
        }}
      }}
    }}
  }}
}}"""


class ReconcilerConfig(msgspec.Struct, frozen=True, kw_only=True):
    interval: float = 60.0  # seconds between passes
    page_size: int = (MAX_QUERY_COST - 2) // _ORDER_COST  # orders per request, under the 1000-point cap
    overlap: float = 60.0  # seconds re-read before the cursor
    initial_lookback: float = 3600.0  # a shop with no cursor yet is read from this long ago


def _legacy_id(gid: str) -> str:
    """`gid://shopify/LineItem/123` → `123` (the id REST webhooks carry)."""
    return gid.rsplit("/", 1)[-1].split("?", 1)[0]


def _line(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _legacy_id(node["id"]),
        "sku": node.get("sku"),
        "quantity": node.get("quantity", 0),
        "current_quantity": node.get("currentQuantity"),
        "gift_card": bool(node.get("isGiftCard")),
    }


def rest_order(node: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL order node as the REST body an `orders/*` webhook would carry (translated fields only)."""
    order_id = node["legacyResourceId"]
    location = node.get("retailLocation")
    return {
        "id": order_id,
        "updated_at": node["updatedAt"],
        "cancelled_at": node.get("cancelledAt"),
        "source_name": node.get("sourceName"),
        "location_id": location["id"] if location else None,
        "line_items": [_line(line) for line in node["lineItems"]["nodes"]],
        "refunds": [
            {
                "id": refund["legacyResourceId"],
                "order_id": order_id,
                "refund_line_items": [
                    {
                        "line_item_id": _legacy_id(row["lineItem"]["id"]),
                        "quantity": row["quantity"],
                        "restock_type": str(row["restockType"]).lower(),
                        "line_item": _line({**row["lineItem"], "quantity": row["quantity"]}),
                    }
                    for row in refund["refundLineItems"]["nodes"]
                ],
            }
            for refund in node.get("refunds") or []
        ],
    }


def is_complete(node: Mapping[str, Any]) -> bool:
    """Whether the page holds all of the order's lines and refunds: a cut order would translate to
    too little demand (a refund missing from it makes the line look smaller), so it is not used."""
    refunds = node.get("refunds") or []
    return (
        not node["lineItems"]["pageInfo"]["hasNextPage"]
        and len(refunds) <= REFUNDS_PER_ORDER
        and not any(refund["refundLineItems"]["pageInfo"]["hasNextPage"] for refund in refunds)
    )


def search_since(cursor: float, overlap: float) -> str:
    since = datetime.fromtimestamp(cursor - overlap, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"updated_at:>='{since}'"


class ShopReconciler:
    """One shop's reconciliation loop; `reconcile_once` is one pass (tests and `tandem ctl` call it)."""

    def __init__(
        self,
        bus: Bus,
        shop: str,
        client: ShopifyGraphQL,
        config: ReconcilerConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bus = bus
        self.shop = shop
        self.client = client
        self.config = config or ReconcilerConfig()
        if page_cost(self.config.page_size) > MAX_QUERY_COST:
            raise ValueError(
                f"page_size {self.config.page_size}: a page would cost "
                f"{page_cost(self.config.page_size)} > {MAX_QUERY_COST} points"
            )
        self._clock = clock
        self.cursor_key = f"shopify.orders.{encode_token(shop)}"
        self.published = 0  # synthetic webhooks JetStream stored as new (not duplicates)
        self.skipped = 0  # orders too large to read whole in one page (logged)

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """A pass every `interval` seconds until cancelled; a failed pass is logged and retried next time."""
        task_status.started()
        while True:
            try:
                await self.reconcile_once()
            except (ShopifyError, nats.errors.Error, TimeoutError, ConnectionError) as exc:
                log.warning("shopify.reconcile_failed", shop=self.shop, error=repr(exc))
            await anyio.sleep(self.config.interval)

    async def reconcile_once(self) -> int:
        """Read every order updated since the cursor, publish each; returns how many were new."""
        cursor = await self._load_cursor()
        query = search_since(cursor, self.config.overlap)
        newest, found, new, after = cursor, 0, 0, None
        while True:
            data = await self.client.execute(
                "orders.reconcile",
                ORDERS_QUERY,
                {"first": self.config.page_size, "after": after, "query": query},
                cost=page_cost(self.config.page_size),
            )
            page = data["orders"]
            nodes = page["nodes"]
            new += await self._publish(nodes)
            found += len(nodes)
            for node in nodes:
                newest = max(newest, datetime.fromisoformat(node["updatedAt"]).timestamp())
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        await self._save_cursor(newest)
        self.published += new
        log.info("shopify.reconciled", shop=self.shop, found=found, new=new, query=query)
        return new

    async def _publish(self, nodes: list[dict[str, Any]]) -> int:
        outgoing = []
        for node in nodes:
            if not is_complete(node):
                # Its webhooks carry the whole order; only a dropped one for a very large order is missed.
                log.error("shopify.reconcile_order_too_large", shop=self.shop, order=node["legacyResourceId"])
                self.skipped += 1
                continue
            body = msgspec.json.encode(rest_order(node))
            webhook_id = f"reconcile:{self.shop}:{node['legacyResourceId']}:{node['updatedAt']}"
            webhook = ShopifyWebhook(
                shop=self.shop,
                topic=SYNTHETIC_TOPIC,
                webhook_id=webhook_id,
                synthetic=True,
                triggered_at=node["updatedAt"],
                body=msgspec.Raw(body),
            )
            envelope = make_envelope(
                webhook, key=self.shop, id=f"shopify-webhook:{webhook_id}", at=self._clock()
            )
            outgoing.append(
                Outgoing(
                    subject=shopify_event(self.shop, SYNTHETIC_TOPIC),
                    envelope=envelope,
                    msg_id=webhook_id,
                    template="evt.shopify.{shop}.{topic}",
                    attributes={"tandem.flow": "shopify.reconcile"},
                )
            )
        acks = await self.bus.publish_many(outgoing) if outgoing else []
        return sum(1 for ack in acks if not ack.duplicate)

    async def _load_cursor(self) -> float:
        kv = await self.bus.kv(BUCKET_CURSORS)
        try:
            entry = await kv.get(self.cursor_key)
        except KeyNotFoundError:
            return self._clock() - self.config.initial_lookback
        return float(msgspec.json.decode(entry.value or b"{}").get("updated_at", 0.0))

    async def _save_cursor(self, updated_at: float) -> None:
        kv = await self.bus.kv(BUCKET_CURSORS)
        await kv.put(self.cursor_key, msgspec.json.encode({"updated_at": updated_at}))


async def run_reconcilers(
    bus: Bus, clients: Mapping[str, ShopifyGraphQL], config: ReconcilerConfig | None = None
) -> None:
    """One reconciler per shop (clients by shop name, shared with the writer so the throttle is too)."""
    async with anyio.create_task_group() as tasks:
        for shop, client in clients.items():
            tasks.start_soon(ShopReconciler(bus, shop, client, config).run)
