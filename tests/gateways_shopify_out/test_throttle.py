"""The cost bucket model against Shopify's own bucket (the emulator's, on a fake clock)."""

from __future__ import annotations

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateways.shopify.throttle import CostBucketModel, CostThrottle, ThrottleStatus
from sandbox.shopify.throttle import CostBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def status_of(bucket: CostBucket) -> ThrottleStatus:
    raw = bucket.status()
    return ThrottleStatus(raw["maximumAvailable"], raw["currentlyAvailable"], raw["restoreRate"])


calls = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=400),  # requested cost
        st.floats(min_value=0, max_value=1),  # share of it actually used
        st.floats(min_value=0, max_value=2),  # idle time before the call
        st.integers(min_value=1, max_value=3),  # how many calls are in flight together
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    calls=calls,
    size=st.integers(min_value=400, max_value=4000),
    rate=st.integers(min_value=10, max_value=500),
)
def test_a_client_that_acquires_first_is_never_throttled(
    calls: list[tuple[int, float, float, int]], size: int, rate: int
) -> None:
    clock = FakeClock()
    server = CostBucket(size, rate, clock=clock)
    model = CostBucketModel()

    async def scenario() -> None:
        throttle = CostThrottle(model, clock=clock, sleep=clock.sleep)
        await throttle.acquire(1)  # the probe that learns the bucket (ShopifyGraphQL.learn_bucket)
        assert server.try_take(1)
        throttle.settle(status_of(server), 1)
        for cost, used, idle, together in calls:
            clock.now += idle
            in_flight = []
            for _ in range(together):  # several calls leave before any answer comes back
                await throttle.acquire(cost)
                assert server.try_take(cost), "the server would have answered THROTTLED"
                assert server.available >= model.margin_for(cost) - 1  # the margin was kept
                in_flight.append(cost)
            for reserved in in_flight:  # answers arrive; the server refunds what was not used
                server.give_back(reserved - int(reserved * used))
                throttle.settle(status_of(server), reserved)

    anyio.run(scenario)


def test_an_unknown_bucket_lets_one_call_out_and_the_others_wait_for_its_report() -> None:
    model = CostBucketModel()
    assert model.delay_for(500, now=0) == 0
    model.take(500, now=0)
    assert model.delay_for(1, now=0) is None
    model.observe(ThrottleStatus(1000, 500, 50), reserved=500, now=1)
    assert model.known and model.in_flight == 0
    assert model.delay_for(100, now=1) == 0
    # 900 + a margin of 100 needs 1000 points; 500 are there; 500 more take 10 s at 50/s
    assert model.delay_for(900, now=1) == pytest.approx(10.0)


def test_a_call_larger_than_the_bucket_is_refused_so_callers_split_it() -> None:
    model = CostBucketModel()
    model.observe(ThrottleStatus(100, 100, 10), reserved=0, now=0)
    with pytest.raises(ValueError, match="exceeds the bucket size"):
        model.delay_for(101, now=0)
    assert model.delay_for(100, now=0) == 0  # a full bucket pays for it; the margin gives way


def test_the_level_refills_by_the_clock_up_to_the_maximum() -> None:
    model = CostBucketModel()
    model.observe(ThrottleStatus(2000, 100, 100), reserved=0, now=0)
    assert model.level(5) == pytest.approx(600)
    assert model.level(100) == 2000


def test_a_status_is_read_from_the_response_extensions() -> None:
    extensions = {
        "cost": {
            "requestedQueryCost": 13,
            "actualQueryCost": 13,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1986, "restoreRate": 100.0},
        }
    }
    assert ThrottleStatus.from_extensions(extensions) == ThrottleStatus(2000, 1986, 100)
    assert ThrottleStatus.from_extensions({"cost": {"throttleStatus": {"maximumAvailable": "x"}}}) is None
    assert ThrottleStatus.from_extensions(None) is None


async def test_acquire_waits_on_the_injected_clock_until_the_margin_is_kept() -> None:
    clock = FakeClock()
    throttle = CostThrottle(clock=clock, sleep=clock.sleep)
    throttle.settle(ThrottleStatus(1000, 150, 50), reserved=0)
    start = clock.now
    await throttle.acquire(100)  # needs 100 + margin 100 = 200; has 150: 1 s at 50/s
    assert clock.now - start == pytest.approx(1.0)
    assert throttle.model.in_flight == 100
