"""The cost-based throttle (bucket, refill, THROTTLED as HTTP 200) and per-shop API faults."""

from __future__ import annotations

import time

import aiohttp
import anyio
import pytest

from sandbox.shopify import FaultSpec, ShopifySandbox, ShopInfo
from sandbox.shopify.throttle import CostBucket

from .conftest import GraphQL

MUTATION = """mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") {
  userErrors { message } } }"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refuses_what_it_does_not_hold_and_refills_at_the_restore_rate() -> None:
    clock = FakeClock()
    bucket = CostBucket(100, 10, clock=clock)
    assert bucket.try_take(90)
    assert not bucket.try_take(20)  # a refused request takes nothing
    assert bucket.status()["currentlyAvailable"] == 10
    clock.now = 1.5
    assert bucket.try_take(20) and bucket.status()["currentlyAvailable"] == 5
    clock.now = 100.0
    assert bucket.status() == {"maximumAvailable": 100, "currentlyAvailable": 100, "restoreRate": 10}
    bucket.give_back(50)
    assert bucket.available == 100  # never above the maximum


def test_bucket_rejects_nonsense_configuration() -> None:
    with pytest.raises(ValueError, match="positive"):
        CostBucket(0, 10)


async def test_every_response_reports_cost_and_throttle_status(gql: GraphQL) -> None:
    body = await gql("{ products(first: 5) { nodes { title variants(first: 3) { nodes { sku } } } } }")
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 5 * (1 + 2 + 3)
    assert cost["actualQueryCost"] == 2 + (1 + 2 + 2) + (1 + 2 + 1) + (1 + 2 + 1)  # 3 products, 4 variants
    assert cost["throttleStatus"]["maximumAvailable"] == 2000
    assert cost["throttleStatus"]["restoreRate"] == 100
    assert cost["throttleStatus"]["currentlyAvailable"] <= 2000 - cost["actualQueryCost"] + 5


async def test_mutations_cost_ten_and_an_empty_bucket_answers_throttled_with_http_200(
    gql: GraphQL, sandbox: ShopifySandbox
) -> None:
    sandbox.configure_throttle("alpha", bucket_size=30, restore_rate=10)
    sandbox.drain_bucket("alpha")
    body = await gql(MUTATION)  # gql asserts HTTP 200
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    cost = body["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (10, None)
    assert cost["throttleStatus"]["maximumAvailable"] == 30
    # The bucket refills at 10 points/s: wait for the condition, with a deadline.
    started = time.monotonic()
    with anyio.fail_after(5):
        while "errors" in (body := await gql(MUTATION)):
            await anyio.sleep(0.05)  # a client's back-off: retrying is the behaviour under test
    assert time.monotonic() - started >= 0.5
    assert body["extensions"]["cost"]["actualQueryCost"] == 10


async def test_a_query_over_the_single_query_limit_is_refused(gql: GraphQL) -> None:
    body = await gql("{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { sku } } } } }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["message"].endswith("which exceeds the single query max cost limit (1000).")


async def test_forced_throttling_fault_throttles_every_call(gql: GraphQL, sandbox: ShopifySandbox) -> None:
    sandbox.set_faults("alpha", FaultSpec(force_throttle=True))
    assert (await gql("{ shop { name } }"))["errors"][0]["extensions"]["code"] == "THROTTLED"
    sandbox.set_faults("alpha", FaultSpec())
    sandbox.configure_throttle("alpha", 2000, 2000)
    with anyio.fail_after(5):
        while "errors" in (body := await gql("{ shop { name } }")):
            await anyio.sleep(0.02)  # a client's back-off: retrying is the behaviour under test
    assert body["data"] == {"shop": {"name": "alpha"}}


async def test_error_rate_fault_answers_5xx_and_latency_fault_slows_calls(
    http: aiohttp.ClientSession, shop: ShopInfo, sandbox: ShopifySandbox
) -> None:
    headers = {"X-Shopify-Access-Token": shop.access_token}
    sandbox.set_faults("alpha", FaultSpec(error_rate=1.0, error_status=503))
    async with http.post(shop.graphql_url, json={"query": "{ shop { name } }"}, headers=headers) as response:
        assert response.status == 503
    sandbox.set_faults("alpha", FaultSpec(error_rate=0.5, seed=7))
    statuses = []
    for _ in range(20):
        async with http.post(
            shop.graphql_url, json={"query": "{ shop { name } }"}, headers=headers
        ) as response:
            statuses.append(response.status)
    assert 0 < statuses.count(503) < 20 and set(statuses) == {200, 503}
    sandbox.set_faults("alpha", FaultSpec(latency_seconds=0.3))
    started = time.monotonic()
    async with http.post(shop.graphql_url, json={"query": "{ shop { name } }"}, headers=headers) as response:
        assert response.status == 200
    assert time.monotonic() - started >= 0.3


def test_fault_rates_outside_zero_and_one_are_refused(sandbox: ShopifySandbox, shop: ShopInfo) -> None:
    with pytest.raises(ValueError, match="probabilities"):
        sandbox.set_faults("alpha", FaultSpec(error_rate=1.5))
