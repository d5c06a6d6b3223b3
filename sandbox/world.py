"""A consistent sandbox world for the demo and the benchmarks: both emulators, one catalog, one contract.

    world = await build_world(WorldSpec(skus=20, seed=7))
    world.shopify, world.netsuite, world.contract, world.env     # env: the secrets the contract names
    await world.stop()

Layout (the contract's location map says the same):

    NetSuite location    kind        Shopify                     channel
    Central Warehouse    warehouse   us: Central Warehouse       us-online
                                     eu: Central Warehouse       eu-online   (shared stock)
    Brooklyn Store       store, POS  us: Brooklyn Store          pos-brooklyn
    Manhattan Store      store, POS  us: Manhattan Store         pos-manhattan
    Rotterdam 3PL        3pl         eu: Rotterdam 3PL           eu-online

Every SKU exists in both systems (NetSuite inventoryItem itemId == Shopify variant SKU); one bundle is a
NetSuite kitItem and a Shopify product of its own. Shopify `available` starts where a synced connector
would have left it: NetSuite's available at the mapped location (a kit: the fewest whole kits).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from contract.config import (
    Bundle,
    Catalog,
    Channel,
    Contract,
    Location,
    NetSuiteAccount,
    Shop,
)
from contract.validation import find_issues
from sandbox.netsuite.config import AutoFulfillment, Credentials, NetSuiteSandboxConfig
from sandbox.netsuite.sandbox import NetSuiteSandbox
from sandbox.shopify import LocationSpec, ProductSpec, ShopifySandbox, ShopSpec, VariantSpec
from sandbox.shopify.throttle import CostBucket


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
    webhook_retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
    # The NetSuite warehouse ships open sales orders this often (None: nobody ships; the bench's choice,
    # as shipping moves committed out of on hand and leaves available as it was).
    auto_fulfill_every_s: float | None = None


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

    def sellable_skus(self) -> list[str]:
        return [*self.skus, self.bundle.sku]

    async def stop(self) -> None:
        await self.shopify.stop()
        await self.netsuite.stop()


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
        contract, env = _contract(spec, shopify, netsuite, location_ids, shop_locations, bundle)
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
                            sku, Decimal("20.00"), stock={_site_name(s): stock[(sku, s)] for s in sites}
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
                        stock={_site_name(s): kits_available(bundle, stock, s) for s in sites},
                    )
                ],
            ),
        )
    return shop_locations


def _site_name(key: str) -> str:
    return next(site.name for site in SITES if site.key == key)


def _contract(
    spec: WorldSpec,
    shopify: ShopifySandbox,
    netsuite: NetSuiteSandbox,
    location_ids: dict[str, int],
    shop_locations: dict[tuple[str, str], str],
    bundle: Bundle,
) -> tuple[Contract, dict[str, str]]:
    credentials = netsuite.credentials
    env = {
        "NETSUITE_CONSUMER_KEY": credentials.consumer_key,
        "NETSUITE_CONSUMER_SECRET": credentials.consumer_secret,
        "NETSUITE_TOKEN_ID": credentials.token_id,
        "NETSUITE_TOKEN_SECRET": credentials.token_secret,
    }
    shops = []
    for shop, currency in SHOP_CURRENCIES.items():
        info = shopify.shop_info(shop)
        env[f"SHOPIFY_{shop.upper()}_ACCESS_TOKEN"] = info.access_token
        env[f"SHOPIFY_{shop.upper()}_WEBHOOK_SECRET"] = info.webhook_secret
        shops.append(
            Shop(
                name=shop,
                domain=info.domain,
                base_url=f"{shopify.base_url}/shops/{shop}",
                currency=currency,
                api_version=shopify.api_version,
                access_token_env=f"SHOPIFY_{shop.upper()}_ACCESS_TOKEN",
                webhook_secret_env=f"SHOPIFY_{shop.upper()}_WEBHOOK_SECRET",
            )
        )
    locations = [
        Location(
            netsuite_id=str(location_ids[site.key]),
            name=site.name,
            kind=site.kind,  # type: ignore[arg-type]
            pos=site.pos,
            shopify={shop: shop_locations[(shop, site.key)] for shop in site.shops},
        )
        for site in SITES
    ]
    contract = Contract(
        polling_interval_s=spec.polling_interval_s,
        netsuite=NetSuiteAccount(
            account_id=credentials.account,
            base_url=netsuite.base_url,
            time_zone=netsuite.config.time_zone,
            concurrency_limit=spec.netsuite_concurrency,
            consumer_key_env="NETSUITE_CONSUMER_KEY",
            consumer_secret_env="NETSUITE_CONSUMER_SECRET",
            token_id_env="NETSUITE_TOKEN_ID",
            token_secret_env="NETSUITE_TOKEN_SECRET",
        ),
        shops=shops,
        locations=locations,
        channels=_channels(spec, location_ids, shop_locations),
        bundles=[bundle],
        catalog=Catalog(allowed_skus=["FLASH-*", bundle.sku]),
    )
    # Struct constructors do not validate: a round trip through the contract's own decoder does.
    contract = msgspec.convert(msgspec.to_builtins(contract), Contract)
    issues = find_issues(contract)
    if issues:
        raise ValueError(
            "the generated contract is invalid: " + "; ".join(f"{i.key}: {i.problem}" for i in issues)
        )
    return contract, env


def contract_toml(contract: Contract) -> str:
    """The contract as `tandem.toml` text (msgspec writes no TOML without tomli_w; this shape is small)."""
    raw = msgspec.to_builtins(contract)
    lines = [
        f"{key} = {_toml_value(value)}"
        for key, value in raw.items()
        if not isinstance(value, dict | list)
        or (isinstance(value, list) and not any(isinstance(v, dict) for v in value))
    ]
    for key, value in raw.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for table in value:
                lines += ["", f"[[{key}]]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def _channels(
    spec: WorldSpec, location_ids: dict[str, int], shop_locations: dict[tuple[str, str], str]
) -> list[Channel]:
    def ns(*keys: str) -> list[str]:
        return [str(location_ids[key]) for key in keys]

    return [
        Channel(
            name="us-online",
            kind="storefront",
            shop="us",
            locations=ns("warehouse"),
            buffer=spec.buffer,
            publish_to=[shop_locations[("us", "warehouse")]],
        ),
        Channel(
            name="eu-online",
            kind="storefront",
            shop="eu",
            locations=ns("warehouse", "3pl"),
            buffer=spec.buffer,
            publish_to=[shop_locations[("eu", "warehouse")], shop_locations[("eu", "3pl")]],
        ),
        Channel(
            name="pos-brooklyn",
            kind="pos",
            shop="us",
            locations=ns("brooklyn"),
            buffer=spec.buffer,
            publish_to=[shop_locations[("us", "brooklyn")]],
        ),
        Channel(
            name="pos-manhattan",
            kind="pos",
            shop="us",
            locations=ns("manhattan"),
            buffer=spec.buffer,
            publish_to=[shop_locations[("us", "manhattan")]],
        ),
    ]
