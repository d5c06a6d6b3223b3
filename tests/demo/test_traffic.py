"""The traffic generator: the same seed plans the same traffic; a run stops by itself and records it."""

from __future__ import annotations

import time
from collections import Counter

import anyio

from sandbox.traffic import TrafficSpec, plan_traffic, run_traffic
from sandbox.world import World


def test_the_same_seed_plans_the_same_traffic_and_another_seed_another(world: World) -> None:
    spec = TrafficSpec(seed=5, rate=200, duration_s=3)
    assert plan_traffic(world, spec) == plan_traffic(world, spec)
    assert plan_traffic(world, spec) != plan_traffic(world, TrafficSpec(seed=6, rate=200, duration_s=3))


def test_the_plan_mixes_every_kind_bursts_and_favours_hot_skus(world: World) -> None:
    spec = TrafficSpec(seed=2, rate=400, duration_s=8, burst_every_s=4, burst_length_s=1, burst_factor=4)
    plan = plan_traffic(world, spec)
    kinds = Counter(action.kind for action in plan)
    assert set(kinds) == {
        "web_order",
        "pos_sale",
        "hold",
        "checkout",
        "receipt",
        "transfer",
        "transfer_receive",
    }
    starts = [a.at for a in plan if a.kind not in ("checkout", "transfer_receive")]
    assert abs(len(starts) - spec.rate * spec.duration_s) < 0.15 * spec.rate * spec.duration_s
    in_burst = sum(1 for at in starts if at % 4 < 1)
    assert in_burst > 0.45 * len(starts)  # 1/4 of the time carries ~4/7 of the arrivals
    for action in plan:
        if action.kind in ("checkout", "transfer_receive"):
            assert plan[action.ref].kind == {"checkout": "hold", "transfer_receive": "transfer"}[action.kind]
            assert action.at > plan[action.ref].at


async def test_a_run_stops_by_itself_and_records_what_happened(world: World) -> None:
    plan = plan_traffic(
        world, TrafficSpec(seed=3, rate=100, duration_s=1.5, transfer_transit_s=0.3, hold_seconds=(0.2, 0.4))
    )
    started = time.monotonic()
    with anyio.fail_after(10):
        record = await run_traffic(world, plan)
    assert time.monotonic() - started >= max(a.at for a in plan)
    assert len(record.outcomes) == len(plan)
    assert record.count() > 0
    sold = sum(len(world.shopify.runtime(s).state.orders) for s in ("us", "eu"))
    placed = sum(1 for o in record.outcomes if o.ok and o.kind in ("web_order", "pos_sale", "checkout"))
    assert sold == placed
    refused = [o for o in record.outcomes if not o.ok]
    assert all(o.detail for o in refused)


async def test_a_refusal_is_recorded_not_raised(world: World) -> None:
    sku = world.skus[0]
    for shop, site in world.shop_locations:  # sell the hot SKU out everywhere first
        gid = world.shop_locations[(shop, site)]
        world.shopify.set_stock(shop, {"sku": sku, "location": gid, "available": 0})
    plan = [
        a
        for a in plan_traffic(world, TrafficSpec(seed=1, rate=300, duration_s=1))
        if a.kind == "web_order" and a.sku == sku and not a.lines
    ][:3]
    assert plan
    record = await run_traffic(world, plan)
    assert [o.detail for o in record.outcomes] == ["INSUFFICIENT_INVENTORY"] * len(plan)
