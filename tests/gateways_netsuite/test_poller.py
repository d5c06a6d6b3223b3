"""NetSuitePoller against the NetSuite sandbox over HTTP and a real nats-server (the `bus` fixture)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from bus.bus import Bus
from bus.subjects import STREAM_DLQ, STREAM_INGRESS
from gateways.netsuite.client import NetSuiteClient, SuiteQLPage
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy
from gateways.netsuite.poller import NetSuitePoller, PollerOptions
from sandbox.netsuite.config import NetSuiteSandboxConfig
from sandbox.netsuite.governance import Fault
from sandbox.netsuite.sandbox import NetSuiteSandbox
from tests.gateways_netsuite.bus_reading import Stored, eventually, of_type, stored
from tests.gateways_netsuite.conftest import sandbox_contract

STOCKED = ("TEE-BLK-M", "TEE-WHT-M", "MUG-01", "CAP-01", "WATCH-01", "COFFEE-1KG")


@pytest.fixture
def make_poller(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_client: Callable[..., NetSuiteClient]
) -> Callable[..., NetSuitePoller]:
    def make(client: NetSuiteClient | None = None, **options: Any) -> NetSuitePoller:
        contract = sandbox_contract(sandbox, list(demo["locations"].values()), polling_interval_s=0.05)
        return NetSuitePoller(bus, client or make_client(), contract, options=PollerOptions(**options))

    return make


def _readings(messages: list[Stored], sku: str | None = None) -> list[Stored]:
    found = of_type(messages, "sku.stock_reading")
    return [m for m in found if sku is None or m.envelope["key"] == sku]


def _sales_order(
    demo: dict[str, Any], external_id: str, lines: dict[str, int], location: str
) -> dict[str, Any]:
    return {
        "entity": {"id": str(demo["customer"])},
        "externalId": external_id,
        "location": {"id": str(demo["locations"][location])},
        "item": {
            "items": [{"item": {"id": str(demo["items"][sku])}, "quantity": q} for sku, q in lines.items()]
        },
    }


async def test_first_poll_publishes_every_stock_level_then_only_what_changed(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    poller = make_poller()
    before = time.time()
    await poller.poll_once()
    after = time.time()
    first = _readings(await stored(bus))
    assert {(m.envelope["key"], m.payload["location"]) for m in first} == {
        (sku, str(location)) for sku in STOCKED for location in demo["locations"].values()
    }
    east = str(demo["locations"]["East Warehouse"])
    tee_east = next(m for m in first if m.envelope["key"] == "TEE-BLK-M" and m.payload["location"] == east)
    assert (tee_east.payload["on_hand"], tee_east.payload["committed"]) == (40, 0)
    assert tee_east.subject == "act.sku.TEE-BLK-M"
    assert before <= tee_east.payload["read_at"] <= after

    sandbox.receive_stock(demo["items"]["MUG-01"], demo["locations"]["West Warehouse"], 7)
    await poller.poll_once()
    new = _readings(await stored(bus))[len(first) :]
    assert [(m.envelope["key"], m.payload["location"], m.payload["on_hand"]) for m in new] == [
        ("MUG-01", str(demo["locations"]["West Warehouse"]), 32)
    ]
    assert poller.stats.polls == 2 and poller.stats.errors == 0


async def test_a_sales_order_for_a_shopify_order_is_seen_by_each_sku_it_touches(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    poller = make_poller()
    await poller.poll_once()
    start = len(await stored(bus))
    created_before = time.time()
    sandbox.create(
        "salesOrder",
        _sales_order(
            demo, "820982911946154508", {"CAP-01": 2, "KIT-STARTER": 1, "SHIPPING": 1}, "SoHo Store"
        ),
    )
    created_after = time.time()
    sandbox.create("salesOrder", _sales_order(demo, "OTHER-IMPORTER-1", {"CAP-01": 1}, "SoHo Store"))
    await poller.poll_once()
    new = (await stored(bus))[start:]

    seen = of_type(new, "sku.sales_order_seen")
    # a kit's members (it holds no stock itself: it is a bundle); shipping is no SKU demand
    assert sorted(m.envelope["key"] for m in seen) == ["CAP-01", "MUG-01", "TEE-BLK-M"]
    for message in seen:
        assert message.payload["order_id"] == "820982911946154508"
        assert created_before - 0.01 <= message.payload["created_at"] <= created_after + 0.5
    # then a reading of every touched SKU at every location (changed by the order or not) taken after
    # the order was created: what lets the SKU actor stop counting the Shopify lines itself (DESIGN §5)
    created_at = seen[0].payload["created_at"]
    absorbing = {
        (m.envelope["key"], m.payload["location"])
        for m in _readings(new)
        if m.payload["read_at"] > created_at
    }
    locations = {str(location) for location in demo["locations"].values()}
    assert absorbing >= {(sku, loc) for sku in ("CAP-01", "MUG-01", "TEE-BLK-M") for loc in locations}
    soho = str(demo["locations"]["SoHo Store"])
    cap_soho = [m for m in _readings(new) if m.envelope["key"] == "CAP-01" and m.payload["location"] == soho]
    assert cap_soho[-1].payload["committed"] == 3  # 2 for the Shopify order, 1 for the other importer's


async def test_nothing_is_missed_across_small_pages_when_many_rows_share_one_timestamp(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    poller = make_poller(page_size=2)
    await poller.poll_once()
    start = len(await stored(bus))
    lines = [
        {"item": {"id": str(demo["items"][sku])}, "location": {"id": str(location)}, "adjustQtyBy": 1}
        for sku in ("TEE-BLK-M", "TEE-WHT-M", "MUG-01", "CAP-01")
        for location in demo["locations"].values()
    ]
    east = demo["locations"]["East Warehouse"]
    sandbox.create("inventoryAdjustment", {"adjLocation": {"id": str(east)}, "inventory": {"items": lines}})
    await poller.poll_once()
    new = _readings((await stored(bus))[start:])
    stamps = {m.msg_id.split(":")[3] for m in new}
    assert len(stamps) == 1  # one transaction: every level modified at the same millisecond
    assert len(new) == 12 and len({(m.envelope["key"], m.payload["location"]) for m in new}) == 12


@pytest.mark.parametrize(
    "sandbox_config", [NetSuiteSandboxConfig(suiteql_row_cap=5, time_zone="Asia/Kolkata")]
)
async def test_keyset_paging_reads_past_the_row_cap_where_offset_paging_stops(
    bus: Bus, make_client: Callable[..., NetSuiteClient], make_poller: Callable[..., NetSuitePoller]
) -> None:
    """NetSuite answers at most 100 000 rows per query (5 here); each keyset page is a new query."""
    query = "SELECT item FROM inventoryitemlocations"
    assert len([row async for row in make_client().suiteql(query, page_size=2)]) == 5  # silently cut
    await make_poller(page_size=2).poll_once()
    assert len(_readings(await stored(bus))) == len(STOCKED) * 3


async def test_a_row_changed_behind_the_sweep_is_read_by_the_next_poll(
    bus: Bus,
    sandbox: NetSuiteSandbox,
    demo: dict[str, Any],
    make_client: Callable[..., NetSuiteClient],
    make_poller: Callable[..., NetSuitePoller],
) -> None:
    client = make_client()
    poller = make_poller(client, page_size=2, kinds=("stock",))
    await poller.poll_once()
    tee, east = demo["items"]["TEE-BLK-M"], demo["locations"]["East Warehouse"]
    sandbox.adjust_stock(demo["items"]["CAP-01"], east, -1)  # something for the sweep to page through
    for sku in ("TEE-WHT-M", "MUG-01"):
        sandbox.adjust_stock(demo["items"][sku], east, -1)
    original = client.suiteql_page
    pages = 0

    async def change_behind(query: str, *, limit: int = 1000, offset: int = 0) -> SuiteQLPage:
        nonlocal pages
        page = await original(query, limit=limit, offset=offset)
        pages += 1
        if pages == 3:  # mid-sweep: the lowest key, already behind the keyset, changes now
            sandbox.adjust_stock(tee, east, -5)
        return page

    client.suiteql_page = change_behind  # type: ignore[method-assign]
    await poller.poll_once()
    await poller.poll_once()
    tee_east = [m for m in _readings(await stored(bus), "TEE-BLK-M") if m.payload["location"] == str(east)]
    assert tee_east[-1].payload["on_hand"] == 35


async def test_a_restarted_poller_resumes_from_its_cursor_without_missing_or_flooding(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    await make_poller().poll_once()
    start = len(await stored(bus))
    sandbox.adjust_stock(demo["items"]["CAP-01"], demo["locations"]["East Warehouse"], -3)
    restarted = make_poller()  # new process: nothing in memory, the cursor in KV
    await restarted.poll_once()
    new = (await stored(bus))[start:]
    assert [(m.envelope["key"], m.payload["on_hand"]) for m in _readings(new)] == [("CAP-01", 37)]
    items = await stored(bus, STREAM_INGRESS, "evt.netsuite.item")
    assert len(items) == len({m.payload["item_id"] for m in items})  # the catalog was not re-sent


async def test_overlapping_windows_publish_one_message_per_state(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    poller = make_poller(overlap_s=3600.0)  # every poll re-reads the last hour
    await poller.poll_once()
    sandbox.adjust_stock(demo["items"]["CAP-01"], demo["locations"]["East Warehouse"], -3)
    sandbox.create("salesOrder", _sales_order(demo, "7001", {"MUG-01": 1}, "SoHo Store"))
    await poller.poll_once()
    actors, ingress = len(await stored(bus)), len(await stored(bus, STREAM_INGRESS))
    published = poller.stats.published
    await poller.poll_once()
    assert poller.stats.published == published  # this process remembers what it sent
    fresh = make_poller(overlap_s=3600.0)  # a restarted process does not, and sends the hour again
    await fresh.poll_once()
    assert fresh.stats.published > 0
    # the ids come from the rows, so JetStream keeps one message per state
    assert (len(await stored(bus)), len(await stored(bus, STREAM_INGRESS))) == (actors, ingress)


async def test_times_are_read_in_the_accounts_zone_even_a_year_ahead_across_the_repeated_hour(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    """The account clock moved to 01:50 PDT on the night DST ends, then 15 minutes on: 01:05 PST."""
    fall_back_2027 = 1_825_577_400.0  # 2027-11-07 08:50:00 UTC = 01:50 PDT
    sandbox.advance_clock(fall_back_2027 - sandbox.account.clock.now().timestamp())
    poller = make_poller(overlap_s=60.0)
    await poller.poll_once()
    start = len(await stored(bus))
    sandbox.advance_clock(15 * 60)  # local time goes back to 01:05
    sandbox.adjust_stock(demo["items"]["MUG-01"], demo["locations"]["SoHo Store"], -1)
    created = time.time()
    sandbox.create("salesOrder", _sales_order(demo, "4001", {"MUG-01": 1}, "SoHo Store"))
    await poller.poll_once()
    new = (await stored(bus))[start:]
    assert any(m.envelope["key"] == "MUG-01" and m.payload["on_hand"] == 7 for m in _readings(new))
    (seen,) = of_type(new, "sku.sales_order_seen")
    # NetSuite's clock is a year ahead; the creation time is on this process's clock, erring later
    assert created - 0.01 <= seen.payload["created_at"] <= created + 0.5


async def test_throttling_then_success_publishes_everything(
    bus: Bus, sandbox: NetSuiteSandbox, make_poller: Callable[..., NetSuitePoller]
) -> None:
    sandbox.inject(Fault(kind="throttle", count=3, operations=["suiteql"]))
    poller = make_poller()
    await poller.poll_once()
    assert sandbox.state.faults.injected == 3
    assert len(_readings(await stored(bus))) == len(STOCKED) * 3


async def test_polls_stay_within_the_concurrency_limit_while_another_client_shares_it(
    bus: Bus,
    sandbox: NetSuiteSandbox,
    make_client: Callable[..., NetSuiteClient],
    make_poller: Callable[..., NetSuitePoller],
) -> None:
    sandbox.inject(Fault(kind="latency", latency_ms=5))
    governor = NetSuiteConcurrencyGovernor(sandbox.config.concurrency_limit)
    poller = make_poller(make_client(governor=governor), page_size=2)
    writer = make_client(governor=governor, retry=RetryPolicy(attempts=1))

    async def busy_writer() -> None:
        for _ in range(20):
            await writer.suiteql_page("SELECT id FROM item", limit=1)

    async with anyio.create_task_group() as tasks:
        for _ in range(8):  # more demand than the account has slots
            tasks.start_soon(busy_writer)
        await poller.poll_once()
    assert sandbox.governor.refused == 0
    assert sandbox.governor.peak == sandbox.config.concurrency_limit


async def test_run_survives_a_failing_poll_and_carries_on(
    bus: Bus,
    sandbox: NetSuiteSandbox,
    make_client: Callable[..., NetSuiteClient],
    make_poller: Callable[..., NetSuitePoller],
) -> None:
    sandbox.inject(Fault(kind="error", status=503, count=1, operations=["suiteql"]))
    poller = make_poller(make_client(retry=RetryPolicy(attempts=1)))
    async with anyio.create_task_group() as tasks:
        await tasks.start(poller.run)

        async def recovered() -> bool:
            return poller.stats.errors == 1 and poller.stats.polls >= 2

        await eventually(recovered)
        tasks.cancel_scope.cancel()
    assert "503" in (poller.stats.last_error or "")
    assert poller.stats.consecutive_failures == 0
    lag = poller.stats.lag_s(time.time())
    assert lag is not None and lag < 5


async def test_a_row_that_cannot_be_read_is_dead_lettered_and_the_rest_published(
    bus: Bus, make_client: Callable[..., NetSuiteClient], make_poller: Callable[..., NetSuitePoller]
) -> None:
    client = make_client()
    original = client.suiteql_page

    async def one_bad_row(query: str, *, limit: int = 1000, offset: int = 0) -> SuiteQLPage:
        page = await original(query, limit=limit, offset=offset)
        if "inventoryitemlocations" in query and page.rows:
            rows = [{**page.rows[0], "on_hand": "a lot"}, *page.rows[1:]]
            return SuiteQLPage(rows, page.has_more, page.offset, page.total_results)
        return page

    client.suiteql_page = one_bad_row  # type: ignore[method-assign]
    poller = make_poller(client, kinds=("stock",))
    await poller.poll_once()
    await poller.poll_once()
    parked = await stored(bus, STREAM_DLQ)
    assert len(parked) == 1 and parked[0].subject == "dlq.evt.netsuite.stock"
    assert parked[0].envelope["on_hand"] == "a lot"
    assert len(_readings(await stored(bus))) == len(STOCKED) * 3 - 1
    assert poller.stats.bad_rows == 1 and poller.stats.errors == 0


def test_options_netsuite_would_refuse_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="page_size"):
        PollerOptions(page_size=5000)
    with pytest.raises(ValueError, match="unknown kinds"):
        PollerOptions(kinds=("stock", "customers"))


async def test_a_resync_republishes_current_stock_even_when_unchanged(
    bus: Bus, demo: dict[str, Any], make_poller: Callable[..., NetSuitePoller]
) -> None:
    poller = make_poller()
    await poller.poll_once()
    start = len(await stored(bus))
    assert await poller.resync_stock(["CAP-01", "O'Brien's"]) == 3  # a quote in a SKU is just text
    assert await poller.resync_stock(["CAP-01"]) == 3  # again: an operator's resync is never deduplicated
    again = (await stored(bus))[start:]
    assert [m.envelope["key"] for m in again] == ["CAP-01"] * 6
    assert await poller.resync_stock() == len(STOCKED) * 3
