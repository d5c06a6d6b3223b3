"""The types of `tandem.toml` (DESIGN §9): shops, the NetSuite account, locations, channels, bundles.

These Structs are the contract file's schema: msgspec validates shapes and bounds at decode, and
contract/validation.py checks what one field cannot know alone (a channel naming an unknown location).
Secrets are never in the file: fields ending in `_env` name the environment variable that holds them.
"""

from __future__ import annotations

import fnmatch
from typing import Annotated, Literal, cast

import msgspec

from contract.ownership import DEFAULT_OWNERSHIP, Owner

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
EnvVarName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
HttpUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/]+(/\S*)?$")]
CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
ShopifyLocationGid = Annotated[str, msgspec.Meta(pattern=r"^gid://shopify/Location/[0-9]+$")]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]

ChannelKind = Literal["storefront", "pos", "marketplace"]
LocationKind = Literal["warehouse", "store", "3pl", "virtual"]


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every table in the file rejects unknown keys, so a typo is an error, not a silent default."""


class Shop(_Section, frozen=True, kw_only=True):
    name: NonEmpty
    domain: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")]
    base_url: HttpUrl | None = None  # defaults to https://<domain>; the sandbox sets a loopback URL
    currency: CurrencyCode
    api_version: Annotated[str, msgspec.Meta(pattern=r"^20[0-9]{2}-(01|04|07|10)$")] = "2026-04"
    access_token_env: EnvVarName
    webhook_secret_env: EnvVarName

    @property
    def url(self) -> str:
        return self.base_url or f"https://{self.domain}"


class NetSuiteAccount(_Section, frozen=True, kw_only=True):
    account_id: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z_-]+$")]
    base_url: HttpUrl
    time_zone: NonEmpty  # the account's zone: SuiteQL TO_CHAR output is local time (reference/netsuite.md)
    base_currency: CurrencyCode = "USD"  # item prices are in it: only shops selling in it get them
    concurrency_limit: PositiveInt
    consumer_key_env: EnvVarName
    consumer_secret_env: EnvVarName
    token_id_env: EnvVarName
    token_secret_env: EnvVarName


class Location(_Section, frozen=True, kw_only=True):
    """A NetSuite location and the Shopify location it is in each shop (if it is one there)."""

    netsuite_id: NonEmpty
    name: NonEmpty
    kind: LocationKind = "warehouse"
    pos: bool = False  # a store with Shopify POS: its sales arrive as orders with this location
    shopify: dict[str, str] = {}  # shop name -> Shopify location GID (checked in validation)


class Channel(_Section, frozen=True, kw_only=True):
    """A place that sells: it may sell what its NetSuite locations hold, minus a safety buffer."""

    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]+$")]
    kind: ChannelKind
    shop: str | None = None  # required for storefront and pos; a marketplace may have none
    locations: Annotated[list[NonEmpty], msgspec.Meta(min_length=1)]
    buffer: NonNegativeInt = 0
    counts_in_transit: bool = False
    # Shopify locations (in `shop`) whose `available` this channel writes. With several, each gets
    # the share of the channel's locations mapped to it (see actors/sku/availability.py).
    publish_to: list[ShopifyLocationGid] = []


class Bundle(_Section, frozen=True, kw_only=True):
    sku: NonEmpty
    # component sku -> units per bundle (checked in validation: msgspec cannot name a bad dict key)
    components: Annotated[dict[str, int], msgspec.Meta(min_length=1)]


class Catalog(_Section, frozen=True, kw_only=True):
    # fnmatch patterns of SKUs Tandem manages; a message for any other SKU is parked and reported.
    allowed_skus: Annotated[list[NonEmpty], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: ["*"]
    )


class Alerts(_Section, frozen=True, kw_only=True):
    parked_messages: PositiveInt = 1  # report as soon as this many messages are parked for one key
    dlq_depth: PositiveInt = 10
    publish_latency_ms: PositiveInt = 250
    sync_lag_s: PositiveInt = 60
    drift_per_hour: PositiveInt = 20


class Inventory(_Section, frozen=True, kw_only=True):
    # How long a settled order (absorbed by NetSuite, or cancelled) is remembered by a SKU actor, so a
    # webhook delivered late for it is recognised instead of counted as new demand. Shopify retries a
    # webhook for 4 h (reference/shopify.md); the reconciler's window must fit inside this too.
    order_retention_days: PositiveFloat = 3.0
    # A NetSuite location several shops sell from (a warehouse behind two storefronts): "whole" gives
    # every channel all of its free units (DESIGN §5: each shop alone never oversells it, but two
    # shops selling at once can); "split" shares them out so the shops' values add up to no more
    # than the location holds, and raises one shop's share only once another's lower has landed
    # (actors/sku/shared_pool.py, actors/sku/pool_gate.py).
    shared_locations: Literal["whole", "split"] = "whole"
    # A kit and its components at one Shopify location: "shared" shows each of them everything the
    # components allow (a kit and a component sold at once can oversell); "split" sets part of the
    # components' units aside for the kit, so that kit and component items together never show more
    # than there is (actors/kit_split.py).
    kits: Literal["shared", "split"] = "shared"


class Contract(_Section, frozen=True, kw_only=True):
    """The whole contract file, validated."""

    version: Literal[1] = 1
    polling_interval_s: PositiveFloat = 5.0
    netsuite: NetSuiteAccount
    shops: Annotated[list[Shop], msgspec.Meta(min_length=1)]
    locations: Annotated[list[Location], msgspec.Meta(min_length=1)]
    channels: Annotated[list[Channel], msgspec.Meta(min_length=1)]
    bundles: list[Bundle] = []
    catalog: Catalog = msgspec.field(default_factory=Catalog)
    ownership: dict[str, str] = {}  # overrides of DEFAULT_OWNERSHIP by data key (checked in validation)
    alerts: Alerts = msgspec.field(default_factory=Alerts)
    inventory: Inventory = msgspec.field(default_factory=Inventory)

    def shop(self, name: str) -> Shop:
        return next(s for s in self.shops if s.name == name)

    def location(self, netsuite_id: str) -> Location | None:
        return next((loc for loc in self.locations if loc.netsuite_id == netsuite_id), None)

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def bundles_containing(self, sku: str) -> list[Bundle]:
        """Bundles that list `sku` as a component, in file order."""
        return [b for b in self.bundles if sku in b.components]

    def bundle(self, sku: str) -> Bundle | None:
        return next((b for b in self.bundles if b.sku == sku), None)

    def sku_allowed(self, sku: str) -> bool:
        """Whether `sku` matches one of catalog.allowed_skus (fnmatch, case-sensitive)."""
        return any(fnmatch.fnmatchcase(sku, pattern) for pattern in self.catalog.allowed_skus)

    def owner_of(self, data: str) -> Owner:
        """Who is the source of truth for `data` (DESIGN §2), after the file's overrides."""
        owner = self.ownership.get(data)
        return DEFAULT_OWNERSHIP[data] if owner is None else cast(Owner, owner)
