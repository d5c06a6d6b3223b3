"""Control-API JSON views of records that have no REST webhook shape: inventory levels and checkout holds."""

from __future__ import annotations

from typing import Any

from .ids import gid
from .model import CheckoutHold, InventoryLevel
from .store import ShopState


def level_view(state: ShopState, level: InventoryLevel) -> dict[str, Any]:
    location = state.locations[level.location_id]
    return {
        "sku": state.sku_of_item(level.item_id),
        "inventory_item_id": gid("InventoryItem", level.item_id),
        "location_id": gid("Location", location.id),
        "location": location.name,
        **level.quantities,
        "on_hand": level.on_hand,
        "updated_at": level.updated_at.isoformat(),
    }


def hold_view(state: ShopState, hold: CheckoutHold) -> dict[str, Any]:
    return {
        "id": gid("CheckoutHold", hold.id),
        "sku": state.sku_of_item(hold.item_id),
        "location": state.locations[hold.location_id].name,
        "quantity": hold.quantity,
        "expires_at": hold.expires_at.isoformat(),
        "state": hold.state,
    }
