"""NetSuiteClient against a scripted loopback server: error parsing, what is retried and what never is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from gateways.netsuite.auth import TokenCredentials, TokenSigner
from gateways.netsuite.client import NetSuiteClient, eid
from gateways.netsuite.errors import NetSuiteError, NetSuiteTimeout, error_from_reply
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy
from tests.gateways_netsuite.scripted_server import Scripted, ScriptedServer

CREDENTIALS = TokenCredentials(
    account_id="1234567_SB1", consumer_key="ck", consumer_secret="cs", token_id="ti", token_secret="ts"
)
SUITEQL = "query/v1/suiteql"


def _error(status: int, code: str, detail: str) -> Scripted:
    body = {"title": "Error", "status": status, "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}
    return Scripted(status=status, json=body)


def _created(record_id: str) -> Scripted:
    return Scripted(
        status=204, headers={"Location": f"https://x/services/rest/record/v1/salesOrder/{record_id}"}
    )


class _Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    the_server = ScriptedServer()
    await the_server.start()
    try:
        yield the_server
    finally:
        await the_server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as the_session:
        yield the_session


@pytest.fixture
def sleeps() -> _Sleeps:
    return _Sleeps()


@pytest.fixture
def client(session: aiohttp.ClientSession, server: ScriptedServer, sleeps: _Sleeps) -> NetSuiteClient:
    return NetSuiteClient(
        session,
        rest_url=server.rest_url,
        signer=TokenSigner(CREDENTIALS),
        governor=NetSuiteConcurrencyGovernor(2),
        retry=RetryPolicy(attempts=5, base_delay_s=0.1, max_delay_s=1.0, request_timeout_s=0.3),
        sleep=sleeps,
        jitter=lambda: 0.5,
    )


def test_error_body_is_parsed_into_status_code_detail_and_path() -> None:
    body = (
        b'{"type":"x","title":"Bad Request","status":400,"o:errorDetails":'
        b'[{"detail":"Invalid Field Value 9999",'
        b'"o:errorCode":"INVALID_CONTENT","o:errorPath":"item.items[0].item"}]}'
    )
    error = error_from_reply(400, body, "record/v1/salesOrder")
    assert (error.status, error.code, error.detail, error.path) == (
        400,
        "INVALID_CONTENT",
        "Invalid Field Value 9999",
        "item.items[0].item",
    )
    assert "INVALID_CONTENT at item.items[0].item" in str(error)


def test_a_bad_query_points_at_the_query_parameter_and_a_non_json_body_still_types() -> None:
    body = (
        b'{"status":400,"o:errorDetails":[{"detail":"Unknown identifier",'
        b'"o:errorCode":"INVALID_PARAMETER","o:errorQueryParam":"q"}]}'
    )
    assert error_from_reply(400, body, "query/v1/suiteql").path == "q"
    gateway = error_from_reply(502, b"<html>Bad Gateway</html>", "query/v1/suiteql")
    assert (gateway.code, gateway.detail) == ("HTTP_502", "<html>Bad Gateway</html>")


async def test_throttled_suiteql_is_retried_with_growing_delays_then_succeeds(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    server.add("POST", SUITEQL, _error(429, "CONCURRENCY_LIMIT_EXCEEDED", "limit"))
    server.add("POST", SUITEQL, _error(429, "CONCURRENCY_LIMIT_EXCEEDED", "limit"))
    server.add("POST", SUITEQL, Scripted(json={"items": [{"links": [], "id": "7"}], "hasMore": False}))
    page = await client.suiteql_page("SELECT id FROM item")
    assert page.rows == [{"id": "7"}]
    assert sleeps.delays == [pytest.approx(0.075), pytest.approx(0.15)]
    # every attempt was signed anew (a reused nonce would be refused) and carried limit/offset
    nonces = {seen.authorization.split("oauth_nonce=")[1].split(",")[0] for seen in server.seen}
    assert len(nonces) == 3
    assert all(seen.path_qs.endswith("suiteql?limit=1000&offset=0") for seen in server.seen)
    assert server.seen[0].body == b'{"q":"SELECT id FROM item"}'


async def test_retry_after_header_is_honoured_up_to_the_maximum_delay(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    server.add("POST", SUITEQL, Scripted(status=429, headers={"Retry-After": "0.7"}))
    server.add("POST", SUITEQL, Scripted(status=429, headers={"Retry-After": "30"}))
    server.add("POST", SUITEQL, Scripted(json={"items": [], "hasMore": False}))
    await client.suiteql_page("SELECT id FROM item")
    assert sleeps.delays == [pytest.approx(0.7), pytest.approx(1.0)]


async def test_gives_up_after_the_configured_attempts_with_the_last_error(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    for _ in range(5):
        server.add("POST", SUITEQL, _error(503, "UNEXPECTED_ERROR", "down"))
    with pytest.raises(NetSuiteError) as raised:
        await client.suiteql_page("SELECT id FROM item")
    assert (raised.value.status, raised.value.code, raised.value.detail) == (503, "UNEXPECTED_ERROR", "down")
    assert len(sleeps.delays) == 4


async def test_a_suiteql_timeout_is_retried(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    server.add("POST", SUITEQL, Scripted(json={"items": [], "hasMore": False}, delay_s=0.6))
    server.add("POST", SUITEQL, Scripted(json={"items": [{"id": "1"}], "hasMore": False}))
    page = await client.suiteql_page("SELECT id FROM item")
    assert page.rows == [{"id": "1"}] and len(sleeps.delays) == 1


async def test_a_create_is_not_retried_after_a_server_error_or_a_timeout(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    server.add("POST", "record/v1/salesOrder", _error(500, "UNEXPECTED_ERROR", "?"))
    server.add("POST", "record/v1/salesOrder", Scripted(status=204, delay_s=0.6))
    with pytest.raises(NetSuiteError):
        await client.create_record("salesOrder", {"entity": {"id": "1"}})
    with pytest.raises(NetSuiteTimeout):
        await client.create_record("salesOrder", {"entity": {"id": "1"}})
    assert sleeps.delays == []


async def test_a_throttled_create_is_retried_because_nothing_was_done(
    client: NetSuiteClient, server: ScriptedServer
) -> None:
    server.add("POST", "record/v1/salesOrder", _error(429, "CONCURRENCY_LIMIT_EXCEEDED", "limit"))
    server.add("POST", "record/v1/salesOrder", _created("9"))
    assert await client.create_record("salesOrder", {}) == "9"


async def test_invalid_login_is_retried_once_not_blindly(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    for _ in range(4):
        server.add("GET", "record/v1/customer/1", _error(401, "INVALID_LOGIN", "Invalid login attempt."))
    with pytest.raises(NetSuiteError) as raised:
        await client.get_record("customer", "1")
    assert raised.value.code == "INVALID_LOGIN"
    assert len(sleeps.delays) == 1 and len(server.seen) == 2


async def test_a_bad_request_is_raised_at_once_with_its_details(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    server.add("POST", SUITEQL, _error(400, "INVALID_PARAMETER", "Unknown identifier 'x'."))
    with pytest.raises(NetSuiteError, match="Unknown identifier") as raised:
        await client.suiteql_page("SELECT x FROM item")
    assert raised.value.url_path == SUITEQL and sleeps.delays == []


async def test_upsert_puts_to_the_external_id_and_reads_the_id_from_location(
    client: NetSuiteClient, server: ScriptedServer, sleeps: _Sleeps
) -> None:
    server.add("PUT", "record/v1/salesOrder/eid:5001", Scripted(status=503))
    server.add("PUT", "record/v1/salesOrder/eid:5001", _created("42"))
    assert await client.upsert_record("salesOrder", "5001", {"memo": "x"}) == "42"
    assert len(sleeps.delays) == 1


def test_external_ids_with_forbidden_characters_are_refused() -> None:
    assert eid("shopify-5001_a") == "eid:shopify-5001_a"
    for bad in ("", "a|b", "gid://shopify/Order/1", "a b"):
        with pytest.raises(ValueError, match="external id"):
            eid(bad)


async def test_suiteql_pages_by_offset_until_has_more_is_false(
    client: NetSuiteClient, server: ScriptedServer
) -> None:
    server.add("POST", SUITEQL, Scripted(json={"items": [{"id": "1"}, {"id": "2"}], "hasMore": True}))
    server.add("POST", SUITEQL, Scripted(json={"items": [{"id": "3"}], "hasMore": False}))
    rows = [row async for row in client.suiteql("SELECT id FROM item", page_size=2)]
    assert rows == [{"id": "1"}, {"id": "2"}, {"id": "3"}]
    assert [seen.path_qs.rsplit("?", 1)[1] for seen in server.seen] == [
        "limit=2&offset=0",
        "limit=2&offset=2",
    ]


def test_backoff_grows_exponentially_with_jitter_up_to_the_maximum() -> None:
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=4.0)
    assert [policy.delay(n, lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert [policy.delay(n, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_the_governor_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        NetSuiteConcurrencyGovernor(0)


async def test_a_page_size_netsuite_would_refuse_is_refused_before_sending(client: NetSuiteClient) -> None:
    with pytest.raises(ValueError, match="multiple"):
        await client.suiteql_page("SELECT id FROM item", limit=10, offset=15)
    with pytest.raises(ValueError, match=r"1\.\.1000"):
        await client.suiteql_page("SELECT id FROM item", limit=1001)


async def test_an_unreachable_server_is_retried_even_for_a_create(
    session: aiohttp.ClientSession, sleeps: _Sleeps
) -> None:
    """Nothing was sent when the connection was refused, so even a create may be tried again."""
    closed = ScriptedServer()
    rest_url = await closed.start()
    await closed.stop()
    client = NetSuiteClient(
        session,
        rest_url=rest_url,
        signer=TokenSigner(CREDENTIALS),
        governor=NetSuiteConcurrencyGovernor(1),
        retry=RetryPolicy(attempts=3, base_delay_s=0.01),
        sleep=sleeps,
    )
    with pytest.raises(NetSuiteError) as raised:
        await client.create_record("salesOrder", {})
    assert raised.value.code == "CONNECT_FAILED" and len(sleeps.delays) == 2


async def test_a_success_that_is_not_json_is_a_typed_error(
    client: NetSuiteClient, server: ScriptedServer
) -> None:
    server.add("GET", "record/v1/customer/1", Scripted(status=200, body=b"<html>maintenance</html>"))
    with pytest.raises(NetSuiteError, match="not JSON"):
        await client.get_record("customer", "1")
