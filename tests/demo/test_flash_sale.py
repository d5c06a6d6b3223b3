"""bench/flash_sale.py: the baseline side runs end to end and is counted from the emulators' ground truth."""

from __future__ import annotations

import json
import os

import pytest

from bench.flash_report import SideResult, summary
from bench.flash_sale import main
from sandbox.world import World


async def test_the_baseline_side_runs_and_the_last_line_is_the_json_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await main(
        [
            "--quick",
            "--side",
            "baseline",
            "--duration",
            "3",
            "--rate",
            "120",
            "--interval",
            "0.5",
            "--settle",
            "0.5",
            "--skus",
            "10",
            "--hot-skus",
            "3",
        ]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == figures
    assert set(figures) == {
        "tandem_oversold",
        "baseline_oversold",
        "p50_ms",
        "p99_ms",
        "changes_per_s",
        "shopify_calls_per_100_changes",
        "throttled",
    }
    assert isinstance(figures["baseline_oversold"], int) and figures["baseline_oversold"] >= 0
    assert figures["tandem_oversold"] is None  # that side did not run
    assert any(line.startswith("oversold units") for line in lines)
    assert any("pooled over locations" in line for line in lines)


def test_tandem_figures_are_null_when_its_engine_made_no_shopify_call() -> None:
    idle = SideResult("tandem", wired=False, oversold=0, changes=100, duration_s=1.0)
    baseline = SideResult(
        "baseline", oversold=12, latencies_ms=[10.0, 20.0], changes=100, duration_s=2.0, shopify_calls=4
    )
    assert summary(idle, baseline) == {
        "tandem_oversold": None,
        "baseline_oversold": 12,
        "p50_ms": None,
        "p99_ms": None,
        "changes_per_s": None,
        "shopify_calls_per_100_changes": None,
        "throttled": None,
    }
    wired = SideResult(
        "tandem",
        oversold=1,
        latencies_ms=[float(n) for n in range(1, 101)],
        changes=200,
        duration_s=2.0,
        shopify_calls=10,
        throttled=0,
    )
    assert summary(wired, baseline) == {
        "tandem_oversold": 1,
        "baseline_oversold": 12,
        "p50_ms": 51.0,
        "p99_ms": 100.0,
        "changes_per_s": 100.0,
        "shopify_calls_per_100_changes": 5.0,
        "throttled": 0,
    }


@pytest.mark.skipif(not os.environ.get("TANDEM_SLOW_TESTS"), reason="the whole --quick bench takes ~45 s")
async def test_the_whole_quick_bench_runs_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    figures = await main(["--quick"])
    assert figures["baseline_oversold"] is not None
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == figures


def test_oversold_counts_units_sold_beyond_the_stock_of_their_location(world: World) -> None:
    from bench.ground_truth import SellableTruth, drift_now, pooled_targets
    from sandbox.shopify import OrderLineSpec, OrderSpec
    from sandbox.traffic import Outcome, TrafficRecord

    sku = world.skus[0]
    stock = world.initial_stock[(sku, "brooklyn")]
    record = TrafficRecord()
    truth = SellableTruth(world, [], record)
    assert truth.oversold() == 0 and drift_now(world, truth, {}) == 0  # the world starts exact
    # ... for a connector; split between the shops, the warehouse is shown twice over
    pooled = pooled_targets(world)
    assert list(pooled) == ["warehouse"] and len(pooled["warehouse"]) == 2
    most = max(world.initial_stock[(s, "warehouse")] for s in world.skus)
    assert drift_now(world, truth, pooled) == most
    world.shopify.set_stock("us", {"sku": sku, "location": "Brooklyn Store", "available": stock + 3})
    assert drift_now(world, truth, {}) == 3  # Shopify publishes 3 more than Brooklyn holds
    for _ in range(stock + 3):
        world.shopify.place_order(
            "us", OrderSpec(lines=[OrderLineSpec(sku, 1)], source="pos", location="Brooklyn Store")
        )
    truth.refresh()
    assert truth.oversold() == 3
    record.outcomes.append(Outcome(0, "receipt", 0.0, True, sku, 2, None, "warehouse"))  # elsewhere: no help
    truth.refresh()
    assert truth.oversold() == 3
    a, b = world.bundle.components
    world.shopify.set_stock("eu", {"sku": world.bundle.sku, "location": "Rotterdam 3PL", "available": 99})
    kits = world.initial_stock[(b, "3pl")] // world.bundle.components[b] + 1  # one kit too many of b
    world.shopify.place_order(
        "eu", OrderSpec(lines=[OrderLineSpec(world.bundle.sku, kits)], location="Rotterdam 3PL")
    )
    truth.refresh()
    excess_b = kits * world.bundle.components[b] - world.initial_stock[(b, "3pl")]
    excess_a = max(0, kits * world.bundle.components[a] - world.initial_stock[(a, "3pl")])
    assert truth.oversold() == 3 + excess_b + excess_a


def test_with_kits_split_each_component_and_the_kits_together_are_compared_with_its_units(
    world: World,
) -> None:
    from bench.ground_truth import SellableTruth, drift_now
    from sandbox.traffic import TrafficRecord

    truth = SellableTruth(world, [], TrafficRecord())
    assert drift_now(world, truth, {}, kits_split=True) > 0  # a connector shows the kits' units twice
    kits = world.bundle.sku
    for shop in world.contract.shops:
        for location in world.shopify.runtime(shop.name).state.locations.values():
            world.shopify.set_stock(shop.name, {"sku": kits, "location": location.name, "available": 0})
    assert drift_now(world, truth, {}, kits_split=True) == 0  # no kits: the components show it all
    assert drift_now(world, truth, {}) > 0  # ... but shown whole, the kit should sell some


def test_an_order_of_a_kit_and_its_component_makes_changes_of_both_at_one_moment(world: World) -> None:
    from bench.ground_truth import change_events
    from sandbox.shopify import OrderLineSpec, OrderSpec
    from sandbox.traffic import TrafficRecord

    kit, component = world.bundle.sku, next(iter(world.bundle.components))
    lines = [OrderLineSpec(kit, 1), OrderLineSpec(component, 1)]
    world.shopify.place_order("us", OrderSpec(lines=lines, source="pos", location="Brooklyn Store"))
    changes = change_events(world, [], TrafficRecord())  # sorting them used to compare None with a GID
    assert {(c.sku, c.related) for c in changes if c.sku in (kit, component)} == {
        (kit, False), (kit, True), (component, False), (component, True)
    }


async def test_latency_runs_from_a_change_to_the_first_write_at_a_location_that_had_not_seen_it(
    world: World,
) -> None:
    import time

    import aiohttp

    from bench.baseline import IntervalConnector
    from bench.ground_truth import Change, publish_latencies
    from sandbox.shopify import OrderLineSpec, OrderSpec

    sku = world.skus[2]
    us_warehouse = world.shop_locations[("us", "warehouse")]
    before = time.time()
    world.netsuite.receive_stock(world.item_ids[sku], world.location_ids["warehouse"], 4)
    pos = world.shopify.place_order(
        "us", OrderSpec(lines=[OrderLineSpec(sku, 1)], source="pos", location="Brooklyn Store")
    )
    assert pos["id"]
    async with aiohttp.ClientSession() as session:
        await IntervalConnector(session, world.contract, world.env, interval=1.0).sync_once()
    changes = [
        Change(before, sku, "warehouse"),  # a receipt: both shops' warehouse locations must hear of it
        Change(before, sku, "brooklyn", world.shop_locations[("us", "brooklyn")]),  # only Brooklyn: no sample
        Change(time.time() + 1, sku, "3pl"),  # nothing written after it: unpublished
    ]
    latencies, unpublished = publish_latencies(world, changes, horizon_s=5.0, pooled={})
    assert len(latencies) == 1 and 0 <= latencies[0] < 5000 and unpublished == 1
    assert any(w.location_id == us_warehouse for w in world.shopify.quantity_writes("us"))


async def test_at_a_split_site_a_raised_share_is_owed_a_write_only_where_shopify_shows_less(
    world: World,
) -> None:
    import time

    import aiohttp
    import anyio

    from actors.sku.shared_pool import shares
    from bench.baseline import IntervalConnector
    from bench.ground_truth import Change, publish_latencies

    sku = world.skus[2]
    us, eu = world.shop_locations[("us", "warehouse")], world.shop_locations[("eu", "warehouse")]
    pooled = {"warehouse": [("us", us), ("eu", eu)]}
    name = "Central Warehouse"  # hand edits: what each Shopify shows, no write of the side's
    world.shopify.set_stock("us", {"sku": sku, "location": name, "available": 0, "merchant_edit": True})
    world.shopify.set_stock("eu", {"sku": sku, "location": name, "available": 999, "merchant_edit": True})
    await anyio.sleep(0.01)
    receipt = Change(time.time(), sku, "warehouse", None, 4, kind="receipt")  # both shares go up by 2
    # eu shows more than its share already; us is owed a write, and none came yet
    assert publish_latencies(world, [receipt], horizon_s=5.0, pooled=pooled) == ([], 1)
    async with aiohttp.ClientSession() as session:  # the side writes both
        await IntervalConnector(session, world.contract, world.env, interval=1.0).sync_once()
    latencies, unpublished = publish_latencies(world, [receipt], horizon_s=5.0, pooled=pooled)
    assert len(latencies) == 1 and 0 <= latencies[0] < 5000 and unpublished == 0
    # us shows exactly its new share: owed nothing, unless a checkout hold there took a unit off it
    # (shown from below: Shopify may not have let the hold lapse yet)
    free = world.initial_stock[(sku, "warehouse")] - 1 + 4
    us_share = shares(free, 2)[0]
    edit = {"sku": sku, "location": name, "available": us_share, "merchant_edit": True}
    world.shopify.set_stock("us", edit)
    await anyio.sleep(0.01)
    hold = Change(time.time(), sku, "warehouse", us, -1, kind="hold")
    later = Change(hold.at + 0.001, sku, "warehouse", None, 4, kind="receipt")
    converted = hold._replace(held=True)  # no move of `available` (reserved → committed)
    for changes, owed in (([converted, later], 0), ([hold, later], 1)):
        assert publish_latencies(world, changes, horizon_s=5.0, pooled=pooled, kind="receipt") == ([], owed)


def test_at_a_split_site_a_change_needs_a_write_only_where_it_moves_a_share() -> None:
    from bench.ground_truth import Change, _share_moves

    pool = [("us", "U"), ("eu", "E")]
    # 5 units: us 3, eu 2. us sells 1: 4 units, 2 and 2: us's Shopify already shows 2, eu keeps 2
    assert _share_moves(5, Change(0.0, "A", "w", "U", -1), pool) == {}
    # 4 units: 2 and 2. us sells 1: 3 units, 2 and 1: us shows 1 (up to 2), eu 2 (down to 1)
    assert _share_moves(4, Change(0.0, "A", "w", "U", -1), pool) == {"U": (1, 2), "E": (2, 1)}
    # a receipt of 2 moves both; a change of nothing moves nothing
    assert _share_moves(4, Change(0.0, "A", "w", None, 2), pool) == {"U": (2, 3), "E": (2, 3)}
    assert _share_moves(4, Change(0.0, "A", "w", None, 0), pool) == {}


def test_with_kits_split_a_components_share_is_what_its_item_and_the_kits_show_together(
    world: World,
) -> None:
    import time

    from actors.sku.shared_pool import shares
    from bench.ground_truth import Change, publish_latencies

    bundle = world.bundle
    sku, per_kit = next((sku, units) for sku, units in bundle.components.items() if units > 1)
    us, eu = world.shop_locations[("us", "warehouse")], world.shop_locations[("eu", "warehouse")]
    pooled = {"warehouse": [("us", us), ("eu", eu)]}
    name = "Central Warehouse"
    us_share = shares(world.initial_stock[(sku, "warehouse")] + 4, 2)[0]
    kits = us_share // per_kit
    assert kits > 0
    for item, units in ((sku, us_share - per_kit * kits), (bundle.sku, kits)):
        edit = {"sku": item, "location": name, "available": units, "merchant_edit": True}
        world.shopify.set_stock("us", edit)
    world.shopify.set_stock("eu", {"sku": sku, "location": name, "available": 999, "merchant_edit": True})
    time.sleep(0.01)
    receipt = Change(time.time(), sku, "warehouse", None, 4, kind="receipt")
    # the component's item alone shows less than its share at us; with the kits, all of it
    assert publish_latencies(world, [receipt], horizon_s=5.0, pooled=pooled) == ([], 1)
    assert publish_latencies(world, [receipt], horizon_s=5.0, pooled=pooled, kits_split=True) == ([], 0)


def test_a_kit_sold_takes_its_components_units_from_the_replayed_shares(world: World) -> None:
    import time

    from actors.sku.shared_pool import shares
    from bench.ground_truth import Change, publish_latencies

    bundle = world.bundle
    sku, per_kit = next((sku, units) for sku, units in bundle.components.items() if units % 2)
    us, eu = world.shop_locations[("us", "warehouse")], world.shop_locations[("eu", "warehouse")]
    pooled = {"warehouse": [("us", us), ("eu", eu)]}
    for shop in ("us", "eu"):  # nothing shown anywhere: every raise is owed a write
        for item in (sku, bundle.sku):
            spec = {"sku": item, "location": "Central Warehouse", "available": 0, "merchant_edit": True}
            world.shopify.set_stock(shop, spec)
    time.sleep(0.01)
    at = time.time()
    kit_sold = Change(at, bundle.sku, "warehouse", us, -1, kind="sold")  # eu is owed the kit's value
    sold = Change(at + 0.001, sku, "warehouse", us, -1, kind="sold")
    free = world.initial_stock[(sku, "warehouse")] - per_kit  # an odd number of units less

    def us_raised(units: int) -> int:  # us sells one of `units`: does its share come back up?
        return int(shares(units - 1, 2)[0] > shares(units, 2)[0] - 1)

    assert us_raised(free) != us_raised(free + per_kit)
    owed = publish_latencies(world, [kit_sold, sold], horizon_s=5.0, pooled=pooled, kits_split=True)
    assert owed == ([], 1 + us_raised(free))


def test_cpu_seconds_are_read_per_process_and_its_children_by_role() -> None:
    import os
    import subprocess
    import sys

    from bench import cpu

    before = cpu.cpu_seconds(os.getpid())
    assert before is not None
    sum(i * i for i in range(2_000_000))  # some CPU
    after = cpu.cpu_seconds(os.getpid())
    assert after is not None and after > before
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in cpu.children(os.getpid())
        assert set(cpu.snapshot()) >= {"harness", "other"}
    finally:
        child.kill()
        child.wait()
    assert cpu.cpu_seconds(child.pid) is None  # gone
    assert cpu.role("/x/bin/nats-server --jetstream") == "nats-server"
    assert cpu.role("/usr/bin/python3 -m cli.main run") == "engine"
    assert cpu.spent({"harness": 1.0}, {"harness": 1.5, "engine": 2.0}) == {"harness": 0.5, "engine": 2.0}


def test_a_converted_hold_is_no_sample_and_a_share_lowered_to_what_shopify_shows_needs_no_write(
    world: World,
) -> None:
    import time

    from bench.ground_truth import Change, publish_latencies

    sku = world.skus[2]
    us, eu = world.shop_locations[("us", "warehouse")], world.shop_locations[("eu", "warehouse")]
    pooled = {"warehouse": [("us", us), ("eu", eu)]}
    for shop in ("us", "eu"):  # a merchant's hand edit to 0 at both: a write Shopify logs
        name = "Central Warehouse"
        world.shopify.set_stock(shop, {"sku": sku, "location": name, "available": 0, "merchant_edit": True})
    at = time.time()
    sold_from_a_hold = Change(at, sku, "warehouse", us, -1, kind="sold", held=True)
    assert publish_latencies(world, [sold_from_a_hold], horizon_s=5.0, pooled=pooled) == ([], 0)
    # a transfer lowers both shares of the replayed free units, but both Shopify locations show 0
    transfer = Change(at, sku, "warehouse", None, -1, kind="transfer")
    assert publish_latencies(world, [transfer], horizon_s=5.0, pooled=pooled) == ([], 0)
    # ... while a receipt raises them: a write is owed, and none came (unpublished)
    receipt = Change(at, sku, "warehouse", None, 3, kind="receipt")
    assert publish_latencies(world, [receipt], horizon_s=5.0, pooled=pooled) == ([], 1)
