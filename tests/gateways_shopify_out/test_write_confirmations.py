"""The writer confirms pooled writes to their SKU actor (actors/sku/pool_gate.py), with its drift."""

from __future__ import annotations

import anyio
import msgspec
import nats.errors
from nats.js.api import ConsumerConfig

from actors.sku_messages import BUNDLE_KIND, SKU_KIND, InventorySet, TargetConfirmed
from bus import subjects
from bus.bus import Bus
from bus.envelope import EnvelopeCodec
from sandbox.shopify import OrderLineSpec, OrderSpec

from .conftest import SHOP, World, eventually, inventory_set, publish, run_writer


def _asking(command: InventorySet) -> InventorySet:
    return msgspec.structs.replace(command, confirm=True)


async def _confirmations(bus: Bus, sku: str, expect: int, kind: str = SKU_KIND) -> list[TargetConfirmed]:
    """The TargetConfirmed messages on the SKU's actor subject (of `kind`), waiting up to 5 s for
    `expect` of them (the writer publishes a confirmation right after it counts the row written)."""
    codec: EnvelopeCodec[TargetConfirmed] = EnvelopeCodec(TargetConfirmed)
    found: list[TargetConfirmed] = []
    sub = await bus.js.pull_subscribe(
        subjects.actor(kind, sku), stream=subjects.STREAM_ACTORS, config=ConsumerConfig()
    )
    try:
        with anyio.move_on_after(5):
            while len(found) < max(expect, 1):
                try:
                    found += [codec.decode(m.data).payload for m in await sub.fetch(10, timeout=0.5)]
                except nats.errors.TimeoutError:
                    if expect == 0:
                        break  # nothing within the fetch's wait: none was published
    finally:
        await sub.unsubscribe()
    return found


async def test_a_pooled_write_is_confirmed_once_with_the_units_sold_unheard(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    # Shopify sells 4 of SKU-003's 20 the actor has not heard of; it lowers 20 → 2 (compare 20)
    world.sandbox.place_order(SHOP, OrderSpec(lines=[OrderLineSpec("SKU-003", 4)]))
    await publish(
        bus,
        [
            _asking(inventory_set("SKU-003", warehouse, 2, 20, cause="lower")),
            inventory_set("SKU-004", warehouse, 5, 20, cause="not-pooled"),
        ],
    )
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.rows_written == 2, what="both rows written")
    assert world.available("SKU-003") == 0  # 2 − the 4 sold unheard, floored
    (confirmed,) = await _confirmations(bus, "SKU-003", 1)
    # in the actor's terms Shopify is 4 below the 2 it asked for (−2): Shopify cannot show it
    assert confirmed == TargetConfirmed(
        shop=SHOP, location_id=warehouse, quantity=2, cause_id="lower", drift=-4
    )
    assert await _confirmations(bus, "SKU-004", 0) == []  # it did not ask


async def test_a_row_that_can_never_be_written_is_confirmed_and_dead_lettered(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    await publish(bus, [_asking(inventory_set("NO-SUCH-SKU", warehouse, 3, 5, cause="ghost"))])
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.dead_lettered == 1, what="dead-lettered")
    (confirmed,) = await _confirmations(bus, "NO-SUCH-SKU", 1)
    assert (confirmed.quantity, confirmed.cause_id, confirmed.drift) == (3, "ghost", 0)


async def test_a_kits_write_is_confirmed_to_its_bundle_actor(world: World, bus: Bus) -> None:
    warehouse = world.locations["Warehouse"]
    kit_write = msgspec.structs.replace(
        _asking(inventory_set("SKU-005", warehouse, 3, 20, cause="kit")), kind=BUNDLE_KIND
    )
    await publish(bus, [kit_write])
    async with run_writer(world, bus) as writer:
        await eventually(lambda: writer.stats.rows_written == 1, what="the row written")
    (confirmed,) = await _confirmations(bus, "SKU-005", 1, kind=BUNDLE_KIND)
    assert (confirmed.quantity, confirmed.cause_id) == (3, "kit")
    assert await _confirmations(bus, "SKU-005", 0) == []  # not to a SKU actor of that name
