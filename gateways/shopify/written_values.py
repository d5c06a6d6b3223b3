"""The last values the inventory writer set at each (SKU, location), so the level webhooks can tell
Shopify's echo of a write from a change made by someone else without a turn of the SKU actor."""

from __future__ import annotations

from collections import OrderedDict

KEPT_PER_KEY = 4  # Shopify echoes every write, some after later ones: a few recent values suffice
KEYS = 100_000  # (SKU, location) pairs remembered: the oldest written is forgotten first


class WrittenValues:
    def __init__(self, keys: int = KEYS) -> None:
        self._recent: OrderedDict[tuple[str, str], tuple[int, ...]] = OrderedDict()
        self._keys = keys

    def note(self, sku: str, location_id: str, quantity: int) -> None:
        key = (sku, location_id)
        self._recent[key] = (*self._recent.pop(key, ())[1 - KEPT_PER_KEY :], quantity)
        if len(self._recent) > self._keys:
            self._recent.popitem(last=False)

    def recently(self, sku: str, location_id: str, available: int) -> bool:
        """Whether the writer set `available` there among its last few writes."""
        return available in self._recent.get((sku, location_id), ())
