"""How the engine builds the NetSuite edge from the contract and the environment.

governor = NetSuiteConcurrencyGovernor(contract.netsuite.concurrency_limit)   # one per account
async with open_netsuite_poller(bus, contract, os.environ, governor=governor) as poller:
    await poller.run()          # or: task_group.start(poller.run)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import aiohttp

from bus.bus import Bus
from contract.config import Contract
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy
from gateways.netsuite.poller import NetSuitePoller, PollerOptions


@asynccontextmanager
async def open_netsuite_client(
    bus: Bus,
    contract: Contract,
    env: Mapping[str, str],
    *,
    governor: NetSuiteConcurrencyGovernor | None = None,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[NetSuiteClient]:
    """A client for the contract's account with its own HTTP session, traced through the bus tracer."""
    async with aiohttp.ClientSession() as session:
        yield NetSuiteClient.for_account(
            contract.netsuite, env, session, governor=governor, tracer=bus.tracer, retry=retry
        )


@asynccontextmanager
async def open_netsuite_poller(
    bus: Bus,
    contract: Contract,
    env: Mapping[str, str],
    *,
    governor: NetSuiteConcurrencyGovernor | None = None,
    options: PollerOptions | None = None,
) -> AsyncIterator[NetSuitePoller]:
    """The poller for the contract's account; secrets are read from `env` (missing ones are named)."""
    async with open_netsuite_client(bus, contract, env, governor=governor) as client:
        yield NetSuitePoller(bus, client, contract, options=options)
