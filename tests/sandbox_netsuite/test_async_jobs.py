"""`Prefer: respond-async`: 202 + a job to poll, the result replayed, idempotency keys enforced."""

from __future__ import annotations

import pytest

from sandbox.netsuite.config import NetSuiteSandboxConfig
from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient


@pytest.fixture
def config() -> NetSuiteSandboxConfig:
    return NetSuiteSandboxConfig(async_job_seconds=30)


async def test_an_async_create_is_a_job_that_completes_with_the_sync_reply(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    headers = {"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": "5b1c3f0e-key-1"}
    reply = await client.request(
        "POST", "/record/v1/customer", json_body={"companyName": "Async"}, headers=headers
    )
    assert reply.status == 202
    assert reply.headers["Preference-Applied"] == "respond-async"
    job_path = reply.headers["Location"].split("/services/rest", 1)[1]
    pending = await client.request("GET", job_path)
    assert (pending.body["completed"], pending.body["progress"]) == (False, "pending")
    sandbox.advance_clock(31)
    done = await client.request("GET", job_path)
    assert (done.body["completed"], done.body["progress"]) == (True, "succeeded")
    task = await client.request("GET", f"{job_path}/task/1")
    result_href = next(link["href"] for link in task.body["links"] if link["rel"] == "related")
    result = await client.request("GET", result_href.split("/services/rest", 1)[1])
    assert result.status == 204
    assert result.headers["Location"].endswith(
        f"/record/v1/customer/{sandbox.account.store.of_kind('customer')[0].id}"
    )


async def test_a_reused_idempotency_key_is_a_conflict_pointing_at_the_first_job(
    client: TbaClient, sandbox: NetSuiteSandbox
) -> None:
    headers = {"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": "key-2"}
    first = await client.request(
        "POST", "/record/v1/customer", json_body={"companyName": "Once"}, headers=headers
    )
    again = await client.request(
        "POST", "/record/v1/customer", json_body={"companyName": "Once"}, headers=headers
    )
    assert (again.status, again.error_code, again.body["title"]) == (400, "IDEMPOTENCY_ERROR", "Conflict")
    assert again.headers["Location"] == first.headers["Location"]
    assert len(sandbox.account.store.of_kind("customer")) == 1
