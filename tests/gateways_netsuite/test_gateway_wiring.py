"""Building the NetSuite edge from a contract and environment; every call out is a CLIENT span."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from bus.bus import Bus
from bus.tracing import BusTracer
from gateways.netsuite.auth import MissingCredentials
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.errors import NetSuiteError
from gateways.netsuite.gateway import open_netsuite_poller
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy
from sandbox.netsuite.sandbox import NetSuiteSandbox
from tests.gateways_netsuite.bus_reading import of_type, stored
from tests.gateways_netsuite.conftest import sandbox_contract, sandbox_env


async def test_the_engine_builds_a_working_poller_from_contract_and_environment(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    contract = sandbox_contract(sandbox, list(demo["locations"].values()))
    governor = NetSuiteConcurrencyGovernor(contract.netsuite.concurrency_limit)
    async with open_netsuite_poller(bus, contract, sandbox_env(sandbox), governor=governor) as poller:
        await poller.poll_once()
    assert governor.served >= 4  # DUAL + one page per kind, all through the shared governor
    assert len(of_type(await stored(bus), "sku.stock_reading")) == 18


async def test_missing_secrets_are_named_before_anything_is_called(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    contract = sandbox_contract(sandbox, list(demo["locations"].values()))
    env = {k: v for k, v in sandbox_env(sandbox).items() if k != "NS_TI"}
    with pytest.raises(MissingCredentials, match="token_id_env"):
        async with open_netsuite_poller(bus, contract, env):
            pass


async def test_calls_are_client_spans_with_status_and_failures_recorded(
    sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    contract = sandbox_contract(sandbox, list(demo["locations"].values()))
    async with aiohttp.ClientSession() as session:
        client = NetSuiteClient.for_account(
            contract.netsuite,
            sandbox_env(sandbox),
            session,
            tracer=BusTracer(provider),
            retry=RetryPolicy(attempts=1),
        )
        await client.suiteql_page("SELECT id FROM item", limit=1)
        with pytest.raises(NetSuiteError):
            await client.get_record("customer", "424242")
    ok, failed = exporter.get_finished_spans()
    assert (ok.name, ok.kind) == ("netsuite suiteql", SpanKind.CLIENT)
    assert ok.attributes is not None and ok.attributes["http.response.status_code"] == 200
    assert ok.attributes["url.path"] == "/services/rest/query/v1/suiteql"
    assert failed.name == "netsuite get customer" and failed.status.status_code is StatusCode.ERROR
    assert failed.attributes is not None and failed.attributes["http.response.status_code"] == 404
