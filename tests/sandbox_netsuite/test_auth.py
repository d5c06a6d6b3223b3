"""Token-based auth is checked for real, and every failure is the same generic 401 INVALID_LOGIN."""

from __future__ import annotations

import time

import aiohttp
from yarl import URL

from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient


def _last_reason(sandbox: NetSuiteSandbox) -> str:
    return sandbox.state.verifier.audit_trail[-1].detail


async def _assert_refused(reply_status: int, reply_code: str, sandbox: NetSuiteSandbox, reason: str) -> None:
    assert (reply_status, reply_code) == (401, "INVALID_LOGIN")
    assert _last_reason(sandbox) == reason


async def test_a_correct_signature_with_query_parameters_is_accepted(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    reply = await client.suiteql("SELECT id FROM customer WHERE companyname LIKE 'A b%'", limit=5, offset=0)
    assert reply.status == 200
    assert _last_reason(sandbox) == "Success"


async def test_wrong_secret_is_refused(client: TbaClient, sandbox: NetSuiteSandbox) -> None:
    reply = await client.request("GET", "/record/v1/customer", consumer_secret="not-the-secret")
    await _assert_refused(reply.status, reply.error_code, sandbox, "InvalidSignature")
    assert "Invalid login attempt" in reply.body["o:errorDetails"][0]["detail"]


async def test_a_timestamp_older_than_five_minutes_is_refused(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    stale = await client.request("GET", "/record/v1/customer", timestamp=int(time.time()) - 301)
    await _assert_refused(stale.status, stale.error_code, sandbox, "InvalidTimestamp")
    fresh_enough = await client.request("GET", "/record/v1/customer", timestamp=int(time.time()) - 250)
    assert fresh_enough.status == 200


async def test_a_reused_nonce_is_refused(client: TbaClient, sandbox: NetSuiteSandbox) -> None:
    stamp = int(time.time())
    first = await client.request("GET", "/record/v1/customer", nonce="nonce-abc-123", timestamp=stamp)
    again = await client.request("GET", "/record/v1/customer", nonce="nonce-abc-123", timestamp=stamp)
    assert first.status == 200
    await _assert_refused(again.status, again.error_code, sandbox, "NonceUsed")


async def test_a_query_parameter_left_out_of_the_signature_is_refused(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    # Field pain point §7.2: the SuiteQL paging parameters must be in the base string.
    reply = await client.request(
        "POST",
        "/query/v1/suiteql",
        json_body={"q": "SELECT id FROM customer"},
        unsigned_params={"limit": 10, "offset": 0},
    )
    await _assert_refused(reply.status, reply.error_code, sandbox, "InvalidSignature")


async def test_realm_must_be_the_account_id_in_its_own_case(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    reply = await client.request("GET", "/record/v1/customer", realm=sandbox.credentials.account.lower())
    await _assert_refused(reply.status, reply.error_code, sandbox, "InvalidAccount")


async def test_missing_or_malformed_authorization_is_refused(sandbox: NetSuiteSandbox) -> None:
    url = f"{sandbox.rest_url}/record/v1/customer"
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"Authorization": "Bearer abc"}, {"Authorization": 'OAuth realm="1234567_SB1"'}):
            async with session.get(URL(url), headers=headers) as response:
                body = await response.json()
                assert response.status == 401
                assert body["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    assert _last_reason(sandbox) == "MissingTokenPassportRequiredFields"


async def test_the_control_api_needs_no_token(sandbox: NetSuiteSandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.base_url}/_sandbox/state") as response,
    ):
        assert response.status == 200
        assert (await response.json())["account"] == sandbox.credentials.account


async def test_on_a_netsuite_host_the_account_slug_must_match_the_realm(sandbox: NetSuiteSandbox) -> None:
    from sandbox.netsuite.auth import TokenVerifier
    from sandbox.netsuite.errors import NetSuiteApiError

    verifier = TokenVerifier(sandbox.credentials, sandbox.account.clock)
    client = TbaClient(None, "", sandbox.credentials)  # type: ignore[arg-type]  # only signs
    for host, accepted in (("1234567-sb1", True), ("1234567", False)):
        url = f"https://{host}.suitetalk.api.netsuite.com/services/rest/record/v1/customer"
        try:
            verifier.verify("GET", url, client.sign("GET", url), b"")
            outcome = True
        except NetSuiteApiError:
            outcome = False
        assert outcome is accepted, host
