"""The traffic generator: the same seed plans the same traffic; a run stops by itself and records it."""

from __future__ import annotations

import time
from collections import Counter

import anyio
import pytest

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


def test_no_hold_share_plans_no_holds_and_the_rest_of_the_mix_keeps_its_shares(world: World) -> None:
    def kinds(**spec: float) -> Counter[str]:
        plan = plan_traffic(world, TrafficSpec(seed=2, rate=400, duration_s=8, **spec))
        return Counter(a.kind for a in plan)

    with_holds, without = kinds(), kinds(hold_share=0)
    assert without["hold"] == without["checkout"] == 0 and with_holds["hold"] > 0
    # the holds' share goes to web orders; POS sales, receipts and transfers keep theirs
    for kind in ("pos_sale", "receipt", "transfer"):
        assert abs(without[kind] - with_holds[kind]) < 0.25 * with_holds[kind]
    assert without["web_order"] > with_holds["web_order"]


def test_a_steady_plan_has_no_bursts(world: World) -> None:
    plan = plan_traffic(world, TrafficSpec(seed=2, rate=400, duration_s=8, burst_factor=1))
    in_burst = sum(1 for a in plan if a.kind not in ("checkout", "transfer_receive") and a.at % 4 < 1)
    starts = sum(1 for a in plan if a.kind not in ("checkout", "transfer_receive"))
    assert 0.2 * starts < in_burst < 0.3 * starts  # a quarter of the time, a quarter of the arrivals


@pytest.mark.parametrize(
    "bad", [{"hold_share": -0.1}, {"hold_share": 0.9}, {"burst_factor": 0.5}], ids=str
)
def test_a_mix_that_does_not_add_up_is_refused_by_name(world: World, bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        plan_traffic(world, TrafficSpec(seed=1, rate=100, duration_s=1, **bad))


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
