"""The interval-copy connector Tandem is compared with (DESIGN §10): what stores run today.

Every `interval` it reads NetSuite's available quantity per item and location (SuiteQL over the
TBA-signed REST API, the query integration platforms use) and writes it to every channel's Shopify
locations with `inventorySetQuantities`, `changeFromQuantity: null`: a connector overwrites, it does
not compare. It is honest, not a straw man:

* it writes only values that changed since its own last write (mode "changed", the default), so it
  does not stomp on Shopify's own decrements more than it must; mode "full" copies everything;
* a kit sells as many as its components allow at that location (the better connectors do that);
* it honours each channel's safety buffer from the same contract Tandem reads;
* it batches up to 250 rows per call and stays inside the cost throttle (reads `throttleStatus`);
* no artificial slowness: one SuiteQL read and a few calls per round, as fast as the sandboxes answer.

What it cannot know is demand NetSuite has not absorbed yet: Shopify orders placed since the importer's
last run. That, not any handicap, is why it oversells.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
import anyio
import structlog
from anyio.abc import TaskStatus

from contract.config import Contract, Shop
from sandbox.importer import NetSuiteRequestError, NetSuiteRestClient

log = structlog.get_logger(__name__)
MAX_ROWS_PER_CALL = 250  # Shopify's input-list cap
SET_MUTATION = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) { userErrors { field message code } }
}"""
ITEMS_QUERY = """
query Items($after: String) {
  inventoryItems(first: 250, after: $after) { nodes { id sku } pageInfo { hasNextPage endCursor } }
}"""
STOCK_QUERY = (
    "SELECT i.itemid AS sku, iil.location AS location, iil.quantityavailable AS available "
    "FROM inventoryitemlocations iil JOIN item i ON i.id = iil.item ORDER BY iil.item, iil.location"
)
KIT_QUERY = (
    "SELECT p.itemid AS kit, c.itemid AS component, m.quantity AS quantity "
    "FROM itemmember m JOIN item p ON p.id = m.parentitem JOIN item c ON c.id = m.item"
)


class ShopifyCallError(RuntimeError):
    pass


class ShopifyAdminClient:
    """Admin GraphQL for one shop, throttle-aware: waits for points instead of hitting THROTTLED."""

    def __init__(self, session: aiohttp.ClientSession, shop: Shop, token: str) -> None:
        self.session, self.shop, self.token = session, shop, token
        self.url = f"{shop.url.rstrip('/')}/admin/api/{shop.api_version}/graphql.json"
        self.calls = 0
        self.throttled = 0
        self._available = float("inf")  # points left after the last call
        self._restore_rate = 100.0

    async def execute(self, query: str, variables: Mapping[str, Any], cost: int) -> dict[str, Any]:
        """Run one operation; sleeps first when the bucket lacks `cost` points, retries THROTTLED."""
        while True:
            if self._available < cost:
                await anyio.sleep((cost - self._available) / self._restore_rate)
            self.calls += 1
            async with self.session.post(
                self.url,
                json={"query": query, "variables": dict(variables)},
                headers={"X-Shopify-Access-Token": self.token},
            ) as reply:
                body: dict[str, Any] = await reply.json()
                if reply.status != 200:
                    raise ShopifyCallError(f"{self.shop.name}: HTTP {reply.status}: {body}")
            status = body.get("extensions", {}).get("cost", {}).get("throttleStatus")
            if status:
                self._available = float(status["currentlyAvailable"])
                self._restore_rate = float(status["restoreRate"])
            errors = body.get("errors") or []
            if any(e.get("extensions", {}).get("code") == "THROTTLED" for e in errors):
                self.throttled += 1
                self._available = 0.0
                continue
            if errors:
                raise ShopifyCallError(f"{self.shop.name}: {errors}")
            return body["data"]


@dataclass(frozen=True)
class Target:
    """One Shopify `available` the connector writes: a channel's location in a shop."""

    shop: str
    location_gid: str
    netsuite_locations: tuple[str, ...]
    buffer: int


@dataclass
class SyncStats:
    rounds: int = 0
    failed_rounds: int = 0
    rows_written: int = 0
    # (shop, sku, location GID) -> when the last write there was sent (epoch seconds)
    last_write_at: dict[tuple[str, str, str], float] = field(default_factory=dict)


def targets_of(contract: Contract) -> list[Target]:
    targets = []
    for channel in contract.channels:
        if channel.shop is None:
            continue
        for gid in channel.publish_to:
            feeding = tuple(
                ns
                for ns in channel.locations
                if (loc := contract.location(ns)) is not None and loc.shopify.get(channel.shop) == gid
            )
            targets.append(Target(channel.shop, gid, feeding, channel.buffer))
    return targets


def kit_availability(
    stock: Mapping[tuple[str, str], int], kits: Mapping[str, Mapping[str, int]], locations: set[str]
) -> dict[tuple[str, str], int]:
    """Whole kits each location's components make (a kit has no stock row of its own)."""
    return {
        (kit, loc): min(
            max(0, stock.get((component, loc), 0)) // units for component, units in members.items()
        )
        for kit, members in kits.items()
        for loc in locations
    }


class IntervalConnector:
    """Every `interval` seconds: read NetSuite availability, write it to every channel location."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        contract: Contract,
        env: Mapping[str, str],
        *,
        interval: float,
        mode: Literal["changed", "full"] = "changed",
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval: expected a positive number of seconds, got {interval}")
        self.contract, self.interval, self.mode = contract, interval, mode
        self.netsuite = NetSuiteRestClient(session, contract, env)
        self.shops = {
            shop.name: ShopifyAdminClient(session, shop, env[shop.access_token_env])
            for shop in contract.shops
        }
        self.targets = targets_of(contract)
        self.stats = SyncStats()
        self._item_gids: dict[str, dict[str, str]] = {}  # shop -> sku -> InventoryItem GID
        self._kits: dict[str, dict[str, int]] = {}
        self._sku_of: dict[str, str] = {}  # InventoryItem GID -> SKU (GIDs are unique across shops)
        self._written: dict[tuple[str, str, str], int] = {}

    async def prepare(self) -> None:
        """Map SKUs to Shopify inventory items per shop and read kit members (once, as connectors do)."""
        for name, client in self.shops.items():
            self._item_gids[name] = await _inventory_items(client)
            self._sku_of.update({gid: sku for sku, gid in self._item_gids[name].items()})
        kits: dict[str, dict[str, int]] = defaultdict(dict)
        for row in await self.netsuite.suiteql(KIT_QUERY):
            kits[row["kit"]][row["component"]] = int(float(row["quantity"]))
        self._kits = dict(kits)

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Sync every interval until cancelled; a setup that fails at start fails loudly."""
        if not self._item_gids:
            await self.prepare()
        task_status.started()
        while True:
            started = time.monotonic()
            try:
                await self.sync_once()
            except (NetSuiteRequestError, ShopifyCallError, aiohttp.ClientError) as error:
                # a connector logs a failed run and tries again at the next one
                self.stats.failed_rounds += 1
                log.warning("baseline.round_failed", error=str(error))
            await anyio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def sync_once(self) -> int:
        """One round: read NetSuite, write what is due; returns the number of rows written."""
        if not self._item_gids:
            await self.prepare()
        stock = {
            (row["sku"], row["location"]): int(float(row.get("available", "0")))
            for row in await self.netsuite.suiteql(STOCK_QUERY)
        }
        stock.update(kit_availability(stock, self._kits, {loc for _, loc in stock}))
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (shop, sku, gid), quantity in self.values(stock).items():
            key = (shop, sku, gid)
            if self.mode == "changed" and self._written.get(key) == quantity:
                continue
            item = self._item_gids[shop].get(sku)
            if item is None:
                continue  # not sold in this shop
            rows[shop].append(
                {"inventoryItemId": item, "locationId": gid, "quantity": quantity, "changeFromQuantity": None}
            )
        written = 0
        for shop, shop_rows in rows.items():
            written += await self._write(shop, shop_rows)
        self.stats.rounds += 1
        return written

    def values(self, stock: Mapping[tuple[str, str], int]) -> dict[tuple[str, str, str], int]:
        """(shop, sku, location GID) -> the quantity to publish there."""
        skus = {sku for sku, _ in stock}
        return {
            (t.shop, sku, t.location_gid): max(
                0, sum(max(0, stock.get((sku, ns), 0)) for ns in t.netsuite_locations) - t.buffer
            )
            for t in self.targets
            for sku in skus
        }

    async def _write(self, shop: str, rows: list[dict[str, Any]]) -> int:
        client = self.shops[shop]
        for start in range(0, len(rows), MAX_ROWS_PER_CALL):
            batch = rows[start : start + MAX_ROWS_PER_CALL]
            sent_at = time.time()
            data = await client.execute(
                SET_MUTATION,
                {
                    "key": str(uuid.uuid4()),
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "referenceDocumentUri": "gid://interval-connector/SyncRun/1",
                        "quantities": batch,
                    },
                },
                cost=10,
            )
            errors = data["inventorySetQuantities"]["userErrors"]
            if errors:  # the batch is atomic: nothing of it was written, so it is due again next round
                log.warning("baseline.write_errors", shop=shop, errors=errors[:3])
                continue
            for row in batch:
                sku = self._sku_of[row["inventoryItemId"]]
                self.stats.last_write_at[(shop, sku, row["locationId"])] = sent_at
                self._written[(shop, sku, row["locationId"])] = row["quantity"]
            self.stats.rows_written += len(batch)
        return len(rows)


async def _inventory_items(client: ShopifyAdminClient) -> dict[str, str]:
    items: dict[str, str] = {}
    after: str | None = None
    while True:
        data = await client.execute(ITEMS_QUERY, {"after": after}, cost=252)
        page = data["inventoryItems"]
        items.update({node["sku"]: node["id"] for node in page["nodes"] if node.get("sku")})
        if not page["pageInfo"]["hasNextPage"]:
            return items
        after = page["pageInfo"]["endCursor"]
