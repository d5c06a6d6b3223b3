"""The gateways subtree of `tandem run` (DESIGN §4), built from the contract and the environment.

gateways (one_for_one)
├── http        aiohttp: POST /webhooks/shopify (HMAC, durable publish, then 200), POST/DELETE /pos/holds
├── router      ingress (Shopify webhooks, POS holds) → SKU actor messages; its own Shopify clients
│               (fulfillment-order reads) where a shop's storefronts sell from several locations
├── netsuite    SuiteQL delta poller: stock per location, items, sales orders
└── shopify     one HTTP session and cost throttle per shop, shared by:
    ├── inventory.<shop>   outbox → inventorySetQuantities (coalesced, batched, compare-and-set)
    ├── levels.<shop>      inventory_levels/update → the SKU actors' drift check (a hand edit up is
    │                      overwritten and reported)
    ├── items              NetSuite item master → Shopify variants; Shopify edits to owned fields = drift
    └── reconciler         orders updated since a cursor: catches webhooks Shopify never delivered
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import anyio
import msgspec
import structlog
from aiohttp import web

from bus.bus import Bus
from contract.config import Contract
from contract.shopify_orders import split_locations
from gateways.netsuite.gateway import open_netsuite_poller
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor
from gateways.netsuite.poller import PollerOptions
from gateways.pos.holds import add_pos_routes
from gateways.shopify.graphql import RetryPolicy, open_shopify_clients
from gateways.shopify.inventory_writer import InventoryWriter, WriterConfig
from gateways.shopify.item_sync import ItemSync, ItemSyncConfig
from gateways.shopify.level_webhooks import LevelWebhooks
from gateways.shopify.reconciler import ReconcilerConfig, run_reconcilers
from gateways.shopify.router import IngressRouter
from gateways.shopify.webhooks import MAX_BODY_BYTES, add_webhook_routes, webhook_secrets_from_env
from supervisors.policy import Backoff, RestartIntensity
from supervisors.readiness import child_ready
from supervisors.spec import ChildSpec
from supervisors.supervisor import Supervisor

log = structlog.get_logger(__name__)

# A fulfillment-order read holds its webhook: a few short tries, then the router naks and moves on.
ROUTER_RETRY = RetryPolicy(attempts=3, throttled_attempts=5, timeout=5.0, max_delay=1.0)


class GatewaySettings(msgspec.Struct, frozen=True, kw_only=True):
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    reconcile_every_s: float = 60.0
    writer_window_s: float | None = None  # None: the writer's default coalescing window


class Gateways:
    """What the gateways expose to the rest of the process (health, metrics, the demo)."""

    def __init__(self) -> None:
        self.http_url: str | None = None
        self.router: IngressRouter | None = None
        self.poller: Any = None
        self.writers: dict[str, InventoryWriter] = {}
        self.levels: dict[str, LevelWebhooks] = {}
        self.item_sync: ItemSync | None = None


def gateway_tree(
    bus: Bus,
    contract: Contract,
    env: Mapping[str, str],
    settings: GatewaySettings,
    extra_routes: Callable[[web.Application], None] | None = None,
) -> tuple[Supervisor, Gateways]:
    """The supervisor of every gateway, and the handle through which their state is observed."""
    live = Gateways()
    children = [
        _child("http", lambda: _serve_http(bus, contract, env, settings, live, extra_routes)),
        _child("router", lambda: _run_router(bus, contract, env, live)),
        _child("netsuite", lambda: _run_netsuite(bus, contract, env, live)),
        _child("shopify", lambda: _run_shopify(bus, contract, env, settings, live)),
    ]
    tree = Supervisor(
        "gateways",
        children,
        strategy="one_for_one",
        intensity=RestartIntensity(max_restarts=10, period=60.0),
        backoff=Backoff(min_delay=0.5, max_delay=30.0),
    )
    return tree, live


def _child(name: str, start: Callable[[], Awaitable[None]]) -> ChildSpec:
    return ChildSpec(id=name, start=start, restart="permanent", shutdown_timeout=15.0, ready_timeout=60.0)


async def _serve_http(
    bus: Bus,
    contract: Contract,
    env: Mapping[str, str],
    settings: GatewaySettings,
    live: Gateways,
    extra_routes: Callable[[web.Application], None] | None,
) -> None:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    add_webhook_routes(app, bus, contract, webhook_secrets_from_env(contract, env))
    add_pos_routes(app, bus, contract)
    if extra_routes is not None:
        extra_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.http_host, settings.http_port)
        await site.start()
        port = runner.addresses[0][1]
        live.http_url = f"http://{settings.http_host}:{port}"
        log.info("gateways.http_listening", url=live.http_url)
        child_ready()
        await anyio.sleep_forever()
    finally:
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            await runner.cleanup()


async def _run_router(bus: Bus, contract: Contract, env: Mapping[str, str], live: Gateways) -> None:
    """The router, with Shopify clients of its own when some shop's web orders need lookups.

    Its own, not the `shopify` subtree's: a restart there must not take the router (and the POS
    holds) with it, and its retries are short so a stuck read cannot hold a message past its ack
    wait. So it keeps its own model of each shop's cost bucket; every answer reports the bucket's
    real level, which both models follow, and the safety margin covers the other's calls in flight.
    """
    if not any(len(split_locations(contract, shop.name)) > 1 for shop in contract.shops):
        router = live.router = IngressRouter(bus, contract)
        await _serve_router(router)
        return
    async with open_shopify_clients(bus, contract, env, retry=ROUTER_RETRY) as clients:
        router = live.router = IngressRouter(bus, contract, shopify=clients)
        await _serve_router(router)


async def _serve_router(router: IngressRouter) -> None:
    async with anyio.create_task_group() as tg:
        await tg.start(router.run)
        child_ready()


async def _run_netsuite(bus: Bus, contract: Contract, env: Mapping[str, str], live: Gateways) -> None:
    governor = NetSuiteConcurrencyGovernor(contract.netsuite.concurrency_limit)
    async with (
        open_netsuite_poller(bus, contract, env, governor=governor, options=PollerOptions()) as poller,
        anyio.create_task_group() as tg,
    ):
        live.poller = poller
        await tg.start(poller.run)
        child_ready()


async def _run_shopify(
    bus: Bus, contract: Contract, env: Mapping[str, str], settings: GatewaySettings, live: Gateways
) -> None:
    window = settings.writer_window_s
    writer_config = WriterConfig(coalesce_window=window) if window is not None else WriterConfig()
    reconciler_config = ReconcilerConfig(interval=settings.reconcile_every_s)
    async with open_shopify_clients(bus, contract, env) as clients:
        live.writers = {shop: InventoryWriter(bus, client, writer_config) for shop, client in clients.items()}
        item_config = ItemSyncConfig(price_currency=contract.netsuite.base_currency)
        live.item_sync = ItemSync(bus, clients, contract.owner_of, item_config)
        live.levels = {
            shop: LevelWebhooks(bus, writer.reads, contract, written=writer.written)
            for shop, writer in live.writers.items()
        }
        children = [
            *(_started(f"inventory.{shop}", writer.run) for shop, writer in live.writers.items()),
            *(_started(f"levels.{shop}", levels.run) for shop, levels in live.levels.items()),
            _started("items", live.item_sync.run),
            ChildSpec(
                id="reconciler",
                start=lambda: run_reconcilers(bus, clients, reconciler_config),
                restart="permanent",
                shutdown_timeout=10.0,
            ),
        ]
        intensity = RestartIntensity(max_restarts=10, period=60.0)
        shopify = Supervisor("shopify", children, strategy="one_for_one", intensity=intensity)
        async with anyio.create_task_group() as tg:
            tg.start_soon(shopify.run)
            child_ready()


def _started(name: str, run: Callable[..., Coroutine[Any, Any, None]]) -> ChildSpec:
    """A child whose `run(task_status=...)` tells when it is consuming."""

    async def start() -> None:
        async with anyio.create_task_group() as tg:
            await tg.start(run)
            child_ready()

    return ChildSpec(id=name, start=start, restart="permanent", shutdown_timeout=15.0, ready_timeout=60.0)
