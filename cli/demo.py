"""`tandem demo`: the whole system on one machine (DESIGN §10) — NATS, both emulators, the engine,
the order importer and a flash-sale traffic generator — and where to look while it runs.

    await run_demo(DemoOptions(duration=60))       # or until cancelled (Ctrl-C)

`running_engine` is shared with bench/flash_sale.py: it starts an embedded nats-server in a temp
directory, writes the world's contract as tandem.toml there, and runs the engine on it until the block
ends — `cli.engine.run_engine` in this process (secrets passed as its `env`), or `tandem run` as a
child process configured through its environment, as an operator would.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import anyio
import msgspec

from bus import subjects
from bus.connection import NatsSettings
from bus.embedded import embedded_nats
from cli.engine import run_engine
from cli.settings import RunSettings
from contract.toml_writer import contract_toml
from gateways.pos.holds import HOLDS_PATH
from gateways.shopify.webhooks import WEBHOOK_PATH as WEBHOOKS_PATH
from observability.logging import configure_logging
from sandbox.importer import NetSuiteRestClient, OrderImporter, ShopifyOrderFeed
from sandbox.traffic import PosHoldEndpoint, TrafficSpec, plan_traffic, run_traffic
from sandbox.world import World, WorldSpec, build_world

AVAILABLE_SUBJECTS = subjects.AVAILABLE_EVENTS
EDGE_START_TIMEOUT = 3.0  # seconds an in-process engine gets to open its HTTP edge
PROCESS_START_TIMEOUT = 15.0  # a child process imports everything first
PROCESS_STOP_TIMEOUT = 20.0


class DemoOptions(msgspec.Struct, frozen=True, kw_only=True):
    duration: float | None = None  # seconds; None: until cancelled
    skus: int = 12
    seed: int = 1
    rate: float = 20.0  # traffic actions per second
    import_interval: float = 5.0  # the order importer's period (seconds)
    data_dir: Path | None = None  # default: a fresh temp directory
    engine_process: bool = False  # run the engine as `tandem run` in its own process


class EngineRun(msgspec.Struct, frozen=True):
    nats_url: str
    contract_path: Path
    data_dir: Path
    edge_url: str | None = None  # the engine's HTTP edge, when it is listening
    holds_url: str | None = None  # its POS hold endpoint


ENGINE_PROCESS = (sys.executable, "-m", "cli.main", "run")  # `tandem run`, as the Procfile starts it


@asynccontextmanager
async def running_engine(
    world: World,
    data_dir: Path,
    session: aiohttp.ClientSession,
    *,
    process: Sequence[str] | None = None,
    log_level: str = "WARNING",
) -> AsyncIterator[EngineRun]:
    """Embedded NATS + the engine on `world`'s contract, for as long as the block runs.

    In this process by default; with `process` (e.g. ENGINE_PROCESS) as its own OS process, configured
    the way an operator configures `tandem run`: NATS_URL, TANDEM_CONTRACT, TANDEM_DATA_DIR and the
    secrets in its environment, its output in <data_dir>/engine.log. The engine's HTTP edge (webhook
    receiver, POS holds) is offered a free loopback port through TANDEM_HTTP_HOST/TANDEM_HTTP_PORT;
    once it listens there, every shop's webhooks are subscribed to it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    contract_path = data_dir / "tandem.toml"
    contract_path.write_text(contract_toml(world.contract))
    edge_port = _free_port()
    env = {**world.env, "TANDEM_HTTP_HOST": "127.0.0.1", "TANDEM_HTTP_PORT": str(edge_port)}
    async with embedded_nats(data_dir / "nats") as url, anyio.create_task_group() as tasks:
        if process is None:
            settings = RunSettings(
                data_dir=data_dir,
                nats=NatsSettings(url=url),
                embedded_port=0,
                log_level=log_level,
                log_json=None,
                contract_path=contract_path,
                http_host="127.0.0.1",
                http_port=edge_port,
            )
            tasks.start_soon(_engine, settings, world, {**os.environ, **env})
        else:
            env |= {
                "NATS_URL": url,
                "TANDEM_CONTRACT": str(contract_path),
                "TANDEM_DATA_DIR": str(data_dir),
                "TANDEM_LOG_LEVEL": log_level,
            }
            tasks.start_soon(_engine_process, list(process), env, data_dir / "engine.log")
        edge = f"http://127.0.0.1:{edge_port}"
        if await _listening(edge_port, EDGE_START_TIMEOUT if process is None else PROCESS_START_TIMEOUT):
            await register_webhooks(world, session, f"{edge}{WEBHOOKS_PATH}")
            yield EngineRun(url, contract_path, data_dir, edge, f"{edge}{HOLDS_PATH}")
        else:
            yield EngineRun(url, contract_path, data_dir)
        tasks.cancel_scope.cancel()


async def _engine(settings: RunSettings, world: World, env: Mapping[str, str]) -> None:
    """The engine in this process, on the world's contract; secrets from `env`, not os.environ."""
    await run_engine(settings, world.contract, env=env)


async def _engine_process(command: list[str], env: Mapping[str, str], log_path: Path) -> None:
    """Run the engine as a child process until cancelled; then SIGTERM (it drains), kill if it hangs."""
    with log_path.open("ab") as log:
        engine = await anyio.open_process(command, env={**os.environ, **env}, stdout=log, stderr=log)
        try:
            await engine.wait()
        finally:
            with anyio.CancelScope(shield=True):
                if engine.returncode is None:
                    engine.terminate()
                    with anyio.move_on_after(PROCESS_STOP_TIMEOUT):
                        await engine.wait()
                if engine.returncode is None:
                    engine.kill()
                    await engine.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _listening(port: int, timeout: float) -> bool:
    """Whether something accepts connections on the loopback port within `timeout` seconds."""
    with anyio.move_on_after(timeout):
        while True:
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                await anyio.sleep(0.1)
                continue
            await stream.aclose()
            return True
    return False


WEBHOOK_TOPICS = (
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "ORDERS_CANCELLED",
    "REFUNDS_CREATE",
    "INVENTORY_LEVELS_UPDATE",
    "PRODUCTS_UPDATE",
)
_SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id } userErrors { field message }
  }
}"""


async def register_webhooks(
    world: World, session: aiohttp.ClientSession, receiver_url: str, topics: tuple[str, ...] = WEBHOOK_TOPICS
) -> int:
    """Subscribe `receiver_url` to `topics` in every shop, as installing the app does; returns how many."""
    created = 0
    for shop in world.contract.shops:
        info = world.shopify.shop_info(shop.name)
        for topic in topics:
            async with session.post(
                info.graphql_url,
                json={"query": _SUBSCRIBE, "variables": {"topic": topic, "uri": receiver_url}},
                headers={"X-Shopify-Access-Token": info.access_token},
            ) as reply:
                body = await reply.json()
            payload = (body.get("data") or {}).get("webhookSubscriptionCreate") or {}
            if reply.status != 200 or payload.get("userErrors") or not payload.get("webhookSubscription"):
                raise RuntimeError(f"webhook subscription {topic} in {shop.name} failed: {body}")
            created += 1
    return created


def where_to_look(world: World, engine: EngineRun) -> list[str]:
    """The lines `tandem demo` prints: every URL and how to watch the published availability."""
    shopify, netsuite = world.shopify, world.netsuite
    lines = [
        f"NATS                    {engine.nats_url}",
        f"  watch availability    nats sub '{AVAILABLE_SUBJECTS}' --server {engine.nats_url}",
        f"contract                {engine.contract_path}",
        f"Shopify control API     {shopify.base_url}/_sandbox/shops",
    ]
    for shop in world.contract.shops:
        info = shopify.shop_info(shop.name)
        lines += [
            f"  {shop.name:<21} GraphQL {info.graphql_url}",
            f"  {'':<21} inventory {shopify.base_url}/_sandbox/shops/{shop.name}/inventory",
            f"  {'':<21} writes {shopify.base_url}/_sandbox/shops/{shop.name}/quantity_writes",
        ]
    lines += [
        f"NetSuite REST           {netsuite.rest_url}  (TBA, account {netsuite.credentials.account})",
        f"NetSuite control API    {netsuite.base_url}/_sandbox/state",
        f"  stock                 {netsuite.base_url}/_sandbox/stock",
        f"webhook receiver        {engine.edge_url}{WEBHOOKS_PATH}"
        if engine.edge_url
        else "webhook receiver        (not listening: the engine's gateways are not wired yet)",
        f"POS holds               {engine.holds_url}" if engine.holds_url else "POS holds               -",
        f"data directory          {engine.data_dir}",
    ]
    return lines


async def run_demo(options: DemoOptions | None = None, out: Callable[[str], None] = print) -> None:
    """Run the demo until `options.duration` passes or the caller cancels (Ctrl-C)."""
    options = options or DemoOptions()
    with tempfile.TemporaryDirectory(prefix="tandem-demo-") as scratch:
        data_dir = options.data_dir or Path(scratch)
        world = await build_world(WorldSpec(skus=options.skus, seed=options.seed, auto_fulfill_every_s=10.0))
        try:
            async with (
                aiohttp.ClientSession() as session,
                running_engine(
                    world, data_dir, session, process=ENGINE_PROCESS if options.engine_process else None
                ) as engine,
            ):
                for line in where_to_look(world, engine):
                    out(line)
                with anyio.move_on_after(options.duration if options.duration is not None else float("inf")):
                    await _importer_and_traffic(world, session, engine, options, out)
        finally:
            await world.stop()


async def _importer_and_traffic(
    world: World,
    session: aiohttp.ClientSession,
    engine: EngineRun,
    options: DemoOptions,
    out: Callable[[str], None],
) -> None:
    importer = OrderImporter(
        ShopifyOrderFeed(world.shopify, [s.name for s in world.contract.shops]),
        NetSuiteRestClient(session, world.contract, world.env),
        world.contract,
        interval=options.import_interval,
    )
    async with anyio.create_task_group() as tasks:
        await tasks.start(importer.run)
        round_no = 0
        while True:  # 15 s of traffic per round, a new seed each round, until cancelled
            plan = plan_traffic(
                world, TrafficSpec(seed=options.seed + round_no, rate=options.rate, duration_s=15)
            )
            holds = PosHoldEndpoint(session, engine.holds_url) if engine.holds_url else None
            record = await run_traffic(world, plan, holds)
            out(
                f"traffic round {round_no}: {record.count()} actions took effect, "
                f"{record.count(ok=False)} refused; {importer.stats.imported} orders imported to NetSuite"
            )
            round_no += 1


def main(argv: list[str] | None = None) -> None:
    """`python -m cli.demo [--duration S] [--rate R] [--skus N] [--seed N]` until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="tandem demo", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, help="seconds to run (default: until Ctrl-C)")
    parser.add_argument("--rate", type=float, default=20.0, help="traffic actions per second")
    parser.add_argument("--skus", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine-process", action="store_true", help="run the engine as its own process")
    args = parser.parse_args(argv)
    options = DemoOptions(
        duration=args.duration,
        rate=args.rate,
        skus=args.skus,
        seed=args.seed,
        engine_process=args.engine_process,
    )
    configure_logging("WARNING", json=False)  # the demo's own lines, not every engine start-up event
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(
            run_demo, options, backend="asyncio", backend_options={"use_uvloop": sys.platform != "win32"}
        )


if __name__ == "__main__":
    main()
