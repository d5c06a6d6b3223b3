"""A seeded emulator shop and the contract that maps it, shared by the inbound-gateway tests."""

from __future__ import annotations

from decimal import Decimal

from contract.config import Contract
from contract.loading import parse_contract
from sandbox.shopify import LocationSpec, ProductSpec, ShopifySandbox, ShopInfo, ShopSpec, VariantSpec

SHOP = "alpha"
SECRET = "alpha-webhook-secret"
WAREHOUSE, OVERFLOW, STORE, UNMAPPED_STORE = "Warehouse", "Overflow", "Downtown Store", "Uptown Store"
NS_WAREHOUSE, NS_OVERFLOW, NS_STORE = "10", "11", "20"


def shop_spec(name: str = SHOP) -> ShopSpec:
    """Two online warehouses, a mapped and an unmapped POS store, plain SKUs, a bundle SKU, a gift card."""
    stock = {WAREHOUSE: 50, OVERFLOW: 50, STORE: 20, UNMAPPED_STORE: 20}
    return ShopSpec(
        name=name,
        webhook_secret=SECRET,
        locations=[
            LocationSpec(WAREHOUSE),
            LocationSpec(OVERFLOW),
            LocationSpec(STORE, pos=True, fulfills_online_orders=False),
            LocationSpec(UNMAPPED_STORE, pos=True, fulfills_online_orders=False),
        ],
        products=[
            ProductSpec("Tee", [VariantSpec("TEE", Decimal("20.00"), stock=stock)]),
            ProductSpec("Mug", [VariantSpec("MUG", Decimal("12.50"), stock=stock)]),
            ProductSpec("Gift set", [VariantSpec("SET", Decimal("40.00"), stock=stock)]),
            ProductSpec(
                "Gift Card",
                [VariantSpec("GIFT-25", Decimal("25.00"), taxable=False, requires_shipping=False)],
                gift_card=True,
            ),
        ],
    )


def location_gids(sandbox: ShopifySandbox, shop: str = SHOP) -> dict[str, str]:
    """Location name → Shopify location GID, as the emulator numbered them."""
    return {level["location"]: level["location_id"] for level in sandbox.inventory(shop, "TEE")}


def contract_text(gids: dict[str, str], *, shop: ShopInfo | None = None, base_url: str | None = None) -> str:
    domain = shop.domain if shop else f"{SHOP}.myshopify.com"
    base = f'base_url = "{base_url}"\n' if base_url else ""
    return f"""
version = 1
[netsuite]
account_id = "TSTDRV1"
base_url = "http://127.0.0.1:1"
time_zone = "UTC"
concurrency_limit = 2
consumer_key_env = "NS_CK"
consumer_secret_env = "NS_CS"
token_id_env = "NS_TI"
token_secret_env = "NS_TS"

[[shops]]
name = "{SHOP}"
domain = "{domain}"
{base}currency = "USD"
access_token_env = "ALPHA_TOKEN"
webhook_secret_env = "ALPHA_WEBHOOK_SECRET"

[[locations]]
netsuite_id = "{NS_WAREHOUSE}"
name = "Warehouse"
shopify = {{ {SHOP} = "{gids[WAREHOUSE]}" }}

[[locations]]
netsuite_id = "{NS_OVERFLOW}"
name = "Overflow"
shopify = {{ {SHOP} = "{gids[OVERFLOW]}" }}

[[locations]]
netsuite_id = "{NS_STORE}"
name = "Downtown store"
kind = "store"
pos = true
shopify = {{ {SHOP} = "{gids[STORE]}" }}

[[channels]]
name = "alpha-online"
kind = "storefront"
shop = "{SHOP}"
locations = ["{NS_WAREHOUSE}", "{NS_OVERFLOW}"]
publish_to = ["{gids[WAREHOUSE]}", "{gids[OVERFLOW]}"]

[[channels]]
name = "alpha-pos"
kind = "pos"
shop = "{SHOP}"
locations = ["{NS_STORE}"]
publish_to = ["{gids[STORE]}"]

[[bundles]]
sku = "SET"
components = {{ "TEE" = 1, "MUG" = 2 }}
"""


def contract_for(
    sandbox: ShopifySandbox, shop: ShopInfo | None = None, base_url: str | None = None
) -> Contract:
    return parse_contract(contract_text(location_gids(sandbox), shop=shop, base_url=base_url))
