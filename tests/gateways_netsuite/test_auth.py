"""TBA signing: checked against an independent computation of the OAuth 1.0a base string and HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

import pytest

from contract.config import NetSuiteAccount
from gateways.netsuite.auth import MissingCredentials, TokenCredentials, TokenSigner

CREDENTIALS = TokenCredentials(
    account_id="1234567_SB1",
    consumer_key="ck-abc",
    consumer_secret="cs secret/with+symbols",
    token_id="tok-123",
    token_secret="ts&secret",
)


def _enc(value: str) -> str:
    return quote(value, safe="~-._")


def _independent_signature(method: str, base_uri: str, params: dict[str, str]) -> str:
    """The reference §3.1 recipe written out by hand (no oauthlib)."""
    pairs = sorted((_enc(k), _enc(v)) for k, v in params.items())
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base_string = f"{method}&{_enc(base_uri)}&{_enc(normalized)}"
    key = f"{_enc(CREDENTIALS.consumer_secret)}&{_enc(CREDENTIALS.token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()).decode()


def _header_fields(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    fields = {}
    for part in header[len("OAuth ") :].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = unquote(value.strip('"'))
    return fields


def test_signature_matches_an_independent_computation_including_url_query_parameters() -> None:
    signer = TokenSigner(CREDENTIALS, clock=lambda: 1_735_000_000.9, nonce=lambda: "fjaLirsIcCGVZWzBX0pg")
    url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=10&offset=20"
    fields = _header_fields(signer.authorization("post", url))

    assert fields["realm"] == "1234567_SB1"
    assert fields["oauth_signature_method"] == "HMAC-SHA256"
    assert fields["oauth_timestamp"] == "1735000000"
    assert fields["oauth_nonce"] == "fjaLirsIcCGVZWzBX0pg"
    assert fields["oauth_version"] == "1.0"
    params = {k: v for k, v in fields.items() if k.startswith("oauth_") and k != "oauth_signature"}
    params.update({"limit": "10", "offset": "20"})
    expected = _independent_signature(
        "POST", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql", params
    )
    assert fields["oauth_signature"] == expected


def test_query_parameters_change_the_signature() -> None:
    signer = TokenSigner(CREDENTIALS, clock=lambda: 1_735_000_000, nonce=lambda: "n" * 20)
    base = "https://x.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
    first = _header_fields(signer.authorization("POST", f"{base}?limit=10&offset=0"))
    second = _header_fields(signer.authorization("POST", f"{base}?limit=10&offset=10"))
    assert first["oauth_signature"] != second["oauth_signature"]


def test_encoded_spaces_in_a_q_filter_are_signed_as_percent_20() -> None:
    signer = TokenSigner(CREDENTIALS, clock=lambda: 1_735_000_000, nonce=lambda: "abcdefghij")
    base = "https://x.suitetalk.api.netsuite.com/services/rest/record/v1/customer"
    fields = _header_fields(signer.authorization("GET", f"{base}?q=email%20IS%20%22a%40b.c%22"))
    params = {k: v for k, v in fields.items() if k.startswith("oauth_") and k != "oauth_signature"}
    params["q"] = 'email IS "a@b.c"'
    assert fields["oauth_signature"] == _independent_signature("GET", base, params)


def test_every_request_gets_a_fresh_nonce() -> None:
    signer = TokenSigner(CREDENTIALS)
    url = "https://x.suitetalk.api.netsuite.com/services/rest/record/v1/customer/1"
    nonces = {_header_fields(signer.authorization("GET", url))["oauth_nonce"] for _ in range(50)}
    assert len(nonces) == 50
    assert all(len(n) == 20 for n in nonces)


def _account() -> NetSuiteAccount:
    return NetSuiteAccount(
        account_id="1234567_SB1",
        base_url="https://1234567-sb1.suitetalk.api.netsuite.com",
        time_zone="America/Los_Angeles",
        concurrency_limit=5,
        consumer_key_env="NS_CK",
        consumer_secret_env="NS_CS",
        token_id_env="NS_TI",
        token_secret_env="NS_TS",
    )


def test_credentials_come_from_the_variables_the_contract_names() -> None:
    env = {"NS_CK": "key-1", "NS_CS": "secret-2", "NS_TI": "token-3", "NS_TS": "secret-4"}
    credentials = TokenCredentials.from_env(_account(), env)
    assert (credentials.consumer_key, credentials.token_secret) == ("key-1", "secret-4")
    assert "secret-2" not in repr(credentials) and "secret-4" not in str(credentials)


def test_missing_secret_names_the_contract_key_and_the_variable() -> None:
    with pytest.raises(MissingCredentials, match=r"netsuite.token_secret_env → \$NS_TS"):
        TokenCredentials.from_env(_account(), {"NS_CK": "a", "NS_CS": "b", "NS_TI": "c"})
