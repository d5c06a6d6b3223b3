"""The inventory writer against the real Shopify emulator over HTTP and a real nats-server."""

from __future__ import annotations

import anyio
from structlog.testing import capture_logs

from bus.bus import Bus
from gateways.shopify.inventory_writer import WriterConfig
from sandbox.shopify import HoldSpec, OrderLineSpec, OrderSpec, StockSpec

from .conftest import SHOP, SKUS, World, eventually, inventory_set, publish, run_writer


async def test_a_burst_becomes_few_calls_of_changed_values_inside_the_throttle(
    world: World, bus: Bus
) -> None:
    world.sandbox.configure_throttle(SHOP, bucket_size=300, restore_rate=100)
    warehouse = world.locations["Warehouse"]
    changed, unchanged = SKUS[:250], SKUS[250:]
    commands = []
    for sku in changed:  # 20 → 15 → 12 → 9: three changes, one row
        commands += [inventory_set(sku, warehouse, 15, 20), inventory_set(sku, warehouse, 12, 15)]
        commands.append(inventory_set(sku, warehouse, 9, 12))
    for sku in unchanged:  # 20 → 18 → 20: back where Shopify is, nothing to write
        commands += [inventory_set(sku, warehouse, 18, 20), inventory_set(sku, warehouse, 20, 18)]
    await publish(bus, commands)

    async with run_writer(world, bus, WriterConfig(coalesce_window=0.05)) as writer:
        await eventually(lambda: writer.stats.rows_written == 250, what="250 rows written")
        await eventually(lambda: writer.stats.skipped_unchanged == 50, what="50 rows skipped")

    assert writer.stats.calls == 1  # 250 rows in one call; the 50 unchanged rows needed none
    assert writer.stats.throttled == 0
    assert writer.stats.coalesced_away == len(changed) * 2
    writes = world.writes()
    assert sorted(w.sku for w in writes) == sorted(changed)  # one write each, none for unchanged SKUs
    assert {(w.before, w.after, w.change_from_quantity) for w in writes} == {(20, 9, 20)}
    assert {w.reference_document_uri for w in writes} == {
        f"gid://tandem/InventoryBatch/{writes[0].idempotency_key}"
    }
    assert all(world.available(sku) == 20 for sku in unchanged)
    metrics = writer.metrics()
    assert metrics["latency_p99_ms"] is not None and metrics["last_success"] is not None
    assert metrics["rows_written"] == 250 and metrics["throttled"] == 0
    assert metrics["pending_rows"] == 0 and metrics["oldest_pending_s"] is None


async def test_more_rows_than_one_call_holds_go_in_calls_of_at_most_250(world: World, bus: Bus) -> None:
    world.sandbox.configure_throttle(SHOP, bucket_size=300, restore_rate=100)
    warehouse = world.locations["Warehouse"]
    await publish(bus, [inventory_set(sku, warehouse, 7, 20) for sku in SKUS])
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.rows_written == len(SKUS), what="every row written")
    assert writer.stats.calls == 2
    assert writer.stats.throttled == 0
    assert writer.client.throttle.waited_seconds > 0  # the small bucket made it wait rather than fail
    keys = {w.idempotency_key for w in world.writes()}
    assert len(keys) == 2


async def test_a_hand_edit_is_drift_corrected_and_logged_with_both_values(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    async with run_writer(world, bus) as writer:
        await publish(bus, [inventory_set("SKU-000", warehouse, 15, 20)])
        await eventually(lambda: world.available("SKU-000") == 15, what="first write")

        world.sandbox.set_stock(SHOP, StockSpec("SKU-000", "Warehouse", 12, merchant_edit=True))
        with capture_logs() as logs:
            await publish(bus, [inventory_set("SKU-000", warehouse, 10, 15)])
            await eventually(lambda: writer.stats.rows_written == 2, what="corrected write")

    # 3 units vanished that Tandem cannot explain: the store must not sell them again
    assert world.available("SKU-000") == 7
    assert writer.stats.drift == 1
    (drift,) = [entry for entry in logs if entry["event"] == "inventory.drift"]
    expected = {
        "sku": "SKU-000",
        "shop": SHOP,
        "location": warehouse,
        "expected": 15,
        "actual": 12,
        "written": 7,
    }
    assert {key: drift[key] for key in expected} == expected


async def test_a_hand_increase_is_overwritten_with_the_computed_quantity(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    world.sandbox.set_stock(SHOP, StockSpec("SKU-001", "Warehouse", 50, merchant_edit=True))
    await publish(bus, [inventory_set("SKU-001", warehouse, 18, 20)])
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.rows_written == 1, what="corrected write")
    assert world.available("SKU-001") == 18
    assert writer.stats.drift == 1


async def test_an_order_placed_before_the_write_is_never_oversold(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    await publish(bus, [inventory_set("SKU-002", warehouse, 15, 20)])
    # the shopper buys 4 between the actor's publish and the writer's call; its webhook is still in flight
    world.sandbox.place_order(SHOP, OrderSpec(lines=[OrderLineSpec("SKU-002", 4)]))
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.rows_written == 1, what="write")

    written = [w.after for w in world.writes("SKU-002")]
    assert written == [11] and max(written) <= 15
    assert world.available("SKU-002") == 11


async def test_a_first_write_never_puts_back_units_shopify_sold_unheard(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    # Tandem's first value (no compare) was computed before it heard of this sale of 3
    world.sandbox.place_order(SHOP, OrderSpec(lines=[OrderLineSpec("SKU-005", 3)]))
    await publish(
        bus, [inventory_set("SKU-005", warehouse, 20, None), inventory_set("SKU-006", warehouse, 12, None)]
    )
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.messages == 2, what="both taken in")
        await eventually(lambda: world.available("SKU-006") == 12, what="the lower value written")
        await eventually(lambda: writer.stats.skipped_unchanged == 1, what="the higher value skipped")
    assert world.available("SKU-005") == 17  # not 20: the sale stays taken until its order is heard of
    assert [(w.before, w.after, w.change_from_quantity) for w in world.writes("SKU-006")] == [(20, 12, 20)]


async def test_a_drift_the_actor_never_hears_of_is_carried_not_corrected_at_every_write(
    world: World, bus: Bus
) -> None:
    warehouse = world.locations["Warehouse"]
    # a checkout hold reserves 2 in Shopify; the actor takes the hold off its value but not its compare
    hold = world.sandbox.create_hold(SHOP, HoldSpec("SKU-007", "Warehouse", 2))
    async with run_writer(world, bus) as writer:
        await publish(bus, [inventory_set("SKU-007", warehouse, 17, 20)])
        await eventually(lambda: writer.stats.rows_written == 1, what="the corrected write")
        assert world.available("SKU-007") == 15 and writer.stats.stale_batches == 1
        await publish(bus, [inventory_set("SKU-007", warehouse, 16, 17)])
        await eventually(lambda: writer.stats.rows_written == 2, what="the next write")
        assert world.available("SKU-007") == 14  # still 2 below, without another stale call
        assert writer.stats.stale_batches == 1 and writer.stats.drift == 1
        # the hold turns into an order (Shopify: reserved → committed); the actor hears of the order:
        # its compare moves down by 2, which explains the drift, and the hold is off its value
        spec = OrderSpec(lines=[OrderLineSpec("SKU-007", 2)], hold_ids=[str(hold["id"])])
        world.sandbox.place_order(SHOP, spec)
        await publish(bus, [inventory_set("SKU-007", warehouse, 16, 14)])
        await eventually(lambda: writer.stats.rows_written == 3, what="the write after the order")
    assert world.available("SKU-007") == 16 and writer.stats.stale_batches == 1


async def test_unknown_skus_are_dead_lettered_and_the_rest_is_written(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    await publish(
        bus, [inventory_set("NOPE-1", warehouse, 3, None), inventory_set("SKU-003", warehouse, 4, 20)]
    )
    async with run_writer(world, bus) as writer:
        await eventually(
            lambda: writer.stats.rows_written == 1 and writer.stats.dead_lettered == 1, what="split"
        )
    assert world.available("SKU-003") == 4
    info = await bus.js.stream_info("TANDEM_DLQ")
    assert info.state.messages == 1


async def test_a_lower_leaves_at_once_while_a_raise_waits_for_its_window(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    slow = WriterConfig(coalesce_window=60.0, lower_window=0.005)  # a raise would wait a minute
    async with run_writer(world, bus, slow) as writer:
        await publish(bus, [inventory_set("SKU-006", warehouse, 25, 20)])  # a raise: waits
        await anyio.sleep(0.3)
        await publish(bus, [inventory_set("SKU-007", warehouse, 3, 20)])  # a lower: goes now
        await eventually(lambda: writer.stats.rows_written >= 1, timeout=10.0, what="the lower written")
        # the lower took the waiting raise with it: one call, both rows
        assert writer.stats.calls == 1 and writer.stats.rows_written == 2
    assert world.available("SKU-007") == 3 and world.available("SKU-006") == 25
