"""The SKU actor (available-to-sell); its messages live in actors/sku_messages.py."""

from actors.sku.behaviour import SkuBehaviour
from actors.sku.state import SkuState

__all__ = ["SkuBehaviour", "SkuState"]
