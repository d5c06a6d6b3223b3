"""Flash sale: Tandem vs the interval-copy connector, same seeded traffic, counted from ground truth.

Each side gets a fresh world (both emulators, same seed, same catalog and stock), the same order
importer (interval T) and the same traffic plan, which starts once the side has taken over the shops
(a running system meets a sale already synced: `--warmup`, then until its writes settle). Side (a)
runs the engine in-process on embedded NATS; side (b) runs bench/baseline.py's connector with
interval T. T is compressed: 2 s stands for the 15 minutes a real connector waits. Counted from the
emulators, not from either side's own reports:

  oversold   units sold beyond the stock there was, per SKU and NetSuite location (a kit: its components)
             at the end; "sold short": units sales took beyond what was unsold at that moment
             (bench/oversold_timeline.py; `--explain` prints Tandem's short sites in time order)
  drift      max |published available − true sellable| over every channel location, sampled
  latency    change (a sale, hold, receipt, transfer) → first quantity write at a channel location it
             feeds that did not already show it (Shopify shows its own sales at their location)
             (also per kind of change: a sale, a hold placed or expired, a receipt, a transfer...)
  calls      GraphQL requests that reached Shopify's cost throttle, and THROTTLED answers
  lag        how far the traffic fell behind its plan: the rate this machine really sustained
  CPU        ms of CPU per change of the engine process, nats-server and the harness (bench/cpu.py):
             what the work costs, where the wall-clock rate is only what the machine gave the run

Tandem's figures are null in the last line when its engine made no Shopify call (not wired yet).

    python bench/flash_sale.py                     # 1,000 actions/s for 30 s, engine in this process
    python bench/flash_sale.py --quick             # < 60 s
    python bench/flash_sale.py --engine-process    # the engine as `tandem run` in its own process
    python bench/flash_sale.py --quick --hold-share 0 --burst-factor 1   # no checkout holds, no bursts

The emulators, the importer, the traffic and the counting share one event loop; at high rates that
loop (not the side under test) becomes the limit — "traffic behind plan" says when it did.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import aiohttp
import anyio
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cpu
from bench.baseline import IntervalConnector
from bench.flash_report import SideResult, summary, table
from bench.ground_truth import SellableTruth, change_events, drift_now, pooled_targets, publish_latencies
from bench.oversold_timeline import explain, site_events, units_sold_short
from cli.demo import ENGINE_PROCESS, running_engine
from sandbox.importer import NetSuiteRestClient, OrderImporter, ShopifyOrderFeed
from sandbox.traffic import (
    Action,
    HoldSink,
    PosHoldEndpoint,
    TrafficRecord,
    TrafficRunner,
    TrafficSpec,
    plan_traffic,
)
from sandbox.world import World, WorldSpec, build_world
from sandbox.world_spec import SITES

WARM_QUIET_S = 0.5
WARM_MAX_S = 20.0


# A side's inventory writer, running for the block; it yields who else must hear of checkout holds.
Writer = Callable[[World, aiohttp.ClientSession], AbstractAsyncContextManager[HoldSink | None]]


async def run_side(name: str, args: argparse.Namespace, writer: Writer, *, splits: bool) -> SideResult:
    """Fresh world, the importer, the side's writer and the traffic plan; then count from ground truth."""
    world = await build_world(
        WorldSpec(
            skus=args.skus,
            seed=args.seed,
            hot_skus=args.hot_skus,
            deep_stock_factor=args.deep_stock,
            polling_interval_s=args.poll,
        )
    )
    # Drift and latency follow what the side publishes: shares of a split site, or all of it; kits
    # split with their components, or shown whole
    pooled = pooled_targets(world) if splits else {}
    kits_split = splits and world.contract.inventory.kits == "split"
    result = SideResult(name)
    try:
        traffic = TrafficSpec(
            seed=args.seed,
            rate=args.rate,
            duration_s=args.duration,
            hot_share=args.hot_share,
            hold_share=args.hold_share,
            burst_factor=args.burst_factor,
        )
        plan = plan_traffic(world, traffic)
        runner = TrafficRunner(world, plan)
        truth = SellableTruth(world, plan, runner.record)
        async with (
            aiohttp.ClientSession() as session,
            writer(world, session) as holds,
            anyio.create_task_group() as tasks,
        ):
            runner.holds = holds
            importer = OrderImporter(
                ShopifyOrderFeed(world.shopify, [s.name for s in world.contract.shops]),
                NetSuiteRestClient(session, world.contract, world.env),
                world.contract,
                interval=args.interval,
            )
            await tasks.start(importer.run)
            await _warm_up(world, args.warmup)
            calls_before, throttled_before = world.api_calls()
            tasks.start_soon(_sample_drift, world, truth, result, pooled, kits_split)
            cpu_before = cpu.snapshot()
            record = await runner.run()
            await anyio.sleep(args.settle)
            result.cpu_s = cpu.spent(cpu_before, cpu.snapshot())
            tasks.cancel_scope.cancel()
        _count(world, plan, record, truth, result, args, (calls_before, throttled_before), pooled, kits_split)
    finally:
        await world.stop()
    return result


def _count(
    world: World,
    plan: list[Action],
    record: TrafficRecord,
    truth: SellableTruth,
    result: SideResult,
    args: argparse.Namespace,
    before: tuple[int, int],
    pooled: dict[str, list[tuple[str, str]]],
    kits_split: bool,
) -> None:
    calls_before, throttled_before = before
    calls, throttled = world.api_calls()
    result.shopify_calls, result.throttled = calls - calls_before, throttled - throttled_before
    truth.refresh()
    result.oversold = truth.oversold()
    physical = {sku: sum(truth.supply[(sku, site.key)] for site in SITES) for sku in world.skus}
    result.pooled_oversold = sum(world.shopify.oversold(physical).values())
    by_site = site_events(world, plan, record)
    result.sold_short = units_sold_short(by_site)
    if args.explain:
        result.explanation = explain(world, by_site, record.started_at)
    changes = change_events(world, plan, record)
    result.changes, result.duration_s = len(changes), record.finished_at - record.started_at

    def latencies(side: Literal["any", "shopify", "netsuite"]) -> tuple[list[float], int]:
        return publish_latencies(world, changes, args.horizon, pooled, side=side, kits_split=kits_split)

    result.latencies_ms, result.unpublished = latencies("any")
    result.shopify_side_ms, _ = latencies("shopify")
    result.netsuite_side_ms, _ = latencies("netsuite")
    for kind in sorted({change.kind for change in changes}):
        samples, _ = publish_latencies(world, changes, args.horizon, pooled, kits_split=kits_split, kind=kind)
        if samples:
            result.by_kind_ms[kind] = samples
    result.orders = sum(len(world.shopify.runtime(s.name).state.orders) for s in world.contract.shops)
    result.refused = record.count(ok=False)
    result.traffic_lag_s = record.max_lag_s
    result.wired = result.shopify_calls > 0  # no GraphQL call at all: nothing wrote inventory


async def _warm_up(world: World, minimum: float) -> None:
    """Let the side take over the shops before the sale starts, as a running system has: at least
    `minimum` s, then until no quantity was written for WARM_QUIET_S (at most WARM_MAX_S)."""
    started = anyio.current_time()
    await anyio.sleep(minimum)
    seen = -1
    while anyio.current_time() - started < WARM_MAX_S:
        writes = sum(len(world.shopify.quantity_writes(s.name)) for s in world.contract.shops)
        if writes == seen:
            return
        seen = writes
        await anyio.sleep(WARM_QUIET_S)


async def _sample_drift(
    world: World,
    truth: SellableTruth,
    result: SideResult,
    pooled: dict[str, list[tuple[str, str]]],
    kits_split: bool,
) -> None:
    while True:
        await anyio.sleep(0.25)
        result.max_drift = max(result.max_drift, drift_now(world, truth, pooled, kits_split=kits_split))


def baseline_writer(interval: float) -> Writer:
    @asynccontextmanager
    async def writer(world: World, session: aiohttp.ClientSession) -> AsyncIterator[HoldSink | None]:
        connector = IntervalConnector(session, world.contract, world.env, interval=interval)
        async with anyio.create_task_group() as tasks:
            await tasks.start(connector.run)
            yield None  # checkout holds stay inside Shopify: a connector never hears of them
            tasks.cancel_scope.cancel()

    return writer


def tandem_writer(data_dir: Path, process: Sequence[str] | None) -> Writer:
    @asynccontextmanager
    async def writer(world: World, session: aiohttp.ClientSession) -> AsyncIterator[HoldSink | None]:
        # The whole of Tandem: gateways, router, actors, writer (cli/engine.py). If its HTTP edge never
        # listens or it makes no Shopify call, the side is reported as not wired.
        async with running_engine(world, data_dir, session, process=process) as engine:
            yield PosHoldEndpoint(session, engine.holds_url) if engine.holds_url else None

    return writer


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a short run (< 60 s)")
    parser.add_argument("--side", choices=["both", "tandem", "baseline"], default="both")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skus", type=int)
    parser.add_argument("--hot-skus", type=int)
    parser.add_argument("--hot-share", type=float, help="share of demand for the hot (low-stock) SKUs")
    parser.add_argument("--rate", type=float, help="attempted traffic actions per second")
    parser.add_argument(
        "--hold-share",
        type=float,
        default=TrafficSpec().hold_share,
        help="share of the actions that are checkout holds (0: none)",
    )
    parser.add_argument(
        "--burst-factor",
        type=float,
        default=TrafficSpec().burst_factor,
        help="rate inside a burst (1 s in every 4) relative to outside (1: steady)",
    )
    parser.add_argument("--duration", type=float, help="seconds of traffic per side")
    parser.add_argument("--interval", type=float, help="T: the importer's and the baseline's period (s)")
    parser.add_argument("--deep-stock", type=int, help="stock multiplier of the SKUs that are not hot")
    parser.add_argument(
        "--poll",
        type=float,
        default=1.0,
        help="Tandem's NetSuite polling interval (s), not compressed: real seconds",
    )
    parser.add_argument(
        "--engine-process",
        action="store_true",
        help="run the engine as its own process (`tandem run`), not in the harness's",
    )
    parser.add_argument(
        "--engine-command", help="the engine process's command line (implies --engine-process)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds each side runs before the traffic starts (then until its writes settle)",
    )
    parser.add_argument("--settle", type=float, help="seconds to keep running after the traffic")
    parser.add_argument(
        "--explain", action="store_true", help="print each site Tandem sold short, in time order"
    )
    parser.add_argument(
        "--horizon", type=float, help="a change not written within this many s is unpublished"
    )
    args = parser.parse_args(argv)
    defaults = (
        dict(skus=30, hot_skus=6, hot_share=0.6, rate=150.0, duration=10.0, interval=1.0, settle=1.0)
        if args.quick
        else dict(skus=200, hot_skus=10, hot_share=0.4, rate=1000.0, duration=30.0, interval=2.0, settle=2.0)
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.deep_stock is None:  # the catalog beyond the hot SKUs must last the run, or sales stop
        args.deep_stock = max(6, round(args.rate * args.duration / 1500))
    if args.engine_process and not args.engine_command:
        args.engine_command = shlex.join(ENGINE_PROCESS)
    if args.horizon is None:
        args.horizon = 3 * args.interval + 2.0
    return args


async def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _arguments(argv)
    tandem = baseline = None
    with tempfile.TemporaryDirectory(prefix="tandem-flash-") as scratch:
        if args.side in ("both", "tandem"):
            process = shlex.split(args.engine_command) if args.engine_command else None
            tandem = await run_side("tandem", args, tandem_writer(Path(scratch), process), splits=True)
        if args.side in ("both", "baseline"):
            # a connector copies each location whole to every shop
            baseline = await run_side("baseline", args, baseline_writer(args.interval), splits=False)
    print(table([s for s in (tandem, baseline) if s is not None], args.interval))
    if tandem is not None and tandem.explanation:
        print(tandem.explanation)
    if tandem is not None and not tandem.wired:
        print("tandem: the engine made no Shopify call; its gateways are not wired yet (cli/engine.py)")
    figures = summary(tandem, baseline)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings and up
    anyio.run(main, backend="asyncio", backend_options={"use_uvloop": sys.platform != "win32"})
