"""NetSuiteClient against the NetSuite sandbox over HTTP: TBA accepted, paging, governance, faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.errors import NetSuiteError
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy
from sandbox.netsuite.governance import Fault
from sandbox.netsuite.sandbox import NetSuiteSandbox
from tests.gateways_netsuite.conftest import sandbox_contract, sandbox_env

pytestmark = pytest.mark.usefixtures("demo")


async def test_signed_requests_are_accepted_and_records_round_trip(
    sandbox: NetSuiteSandbox, demo: dict[str, Any], make_client: Callable[..., NetSuiteClient]
) -> None:
    client = make_client()
    east = str(demo["locations"]["East Warehouse"])
    order_id = await client.upsert_record(
        "salesOrder",
        "5550001",
        {
            "entity": {"id": str(demo["customer"])},
            "location": {"id": east},
            "item": {"items": [{"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 2}]},
        },
    )
    order = await client.get_record("salesOrder", "eid:5550001", expand=True)
    assert order["id"] == order_id and order["externalId"] == "5550001"
    assert await client.update_record("salesOrder", order_id, {"memo": "hi"}, idempotent=True) == order_id
    attempts = list(sandbox.state.verifier.audit_trail)
    assert attempts and all(attempt.succeeded for attempt in attempts)


async def test_a_missing_record_raises_netsuites_error(make_client: Callable[..., NetSuiteClient]) -> None:
    with pytest.raises(NetSuiteError) as raised:
        await make_client().get_record("customer", "999999")
    assert raised.value.status == 404


async def test_suiteql_pages_with_signed_limit_and_offset(make_client: Callable[..., NetSuiteClient]) -> None:
    client = make_client()
    everything = [
        row async for row in client.suiteql("SELECT id, itemid FROM item ORDER BY id", page_size=1000)
    ]
    paged = [row async for row in client.suiteql("SELECT id, itemid FROM item ORDER BY id", page_size=3)]
    assert len(everything) > 6
    assert paged == everything


async def test_many_concurrent_calls_never_exceed_the_account_limit(
    sandbox: NetSuiteSandbox, make_client: Callable[..., NetSuiteClient]
) -> None:
    sandbox.inject(Fault(kind="latency", latency_ms=20))
    governor = NetSuiteConcurrencyGovernor(sandbox.config.concurrency_limit)
    client = make_client(governor=governor)
    results: list[int] = []

    async def one() -> None:
        page = await client.suiteql_page("SELECT id FROM item", limit=5)
        results.append(len(page.rows))

    async with anyio.create_task_group() as tasks:
        for _ in range(40):
            tasks.start_soon(one)
    assert results == [5] * 40
    assert sandbox.governor.refused == 0
    # the slots were really used in parallel, up to the limit and never past it
    assert sandbox.governor.peak == governor.peak == sandbox.config.concurrency_limit


async def test_without_the_governor_the_same_burst_is_refused(
    sandbox: NetSuiteSandbox, make_client: Callable[..., NetSuiteClient]
) -> None:
    """The control for the test above: the account really enforces its limit."""
    sandbox.inject(Fault(kind="latency", latency_ms=20))
    client = make_client(governor=NetSuiteConcurrencyGovernor(40), retry=RetryPolicy(attempts=1))
    outcomes: list[str] = []

    async def one() -> None:
        try:
            await client.suiteql_page("SELECT id FROM item", limit=5)
            outcomes.append("ok")
        except NetSuiteError as error:
            outcomes.append(str(error.status))

    async with anyio.create_task_group() as tasks:
        for _ in range(40):
            tasks.start_soon(one)
    assert "429" in outcomes and sandbox.governor.refused > 0


async def test_throttling_is_retried_until_success(
    sandbox: NetSuiteSandbox, make_client: Callable[..., NetSuiteClient]
) -> None:
    sandbox.inject(Fault(kind="throttle", count=2, operations=["suiteql"]))
    page = await make_client().suiteql_page("SELECT id FROM item", limit=1)
    assert len(page.rows) == 1
    assert sandbox.state.faults.injected == 2


async def test_client_for_the_contract_account_reads_secrets_from_the_environment(
    sandbox: NetSuiteSandbox, demo: dict[str, Any], session: Any
) -> None:
    contract = sandbox_contract(sandbox, list(demo["locations"].values()))
    client = NetSuiteClient.for_account(
        contract.netsuite, sandbox_env(sandbox), session, retry=RetryPolicy(base_delay_s=0.01)
    )
    assert client.governor.limit == contract.netsuite.concurrency_limit
    rows = [row async for row in client.suiteql("SELECT COUNT(*) AS n FROM location")]
    assert rows == [{"n": "3"}]
