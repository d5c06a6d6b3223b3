"""ShopifyGraphQL against the emulator: auth, typed errors, THROTTLED, spans, clients from a contract."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bus.bus import Bus
from bus.tracing import BusTracer
from contract.config import Channel, Contract, Location, NetSuiteAccount
from gateways.shopify.errors import MissingToken, ShopifyAuthError, ShopifyError, ShopifyUnavailable
from gateways.shopify.graphql import RetryPolicy, ShopifyGraphQL, open_shopify_clients, shopify_clients
from gateways.shopify.throttle import CostBucketModel, CostThrottle
from sandbox.shopify.requests import FaultSpec

from .conftest import SHOP, TOKEN, World

SHOP_QUERY = "query { shop { name } }"


async def test_a_query_returns_its_data_and_teaches_the_throttle_the_bucket(world: World) -> None:
    client = world.client()
    assert await client.execute("shop", SHOP_QUERY, cost=1) == {"shop": {"name": SHOP}}
    assert client.throttle.model.maximum == 400 and client.throttle.model.restore_rate == 200


async def test_a_wrong_token_is_an_auth_error_and_is_not_retried(world: World) -> None:
    client = ShopifyGraphQL(
        world.session, world.shop, "shpat_wrong", tracer=BusTracer(None), throttle=CostThrottle()
    )
    with pytest.raises(ShopifyAuthError, match="Invalid API key"):
        await client.execute("shop", SHOP_QUERY, cost=1)
    assert client.stats.requests == 1


async def test_a_graphql_error_carries_its_code_and_path(world: World) -> None:
    mutation = """mutation { inventorySetQuantities(input: {name: "available", reason: "correction",
      quantities: []}) { userErrors { code } } }"""
    with pytest.raises(ShopifyError) as raised:
        await world.client().execute("inventorySetQuantities", mutation, cost=10)
    assert raised.value.code == "BAD_REQUEST" and raised.value.path == ("inventorySetQuantities",)
    assert "@idempotent" in raised.value.message


async def test_5xx_answers_are_retried_then_reported_as_unavailable(world: World) -> None:
    world.sandbox.set_faults(SHOP, FaultSpec(error_rate=1.0, error_status=502))
    client = world.client(retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02))
    with pytest.raises(ShopifyUnavailable) as raised:
        await client.execute("shop", SHOP_QUERY, cost=1)
    assert raised.value.code == "502" and client.stats.requests == 3 and client.stats.retries == 2


async def test_a_bucket_drained_by_someone_else_is_waited_out_after_throttled(world: World) -> None:
    # slow refill: the bucket cannot regain the 1 point the query needs before it arrives
    world.sandbox.configure_throttle(SHOP, bucket_size=400, restore_rate=2)
    client = world.client(throttle=CostThrottle(CostBucketModel(margin_ratio=0, min_margin=0)))
    await client.learn_bucket()
    world.sandbox.drain_bucket(SHOP)  # another app of the same shop spent it all
    assert await client.execute("shop", SHOP_QUERY, cost=1) == {"shop": {"name": SHOP}}
    assert client.stats.throttled == 1 and client.stats.requests == 3


async def test_every_call_is_a_client_span(world: World) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    client = ShopifyGraphQL(
        world.session, world.shop, TOKEN, tracer=BusTracer(provider), throttle=CostThrottle()
    )
    await client.execute("shop", SHOP_QUERY, cost=1)
    (span,) = exporter.get_finished_spans()
    assert span.name == "shopify shop" and span.kind == SpanKind.CLIENT
    assert span.attributes is not None and span.attributes["tandem.shop"] == SHOP
    assert TOKEN not in str(dict(span.attributes))


async def test_clients_are_built_from_the_contract_with_tokens_from_the_environment(
    world: World, bus: Bus
) -> None:
    netsuite = NetSuiteAccount(
        account_id="1",
        base_url="http://127.0.0.1:1",
        time_zone="UTC",
        concurrency_limit=1,
        consumer_key_env="K",
        consumer_secret_env="S",
        token_id_env="T",
        token_secret_env="U",
    )
    contract = Contract(
        netsuite=netsuite,
        shops=[world.shop],
        locations=[Location(netsuite_id="1", name="W")],
        channels=[Channel(name="web", kind="storefront", shop=SHOP, locations=["1"])],
    )
    clients = shopify_clients(contract, {"ALPHA_TOKEN": TOKEN}, world.session, BusTracer(None))
    assert list(clients) == [SHOP] and clients[SHOP].url.endswith(
        "/shops/alpha/admin/api/2026-04/graphql.json"
    )
    with pytest.raises(MissingToken, match=r"shops\[alpha\].access_token_env: \$ALPHA_TOKEN"):
        shopify_clients(contract, {}, world.session, BusTracer(None))
    async with open_shopify_clients(bus, contract, {"ALPHA_TOKEN": TOKEN}) as own_session_clients:
        data = await own_session_clients[SHOP].execute("shop", SHOP_QUERY, cost=1)
    assert data == {"shop": {"name": SHOP}}
