"""The inventory writer's reads from Shopify: SKU ⇄ InventoryItem GID, and `available` now per level.

Both are batched into as few queries as the shop's cost bucket allows (`rows_per_query`); the query
shapes and their parsing are pure and live in contract/shopify_inventory.py.
"""

from __future__ import annotations

from typing import Any

from contract import shopify_inventory as api
from contract import shopify_levels as levels
from gateways.shopify.graphql import ShopifyGraphQL


class InventoryReads:
    """One shop's inventory lookups, with the SKU → InventoryItem GID cache they fill."""

    def __init__(self, client: ShopifyGraphQL) -> None:
        self.client = client
        self._items: dict[str, str] = {}  # SKU -> InventoryItem GID (stable: cached for the process)
        self._skus: dict[str, str | None] = {}  # InventoryItem GID -> SKU (None: it has none)

    def forget_item(self, sku: str) -> None:
        """Drop a cached GID Shopify refused (recreated in Shopify? the next lookup finds it again)."""
        gid = self._items.pop(sku, None)
        if gid is not None:
            self._skus.pop(gid, None)

    async def sku_of(self, item_gid: str) -> str | None:
        """The SKU of an inventory item: from the cache, else one `inventoryItem` query (cached too)."""
        if item_gid not in self._skus:
            data = await self.client.execute(
                "inventoryItem", levels.ITEM_SKU, {"id": item_gid}, cost=levels.ITEM_SKU_COST
            )
            self._skus[item_gid] = levels.parse_item_sku(data)
        return self._skus[item_gid]

    async def item_ids(self, skus: list[str]) -> dict[str, str | None]:
        """SKU → InventoryItem GID, looked up in as few queries as the bucket allows, then cached."""
        missing = [sku for sku in skus if sku not in self._items]
        for part in _parts(missing, await self.client.rows_per_query(1, fixed=3)):
            variables, cost = api.items_by_sku_variables(part)
            data = await self.client.execute("inventoryItems", api.ITEMS_BY_SKU, variables, cost=cost)
            for sku, gid in api.parse_items_by_sku(data, part).items():
                if gid is not None:
                    self._items[sku] = gid
                    self._skus[gid] = sku
        return {sku: self._items.get(sku) for sku in skus}

    async def available(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
        """Shopify's `available` now for each (item, location): one query when the bucket allows."""
        result: dict[tuple[str, str], int | None] = {}
        for part in _parts(pairs, await self.client.rows_per_query(api.LEVEL_COST)):
            query, variables, cost = api.levels_query(part)
            result.update(
                api.parse_levels(
                    await self.client.execute("inventoryLevels", query, variables, cost=cost), part
                )
            )
        return result


def _parts(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
