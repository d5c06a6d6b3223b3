"""The account concurrency limit, the delayed-401 variant, latency and fault injection."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from sandbox.netsuite.config import LatencyModel, NetSuiteSandboxConfig
from sandbox.netsuite.governance import Fault
from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import Reply, TbaClient


async def _burst(client: TbaClient, count: int) -> list[Reply]:
    replies: list[Reply] = []

    async def one() -> None:
        replies.append(await client.request("GET", "/record/v1/customer"))

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
    return replies


@pytest.fixture
def config() -> NetSuiteSandboxConfig:
    return NetSuiteSandboxConfig(concurrency_limit=3, latency=LatencyModel(record_read_ms=150))


async def test_requests_over_the_concurrency_limit_get_429(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    replies = await _burst(client, 8)
    statuses = sorted(reply.status for reply in replies)
    assert statuses.count(200) >= 3
    refused = [reply for reply in replies if reply.status == 429]
    assert refused, statuses
    assert refused[0].body["status"] == 429 and refused[0].body["title"] == "Too Many Requests"
    assert sandbox.governor.peak == 3
    assert sandbox.governor.in_flight == 0


async def test_raising_the_limit_lets_the_same_burst_through(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    sandbox.set_concurrency_limit(10)
    replies = await _burst(client, 8)
    assert [reply.status for reply in replies] == [200] * 8


async def test_overload_can_surface_as_a_delayed_401(sandbox: NetSuiteSandbox, client: TbaClient) -> None:
    sandbox.state.account.config = NetSuiteSandboxConfig(
        concurrency_limit=1,
        overload_response="delayed_401",
        overload_401_delay_seconds=0.2,
        latency=LatencyModel(record_read_ms=300),
    )
    sandbox.set_concurrency_limit(1)
    replies = await _burst(client, 2)
    assert sorted(reply.status for reply in replies) == [200, 401]
    assert next(r for r in replies if r.status == 401).error_code == "INVALID_LOGIN"


async def test_injected_server_errors_hit_only_their_count(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    sandbox.inject(Fault(kind="error", status=503, count=2, operations=["record_read"]))
    statuses = [(await client.request("GET", "/record/v1/customer")).status for _ in range(3)]
    assert statuses == [503, 503, 200]


async def test_injected_throttle_answers_429_without_holding_a_slot(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    sandbox.inject(Fault(kind="throttle", count=1))
    assert (await client.request("GET", "/record/v1/customer")).status == 429
    assert (await client.request("GET", "/record/v1/customer")).status == 200


async def test_a_timeout_after_the_write_still_creates_the_record(
    client: TbaClient, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    sandbox.inject(Fault(kind="timeout", timeout_seconds=0.05, apply_before_timeout=True, count=1))
    reply = await client.request(
        "POST", "/record/v1/customer", json_body={"companyName": "Lost Reply", "externalId": "LR-1"}
    )
    assert reply.status == 504
    assert sandbox.external_id_counts("customer").get("LR-1") == 1


async def test_stale_reads_show_the_account_as_it_was(client: TbaClient, sandbox: NetSuiteSandbox) -> None:
    sandbox.create("customer", {"companyName": "Old"})
    sandbox.advance_clock(60)
    sandbox.create("customer", {"companyName": "New"})
    sandbox.inject(Fault(kind="stale_reads", stale_seconds=30, count=1))
    stale = await client.suiteql("SELECT companyname FROM customer ORDER BY id")
    fresh = await client.suiteql("SELECT companyname FROM customer ORDER BY id")
    assert [row["companyname"] for row in stale.body["items"]] == ["Old"]
    assert [row["companyname"] for row in fresh.body["items"]] == ["Old", "New"]


async def test_governance_limits_endpoint_reports_the_limit(client: TbaClient) -> None:
    reply = await client.request("GET", "/system/v1/governanceLimits")
    assert reply.body["accountConcurrencyLimit"] == 3
