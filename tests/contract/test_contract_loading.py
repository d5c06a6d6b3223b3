"""tandem.toml: the demo contract loads, and every kind of mistake gets an error naming its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.config import Contract
from contract.loading import ContractError, load_contract, parse_contract

DEMO = Path(__file__).resolve().parents[2] / "tandem.toml"
DEMO_TEXT = DEMO.read_text()


def edited(*edits: tuple[str, str]) -> str:
    """The demo contract with each (old, new) replaced once; fails loudly if `old` is not there."""
    text = DEMO_TEXT
    for old, new in edits:
        assert old in text, f"test edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    return text


def error_of(text: str) -> str:
    with pytest.raises(ContractError) as caught:
        parse_contract(text)
    return str(caught.value)


def test_demo_contract_describes_two_storefronts_two_pos_stores_and_one_netsuite_account() -> None:
    contract = load_contract(DEMO)
    kinds = [c.kind for c in contract.channels]
    assert kinds.count("storefront") == 2 and kinds.count("pos") == 2
    assert {s.name for s in contract.shops} == {"us", "eu"}
    assert {loc.kind for loc in contract.locations} == {"warehouse", "store", "3pl"}
    assert [loc.netsuite_id for loc in contract.locations if loc.pos] == ["2", "3"]
    assert contract.bundle("GIFT-SET-01") is not None
    assert contract.bundle("GIFT-SET-01").components == {"MUG-01": 2, "TEA-EARLGREY": 1}  # type: ignore[union-attr]
    assert contract.netsuite.concurrency_limit == 5


def test_load_contract_accepts_a_path_a_path_string_and_text() -> None:
    by_path = load_contract(DEMO)
    assert load_contract(str(DEMO)) == by_path
    assert load_contract(DEMO_TEXT) == by_path
    assert isinstance(by_path, Contract)


def test_a_missing_file_is_an_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ContractError, match=r"nope\.toml: cannot read the contract file"):
        load_contract(missing)


def test_secrets_are_names_of_environment_variables_not_values() -> None:
    token_env = 'access_token_env = "SHOPIFY_US_ACCESS_TOKEN"'
    text = edited((token_env, 'access_token_env = "shpat_123 abc"'))
    assert "shops[0].access_token_env: expected the name of an environment variable" in error_of(text)
    contract = load_contract(DEMO)
    assert contract.shops[0].access_token_env == "SHOPIFY_US_ACCESS_TOKEN"
    assert contract.shops[0].url == "https://tandem-us.myshopify.com"


SHAPE_ERRORS = [
    pytest.param(('buffer = 1\n', 'buffer = -3\n'), "channels[1].buffer: expected int >= 0, got -3",
                 id="negative"),
    pytest.param(('concurrency_limit = 5', 'concurrency_limit = "5"'),
                 "netsuite.concurrency_limit: expected int, got str '5'", id="wrong-type"),
    pytest.param(('concurrency_limit = 5', 'concurrency_limit = 0'),
                 "netsuite.concurrency_limit: expected int >= 1, got 0", id="zero-limit"),
    pytest.param(('buffer = 2', 'bufer = 2'),
                 "channels[0].bufer: unknown key (expected one of: name, kind, shop, locations, buffer, "
                 "counts_in_transit, publish_to)", id="typo"),
    pytest.param(('account_id = "1234567_SB1"\n', ''), "netsuite.account_id: required key is missing",
                 id="missing"),
    pytest.param(('kind = "pos"', 'kind = "kiosk"'),
                 "channels[2].kind: expected one of marketplace, pos, storefront, got 'kiosk'", id="enum"),
    pytest.param(('currency = "EUR"', 'currency = "euro"'),
                 "shops[1].currency: expected a three-letter ISO currency code like USD, got 'euro'",
                 id="pattern"),
    pytest.param(('publish_to = ["gid://shopify/Location/1003"]', 'publish_to = ["Manhattan"]'),
                 "channels[3].publish_to[0]: expected a Shopify location GID like "
                 "gid://shopify/Location/123, "
                 "got 'Manhattan'", id="gid"),
    pytest.param(('[[shops]]', '[[shop]]'), "shop: unknown key (expected one of: version,",
                 id="top-level-typo"),
    pytest.param(('polling_interval_s = 5 ', 'polling_interval_s = 0 '),
                 "polling_interval_s: expected float > 0.0, got 0", id="polling"),
    pytest.param(('locations = ["4"]', 'locations = []'),
                 "channels[1].locations: expected array of length >= 1, got []", id="empty-list"),
    pytest.param(('version = 1', 'version = 2'), "version: expected one of 1, got 2", id="version"),
    pytest.param(('kits = "split"', 'kits = "halves"'),
                 "inventory.kits: expected one of shared, split, got 'halves'", id="kits"),
]


@pytest.mark.parametrize("edit, message", SHAPE_ERRORS)
def test_shape_errors_name_the_key_and_what_was_expected(edit: tuple[str, str], message: str) -> None:
    assert message in error_of(edited(edit))


MANHATTAN_TARGET = 'publish_to = ["gid://shopify/Location/1003"]'
CROSS_FIELD_ERRORS = [
    pytest.param(('locations = ["4"]', 'locations = ["9"]'),
                 "channels[1].locations[0]: unknown NetSuite location '9' (known: 1, 2, 3, 4)",
                 id="location"),
    pytest.param(('shop = "eu"\nlocations', 'shop = "fr"\nlocations'),
                 "channels[1].shop: unknown shop 'fr' (known: us, eu)", id="shop"),
    pytest.param(('shop = "eu"\nlocations', 'locations'),
                 "channels[1].shop: required for a storefront channel", id="storefront-without-shop"),
    pytest.param(('name = "pos-manhattan"', 'name = "pos-brooklyn"'),
                 "channels[3].name: duplicate 'pos-brooklyn'", id="duplicate-channel"),
    pytest.param(('netsuite_id = "3"', 'netsuite_id = "2"'),
                 "locations[2].netsuite_id: duplicate '2'", id="duplicate-location"),
    pytest.param((MANHATTAN_TARGET, 'publish_to = ["gid://shopify/Location/1002"]'),
                 "channels[3].publish_to[0]: gid://shopify/Location/1002 in shop 'us' is already "
                 "published by "
                 "channel 'pos-brooklyn'", id="two-writers"),
    pytest.param((MANHATTAN_TARGET, 'publish_to = ["gid://shopify/Location/9"]'),
                 "channels[3].publish_to[0]: gid://shopify/Location/9 is not mapped to any location of "
                 "shop 'us'",
                 id="unmapped-target"),
    pytest.param(('locations = ["1", "4"]', 'locations = ["1", "4", "2"]'),
                 "channels[0].locations[2]: location '2' is not mapped to any of this channel's publish_to",
                 id="multi-target-coverage"),
    pytest.param(('locations = ["3"]', 'locations = ["1"]'),
                 "channels[3].locations[0]: a pos channel sells from POS locations; '1' has pos = false",
                 id="pos-from-warehouse"),
    pytest.param(('shopify = { us = "gid://shopify/Location/1002" }',
                  'shopify = { ux = "gid://shopify/Location/1002" }'),
                 "locations[1].shopify.ux: unknown shop 'ux' (known: us, eu)", id="map-shop"),
    pytest.param(('shopify = { us = "gid://shopify/Location/1001" }', 'shopify = { us = "1001" }'),
                 "locations[0].shopify.us: expected a Shopify location GID", id="map-gid"),
    pytest.param(('shopify = { us = "gid://shopify/Location/1003" }',
                  'shopify = { us = "gid://shopify/Location/1002" }'),
                 "locations[2].shopify.us: gid://shopify/Location/1002 is also mapped from locations[1]; "
                 "a POS location's Shopify location must be its own", id="pos-gid-shared"),
    pytest.param(('"MUG-01" = 2', '"MUG-01" = 0'),
                 "bundles[0].components.MUG-01: expected int > 0 units per bundle, got 0", id="bundle-qty"),
    pytest.param(('"MUG-01" = 2', '"GIFT-SET-01" = 2'),
                 "bundles[0].components.GIFT-SET-01: a bundle cannot contain itself", id="bundle-self"),
    pytest.param(('allowed_skus = ["*"]', 'allowed_skus = ["MUG-*", "GIFT-*"]'),
                 "bundles[0].components.TEA-EARLGREY: 'TEA-EARLGREY' is not allowed by catalog.allowed_skus",
                 id="bundle-component-not-allowed"),
    pytest.param(('"items.weight" = "netsuite"', '"items.colour" = "netsuite"'),
                 "ownership.items.colour: unknown data 'items.colour'", id="ownership-unknown"),
    pytest.param(('"items.weight" = "netsuite"', '"items.weight" = "excel"'),
                 "ownership.items.weight: expected one of netsuite, shopify, tandem, got 'excel'",
                 id="ownership-owner"),
    pytest.param(('"items.weight" = "netsuite"', '"sellable" = "shopify"'),
                 "ownership.sellable: sellable is always owned by tandem", id="ownership-fixed"),
    pytest.param(('time_zone = "America/Los_Angeles"', 'time_zone = "Mars/Olympus"'),
                 "netsuite.time_zone: expected an IANA time zone like America/New_York, got 'Mars/Olympus'",
                 id="time-zone"),
]


@pytest.mark.parametrize("edit, message", CROSS_FIELD_ERRORS)
def test_cross_field_errors_name_the_key_and_the_problem(edit: tuple[str, str], message: str) -> None:
    assert message in error_of(edited(edit))


def test_a_nested_bundle_is_rejected() -> None:
    text = DEMO_TEXT + '\n[[bundles]]\nsku = "DOUBLE-GIFT"\ncomponents = { "GIFT-SET-01" = 2 }\n'
    assert "bundles[1].components.GIFT-SET-01: 'GIFT-SET-01' is itself a bundle" in error_of(text)


def test_every_cross_field_problem_is_reported_at_once() -> None:
    with pytest.raises(ContractError) as caught:
        parse_contract(edited(('locations = ["4"]', 'locations = ["9"]'), ('"MUG-01" = 2', '"MUG-01" = 0')))
    keys = [issue.key for issue in caught.value.issues]
    assert keys == ["channels[1].locations[0]", "bundles[0].components.MUG-01"]


def test_invalid_toml_is_reported_as_such() -> None:
    assert error_of("channels = [").startswith("<file>: not valid TOML")


def test_a_marketplace_channel_needs_no_shop_and_adds_no_shopify_target() -> None:
    text = DEMO_TEXT + '\n[[channels]]\nname = "amazon-us"\nkind = "marketplace"\nlocations = ["1"]\n'
    contract = parse_contract(text)
    amazon = contract.channel("amazon-us")
    assert amazon is not None and amazon.shop is None and amazon.publish_to == []


def test_ownership_defaults_follow_the_design_table_and_overrides_move_a_field() -> None:
    contract = load_contract(DEMO)
    assert contract.owner_of("items.price") == "netsuite"
    assert contract.owner_of("orders") == "shopify"
    assert contract.owner_of("sellable") == "tandem"
    moved = parse_contract(edited(('"items.weight" = "netsuite"', '"items.price" = "shopify"')))
    assert moved.owner_of("items.price") == "shopify"


def test_catalog_patterns_decide_which_skus_are_managed() -> None:
    contract = parse_contract(edited(('allowed_skus = ["*"]', 'allowed_skus = ["MUG-*", "TEA-*", "GIFT-*"]')))
    assert contract.sku_allowed("MUG-01")
    assert not contract.sku_allowed("SOCK-01")
    assert not contract.sku_allowed("mug-01")


def test_several_warehouses_may_feed_one_shopify_location() -> None:
    text = edited(('shopify = { us = "gid://shopify/Location/1004", eu = "gid://shopify/Location/2001" }',
                   'shopify = { us = "gid://shopify/Location/1001", eu = "gid://shopify/Location/2001" }'),
                  ('publish_to = ["gid://shopify/Location/1001", "gid://shopify/Location/1004"]',
                   'publish_to = ["gid://shopify/Location/1001"]'))
    contract = parse_contract(text)
    feeding = [loc.netsuite_id for loc in contract.locations if loc.shopify.get("us") == "gid://shopify/Location/1001"]
    assert feeding == ["1", "4"]
