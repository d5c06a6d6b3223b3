"""The sandbox world on paper: what to build, where stock lives, the catalog and its opening stock. Pure.

Layout (the contract's location map says the same):

    NetSuite location    kind        Shopify                     channel
    Central Warehouse    warehouse   us: Central Warehouse       us-online
                                     eu: Central Warehouse       eu-online   (shared stock)
    Brooklyn Store       store, POS  us: Brooklyn Store          pos-brooklyn
    Manhattan Store      store, POS  us: Manhattan Store         pos-manhattan
    Rotterdam 3PL        3pl         eu: Rotterdam 3PL           eu-online
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import msgspec

from contract.config import Bundle


class WorldSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What to build; the same spec and seed always build the same world."""

    skus: int = 20
    seed: int = 0
    # The first `hot_skus` SKUs are the flash sale's: low stock, drawn per location kind from these
    # ranges (inclusive). The rest of the catalog is stocked `deep_stock_factor` times deeper.
    hot_skus: int = 8
    warehouse_stock: tuple[int, int] = (6, 20)
    store_stock: tuple[int, int] = (1, 5)
    threepl_stock: tuple[int, int] = (3, 10)
    deep_stock_factor: int = 6
    # Shopify Plus-sized cost bucket: a store doing a flash sale at this rate is on Plus.
    bucket_size: int = 20_000
    restore_rate: int = 1_000
    netsuite_concurrency: int = 5
    polling_interval_s: float = 1.0
    buffer: int = 0  # every channel's safety buffer (the baseline honours it too)
    # The contract's inventory.shared_locations: both shops sell the Central Warehouse.
    shared_locations: Literal["whole", "split"] = "split"
    # The contract's inventory.kits: the kit and its components are sold at the same stores.
    kits: Literal["shared", "split"] = "split"
    webhook_retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
    # The NetSuite warehouse ships open sales orders this often (None: nobody ships; the bench's choice,
    # as shipping moves committed out of on hand and leaves available as it was).
    auto_fulfill_every_s: float | None = None


@dataclass(frozen=True)
class SiteSpec:
    """One NetSuite location and its Shopify twins."""

    key: str
    name: str
    kind: str  # contract LocationKind
    pos: bool
    shops: tuple[str, ...]


SITES = (
    SiteSpec("warehouse", "Central Warehouse", "warehouse", False, ("us", "eu")),
    SiteSpec("brooklyn", "Brooklyn Store", "store", True, ("us",)),
    SiteSpec("manhattan", "Manhattan Store", "store", True, ("us",)),
    SiteSpec("3pl", "Rotterdam 3PL", "3pl", False, ("eu",)),
)
SHOP_CURRENCIES = {"us": "USD", "eu": "EUR"}
# Each shop's ids start apart (ids are unique across shops anyway) so a log line shows whose order it is.
SHOP_ID_BASE = {"us": 1_000_000_001, "eu": 5_000_000_001}
BUNDLE_SKU = "BUNDLE-DUO"


def catalog_skus(count: int) -> list[str]:
    if count < 2:
        raise ValueError(f"skus: a world needs at least 2 SKUs (the bundle has two components), got {count}")
    return [f"FLASH-{n:04d}" for n in range(1, count + 1)]


def initial_stock(spec: WorldSpec, skus: list[str]) -> dict[tuple[str, str], int]:
    """Seeded opening stock per (SKU, site)."""
    rng = random.Random(spec.seed)
    ranges = {"warehouse": spec.warehouse_stock, "store": spec.store_stock, "3pl": spec.threepl_stock}
    return {
        (sku, site.key): rng.randint(*ranges[site.kind])
        * (1 if n < spec.hot_skus else spec.deep_stock_factor)
        for n, sku in enumerate(skus)
        for site in SITES
    }


def bundle_for(skus: list[str]) -> Bundle:
    return Bundle(sku=BUNDLE_SKU, components={skus[0]: 1, skus[1]: 2})


def kits_available(bundle: Bundle, stock: dict[tuple[str, str], int], site: str) -> int:
    """Whole kits the components at `site` make."""
    return min(stock[(sku, site)] // units for sku, units in bundle.components.items())


def site_name(key: str) -> str:
    return next(site.name for site in SITES if site.key == key)
