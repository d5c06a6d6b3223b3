"""The Contract (and the secrets it names) that describes a seeded sandbox world."""

from __future__ import annotations

import msgspec

from contract.config import (
    Bundle,
    Catalog,
    Channel,
    Contract,
    Inventory,
    Location,
    NetSuiteAccount,
    Shop,
)
from contract.validation import find_issues
from sandbox.netsuite.sandbox import NetSuiteSandbox
from sandbox.shopify import ShopifySandbox
from sandbox.world_spec import SHOP_CURRENCIES, SITES, WorldSpec


def world_contract(
    spec: WorldSpec,
    shopify: ShopifySandbox,
    netsuite: NetSuiteSandbox,
    location_ids: dict[str, int],
    shop_locations: dict[tuple[str, str], str],
    bundle: Bundle,
) -> tuple[Contract, dict[str, str]]:
    """The contract of the seeded emulators, checked like a loaded one, and the env holding its secrets."""
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
        inventory=Inventory(shared_locations=spec.shared_locations, kits=spec.kits),
    )
    # Struct constructors do not validate: a round trip through the contract's own decoder does.
    contract = msgspec.convert(msgspec.to_builtins(contract), Contract)
    issues = find_issues(contract)
    if issues:
        raise ValueError(
            "the generated contract is invalid: " + "; ".join(f"{i.key}: {i.problem}" for i in issues)
        )
    return contract, env


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
