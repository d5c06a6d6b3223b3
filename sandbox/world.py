"""A consistent sandbox world for the demo and the benchmarks: both emulators, one catalog, one contract.

    world = await build_world(WorldSpec(skus=20, seed=7))
    world.shopify, world.netsuite, world.contract, world.env     # env: the secrets the contract names
    await world.stop()

The layout (sites, shops, channels) and the opening stock are in sandbox/world_spec.py; the contract
that describes the world is made in sandbox/world_contract.py.

Every SKU exists in both systems (NetSuite inventoryItem itemId == Shopify variant SKU); one bundle is a
NetSuite kitItem and a Shopify product of its own. Shopify `available` starts where a synced connector
would have left it: NetSuite's available at the mapped location (a kit: the fewest whole kits).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from contract.config import Bundle, Contract
from sandbox.netsuite.config import AutoFulfillment, Credentials, NetSuiteSandboxConfig
from sandbox.netsuite.sandbox import NetSuiteSandbox
from sandbox.shopify import LocationSpec, ProductSpec, ShopifySandbox, ShopSpec, VariantSpec
from sandbox.shopify.throttle import CostBucket
from sandbox.world_contract import world_contract
from sandbox.world_spec import (
    SHOP_CURRENCIES,
    SHOP_ID_BASE,
    SITES,
    WorldSpec,
    bundle_for,
    catalog_skus,
    initial_stock,
    kits_available,
    site_name,
)

# WorldSpec and SITES are at home in world_spec; callers building a world may take them from here.
__all__ = ["SITES", "MeteredCostBucket", "World", "WorldSpec", "build_world"]


class MeteredCostBucket(CostBucket):
    """The shop's cost bucket, counting what it sees: every GraphQL request that reaches the throttle
    check takes points once, and a refusal there is a THROTTLED answer. Ground truth for the bench."""

    def __init__(self, maximum: int, restore_rate: int) -> None:
        super().__init__(maximum, restore_rate)
        self.requests = 0
        self.throttled = 0

    def try_take(self, cost: int) -> bool:
        self.requests += 1
        taken = super().try_take(cost)
        self.throttled += not taken
        return taken


@dataclass
class World:
    """Both emulators running, seeded alike, and the contract that describes them."""

    spec: WorldSpec
    shopify: ShopifySandbox
    netsuite: NetSuiteSandbox
    contract: Contract
    env: dict[str, str]
    skus: list[str]  # plain inventory items, in catalog order
    bundle: Bundle
    item_ids: dict[str, int]  # NetSuite internal id by SKU (kit included)
    location_ids: dict[str, int]  # NetSuite location id by site key
    shop_locations: dict[tuple[str, str], str] = field(default_factory=dict)  # (shop, site) -> GID
    initial_stock: dict[tuple[str, str], int] = field(default_factory=dict)  # (sku, site) -> units

    def site_by_netsuite_id(self, netsuite_id: str | int) -> str:
        """The site key of a NetSuite location id."""
        return next(key for key, value in self.location_ids.items() if str(value) == str(netsuite_id))

    def api_calls(self) -> tuple[int, int]:
        """(GraphQL requests, THROTTLED answers) over every shop so far."""
        buckets = [self.shopify.runtime(shop).bucket for shop in SHOP_CURRENCIES]
        metered = [b for b in buckets if isinstance(b, MeteredCostBucket)]
        return sum(b.requests for b in metered), sum(b.throttled for b in metered)

    @property
    def hot_skus(self) -> list[str]:
        """The flash sale's low-stock SKUs."""
        return self.skus[: max(1, min(self.spec.hot_skus, len(self.skus)))]

    def bundle_parts(self, sku: str) -> dict[str, int]:
        """Units of each stocked SKU one unit of `sku` takes (the kit: its components)."""
        return dict(self.bundle.components) if sku == self.bundle.sku else {sku: 1}

    def sellable_skus(self) -> list[str]:
        return [*self.skus, self.bundle.sku]

    async def stop(self) -> None:
        await self.shopify.stop()
        await self.netsuite.stop()


async def build_world(spec: WorldSpec | None = None) -> World:
    """Start both emulators, seed them with the same catalog and stock, and describe them in a Contract."""
    spec = spec or WorldSpec()
    skus = catalog_skus(spec.skus)
    stock = initial_stock(spec, skus)
    bundle = bundle_for(skus)
    rng = random.Random(f"{spec.seed}-netsuite")  # sandbox secrets, reproducible like the rest
    credentials = Credentials("1234567_SB1", *(f"{rng.getrandbits(256):064x}" for _ in range(4)))
    netsuite = NetSuiteSandbox(
        NetSuiteSandboxConfig(
            credentials=credentials,
            concurrency_limit=spec.netsuite_concurrency,
            auto_fulfillment=AutoFulfillment(interval_seconds=spec.auto_fulfill_every_s)
            if spec.auto_fulfill_every_s
            else None,
        ),
        random_seed=spec.seed,
    )
    shopify = ShopifySandbox(webhook_retry_delays=list(spec.webhook_retry_delays))
    await netsuite.start()
    await shopify.start()
    try:
        location_ids, item_ids = _seed_netsuite(netsuite, skus, bundle, stock)
        shop_locations = _seed_shopify(shopify, spec, skus, bundle, stock)
        contract, env = world_contract(spec, shopify, netsuite, location_ids, shop_locations, bundle)
    except BaseException:
        await shopify.stop()
        await netsuite.stop()
        raise
    return World(
        spec, shopify, netsuite, contract, env, skus, bundle, item_ids, location_ids, shop_locations, stock
    )


def _seed_netsuite(
    netsuite: NetSuiteSandbox, skus: list[str], bundle: Bundle, stock: dict[tuple[str, str], int]
) -> tuple[dict[str, int], dict[str, int]]:
    create = netsuite.create
    create("currency", {"name": "US Dollar", "symbol": "USD", "isBaseCurrency": True})
    create("subsidiary", {"name": "Tandem Flash Goods Inc."})
    locations = {site.key: create("location", {"name": site.name, "externalId": site.key}) for site in SITES}
    items = {
        sku: create(
            "inventoryItem",
            {"itemId": sku, "displayName": f"Flash item {sku}", "basePrice": "20.00", "externalId": sku},
        )
        for sku in skus
    }
    members = [
        {"item": {"id": str(items[sku])}, "quantity": units} for sku, units in bundle.components.items()
    ]
    items[bundle.sku] = create(
        "kitItem",
        {
            "itemId": bundle.sku,
            "displayName": "Flash duo",
            "basePrice": "50.00",
            "externalId": bundle.sku,
            "member": {"items": members},
        },
    )
    for site in SITES:
        lines = [
            {
                "item": {"id": str(items[sku])},
                "location": {"id": str(locations[site.key])},
                "adjustQtyBy": stock[(sku, site.key)],
            }
            for sku in skus
        ]
        create(
            "inventoryAdjustment",
            {
                "adjLocation": {"id": str(locations[site.key])},
                "memo": "Opening stock",
                "inventory": {"items": lines},
            },
        )
    return locations, items


def _seed_shopify(
    shopify: ShopifySandbox,
    spec: WorldSpec,
    skus: list[str],
    bundle: Bundle,
    stock: dict[tuple[str, str], int],
) -> dict[tuple[str, str], str]:
    shop_locations: dict[tuple[str, str], str] = {}
    for shop, currency in SHOP_CURRENCIES.items():
        rng = random.Random(f"{spec.seed}-{shop}")  # the shop's own token and secret, reproducible
        shopify.add_shop(
            ShopSpec(
                name=shop,
                access_token=f"shpat_{rng.getrandbits(128):032x}",
                webhook_secret=f"{rng.getrandbits(128):032x}",
                currency=currency,
                bucket_size=spec.bucket_size,
                restore_rate=spec.restore_rate,
                first_id=SHOP_ID_BASE[shop],
            )
        )
        shopify.runtime(shop).bucket = MeteredCostBucket(spec.bucket_size, spec.restore_rate)
        for site in SITES:
            if shop in site.shops:
                added = shopify.add_location(
                    shop, LocationSpec(site.name, fulfills_online_orders=not site.pos, pos=site.pos)
                )
                shop_locations[(shop, site.key)] = str(added["id"])
        sites = [site.key for site in SITES if shop in site.shops]
        for sku in skus:
            shopify.add_product(
                shop,
                ProductSpec(
                    f"Flash item {sku}",
                    [
                        VariantSpec(
                            sku, Decimal("20.00"), stock={site_name(s): stock[(sku, s)] for s in sites}
                        )
                    ],
                ),
            )
        shopify.add_product(
            shop,
            ProductSpec(
                "Flash duo",
                [
                    VariantSpec(
                        bundle.sku,
                        Decimal("50.00"),
                        stock={site_name(s): kits_available(bundle, stock, s) for s in sites},
                    )
                ],
            ),
        )
    return shop_locations
