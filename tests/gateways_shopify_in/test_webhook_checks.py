"""The receiver's pure checks: HMAC over raw bytes, secrets read from the variables the contract names."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateways.shopify.webhooks import MissingSecret, hmac_matches, webhook_secrets_from_env
from sandbox.shopify import sign

from .world import contract_text


@given(body=st.binary(max_size=512), secret=st.text(min_size=1, max_size=40))
def test_a_signature_made_like_shopifys_matches_and_any_other_does_not(body: bytes, secret: str) -> None:
    header = sign(body, secret)
    assert hmac_matches(body, secret, header)
    assert not hmac_matches(body + b"x", secret, header)
    assert not hmac_matches(body, secret + "x", header)
    flipped = bytearray(base64.b64decode(header))
    flipped[0] ^= 1
    assert not hmac_matches(body, secret, base64.b64encode(bytes(flipped)).decode())


@pytest.mark.parametrize("header", [None, "", "not base64!", "c2hvcnQ="])
def test_a_missing_or_malformed_signature_never_matches(header: str | None) -> None:
    assert not hmac_matches(b"{}", "secret", header)


def test_secrets_come_from_the_environment_variables_the_contract_names() -> None:
    from contract.loading import parse_contract

    gids = {
        name: f"gid://shopify/Location/{n}"
        for n, name in enumerate(["Warehouse", "Overflow", "Downtown Store", "Uptown Store"], start=1)
    }
    contract = parse_contract(contract_text(gids))
    assert webhook_secrets_from_env(contract, {"ALPHA_WEBHOOK_SECRET": "s3cret"}) == {"alpha": "s3cret"}
    with pytest.raises(MissingSecret, match=r"shops\[alpha\].webhook_secret_env: \$ALPHA_WEBHOOK_SECRET"):
        webhook_secrets_from_env(contract, {})
