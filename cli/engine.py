"""`tandem run`: the engine's supervision tree on one bus (DESIGN §4).

root (one_for_all)
├── actors (one_for_one): one ActorHost per actor kind (sku, bundle, counter)
└── gateways (one_for_one): http, router, netsuite, shopify (cli/gateways.py) — with a contract

The bus sits outside the tree: the embedded nats-server starts first and stops last, and the
client reconnects forever, so a NATS hiccup is not a process restart.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import structlog
from aiohttp import web

from actors.behaviour import Behaviour
from actors.bundle import BundleBehaviour
from actors.counter import CounterBehaviour
from actors.runtime.host import ActorHost, HostConfig
from actors.sku import SkuBehaviour
from bus.bus import Bus
from bus.connection import connect
from bus.embedded import embedded_nats
from bus.streams import provision
from bus.tracing import BusTracer
from cli.gateways import Gateways, GatewaySettings, gateway_tree
from cli.settings import RunSettings
from contract.config import Contract
from contract.loading import load_contract
from observability.tracing import ashutdown_tracing, configure_tracing
from supervisors.policy import Backoff, RestartIntensity
from supervisors.spec import ChildSpec
from supervisors.supervisor import Supervisor

log = structlog.get_logger(__name__)


async def _shielded(close: Callable[[], Awaitable[object]], timeout: float = 15.0) -> None:
    """Closing must run to the end even when the scope around it was cancelled (a SIGTERM)."""
    with anyio.CancelScope(shield=True), anyio.move_on_after(timeout):
        await close()


@asynccontextmanager
async def open_bus(settings: RunSettings, service_name: str = "tandem") -> AsyncIterator[Bus]:
    """Start (or reach) NATS, connect, provision streams and buckets; close all in reverse."""
    provider = configure_tracing(service_name)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(_shielded, lambda: ashutdown_tracing(provider))
        url = settings.nats.url
        if url is None:
            url = await stack.enter_async_context(
                embedded_nats(settings.data_dir / "nats", port=settings.embedded_port)
            )
        nc = await connect(url, settings.nats)
        bus = Bus(nc, BusTracer(provider))
        stack.push_async_callback(_shielded, bus.close)
        created = await provision(bus.js)
        log.info("bus.ready", url=url, created=created)
        yield bus


def host_child(bus: Bus, behaviour: Behaviour[Any, Any], config: HostConfig) -> ChildSpec:
    """An actor kind as a supervised child; each restart is a fresh host rebuilt from durable state."""

    async def start() -> None:
        await ActorHost(bus, behaviour, config).run()

    return ChildSpec(id=f"actors.{behaviour.kind}", start=start, restart="permanent", shutdown_timeout=30.0)


def behaviours_for(contract: Contract | None) -> list[Behaviour[Any, Any]]:
    """The actor kinds this process runs: the inventory actors when there is a contract."""
    kinds: list[Behaviour[Any, Any]] = [CounterBehaviour()]
    if contract is not None:
        kinds += [SkuBehaviour(contract), BundleBehaviour(contract)]
    return kinds


def engine_tree(
    bus: Bus,
    behaviours: Sequence[Behaviour[Any, Any]],
    config: HostConfig,
    gateways: Supervisor | None = None,
) -> Supervisor:
    actors = Supervisor(
        "actors",
        [host_child(bus, b, config) for b in behaviours],
        strategy="one_for_one",
        intensity=RestartIntensity(max_restarts=5, period=30.0),
        backoff=Backoff(min_delay=0.5, max_delay=30.0),
    )
    children = [actors.as_child()] + ([gateways.as_child()] if gateways is not None else [])
    root_intensity = RestartIntensity(max_restarts=1, period=60.0)
    return Supervisor("root", children, strategy="one_for_all", intensity=root_intensity)


class MissingSecrets(RuntimeError):
    """The contract names environment variables that are not set: a configuration error, not a crash."""


def check_secrets(contract: Contract, env: Mapping[str, str]) -> None:
    """Fail at start, naming every key whose variable is unset, rather than restart-loop the gateways."""
    named = [
        *(
            (f"shops[{shop.name}].{field}", getattr(shop, field))
            for shop in contract.shops
            for field in ("access_token_env", "webhook_secret_env")
        ),
        *(
            (f"netsuite.{field}", getattr(contract.netsuite, field))
            for field in ("consumer_key_env", "consumer_secret_env", "token_id_env", "token_secret_env")
        ),
    ]
    missing = [f"{key}: ${var} is not set" for key, var in named if not env.get(var)]
    if missing:
        raise MissingSecrets("; ".join(missing))


def load_configured_contract(settings: RunSettings) -> Contract | None:
    """The contract named by TANDEM_CONTRACT; without one the engine runs the bare runtime."""
    if settings.contract_path is None:
        log.info("engine.no_contract", hint="set TANDEM_CONTRACT=tandem.toml to run the inventory flow")
        return None
    return load_contract(settings.contract_path)


async def run_engine(
    settings: RunSettings,
    contract: Contract | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    gateway_settings: GatewaySettings | None = None,
    extra_routes: Callable[[web.Application], None] | None = None,
    on_ready: Callable[[Bus, Gateways | None], Awaitable[None]] | None = None,
) -> None:
    """Run until cancelled (SIGTERM/SIGINT drain through supervisors.signals).

    `contract` defaults to TANDEM_CONTRACT's file; `on_ready` is called once the tree is started.
    """
    contract = contract if contract is not None else load_configured_contract(settings)
    if contract is not None:
        check_secrets(contract, env)
    config = HostConfig(
        ack_wait=settings.ack_wait, idle_after=settings.idle_after, max_deliver=settings.max_deliver
    )
    async with open_bus(settings) as bus:
        gateways, live = (None, None)
        if contract is not None:
            gateways, live = gateway_tree(
                bus, contract, env, gateway_settings or settings.gateways(), extra_routes=extra_routes
            )
        kinds = behaviours_for(contract)
        tree = engine_tree(bus, kinds, config, gateways)
        log.info("engine.ready", kinds=[b.kind for b in kinds], gateways=gateways is not None)
        async with anyio.create_task_group() as tg:
            tg.start_soon(tree.run)
            if on_ready is not None:
                await _wait_started(tree)
                await on_ready(bus, live)


async def _wait_started(tree: Supervisor) -> None:
    with anyio.fail_after(120):
        while tree.describe().state != "running":
            await anyio.sleep(0.05)
