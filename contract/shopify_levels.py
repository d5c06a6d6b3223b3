"""`inventory_levels/update` webhooks → the SKU actor's drift check (pure).

Tandem is the only writer of `available` (DESIGN §2): a number typed in Shopify admin, or set by
another app, is a NetSuite-owned value edited out of band. Shopify announces every change of a level
with this webhook, our own writes included. The body names the inventory item and location by
numeric id only (reference/shopify.md), so the gateway looks the item's SKU up and sends the SKU
actor a `ShopifyLevelSeen`; the actor decides whether the number is one it cannot explain
(actors/sku/level_check.py).
"""

from __future__ import annotations

import msgspec

from actors.sku_messages import ShopifyLevelSeen
from contract.shopify_locations import Id
from contract.shopify_orders import ShopifyPayloadError, epoch_seconds

LEVELS_TOPIC = "inventory_levels/update"

ITEM_SKU = """
query TandemItemSku($id: ID!) {
  inventoryItem(id: $id) { id sku }
}
"""
ITEM_SKU_COST = 1


class RestInventoryLevel(msgspec.Struct, frozen=True, kw_only=True):
    inventory_item_id: Id
    location_id: Id
    available: int | None = None  # null: the item is not tracked there
    updated_at: str


def decode_level(body: bytes) -> RestInventoryLevel:
    try:
        return msgspec.json.decode(body, type=RestInventoryLevel)
    except msgspec.ValidationError as exc:
        raise ShopifyPayloadError(f"inventory level: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise ShopifyPayloadError(f"inventory level: not JSON ({exc})") from exc


def item_gid(level: RestInventoryLevel) -> str:
    return f"gid://shopify/InventoryItem/{level.inventory_item_id}"


def level_seen(shop: str, level: RestInventoryLevel) -> ShopifyLevelSeen | None:
    """The SKU actor's message for a level (None: an untracked level holds no number to check)."""
    if level.available is None:
        return None
    return ShopifyLevelSeen(
        shop=shop,
        location_id=f"gid://shopify/Location/{level.location_id}",
        available=level.available,
        updated_at=epoch_seconds(level.updated_at, "updated_at"),
    )


def parse_item_sku(data: dict[str, object]) -> str | None:
    """The SKU of the item ITEM_SKU asked for (None: no such item, or it has no SKU)."""
    item = data.get("inventoryItem")
    sku = item.get("sku") if isinstance(item, dict) else None
    return sku if isinstance(sku, str) and sku else None
