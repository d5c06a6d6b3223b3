"""What the poller publishes, applied by the SKU actor's own transitions: demand is absorbed exactly once.

The hard case of DESIGN §5: the Shopify line counts at one location, NetSuite's sales order ships
from another, so the line's location sees no stock change; the poller's reading after the sales
order is what tells the actor that NetSuite now counts the order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from actors.sku import demand, transitions
from actors.sku.state import SkuState
from actors.sku_messages import OrderLine, SkuMessage
from bus.bus import Bus
from bus.envelope import EnvelopeCodec
from bus.subjects import STREAM_ACTORS
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.poller import NetSuitePoller
from sandbox.netsuite.sandbox import NetSuiteSandbox
from tests.gateways_netsuite.conftest import sandbox_contract

CODEC: EnvelopeCodec[SkuMessage] = EnvelopeCodec(SkuMessage)


async def _apply_published(bus: Bus, state: SkuState, after_seq: int) -> tuple[SkuState, int]:
    info = await bus.js.stream_info(STREAM_ACTORS)
    for seq in range(after_seq + 1, info.state.last_seq + 1):
        message = await bus.js.get_msg(STREAM_ACTORS, seq)
        if message.subject == f"act.sku.{state.sku}":
            envelope = CODEC.decode(message.data or b"")
            state, _ = transitions.apply(state, envelope.payload, envelope.time)
    return state, info.state.last_seq


async def test_an_order_shipped_from_another_location_stops_counting_after_the_next_poll(
    bus: Bus, sandbox: NetSuiteSandbox, demo: dict[str, Any], make_client: Callable[..., NetSuiteClient]
) -> None:
    east, soho = str(demo["locations"]["East Warehouse"]), str(demo["locations"]["SoHo Store"])
    contract = sandbox_contract(sandbox, list(demo["locations"].values()))
    poller = NetSuitePoller(bus, make_client(), contract)
    await poller.poll_once()
    state, seq = await _apply_published(bus, SkuState(sku="CAP-01"), 0)

    placed = time.time()
    line = OrderLine(order_id="6001", line_id="1", location=east, quantity=2, version_at=placed)
    state, _ = transitions.apply(state, line, placed)
    assert demand.pending_by_location(state) == {east: 2}

    await poller.poll_once()  # nothing in NetSuite yet: still pending
    state, seq = await _apply_published(bus, state, seq)
    assert demand.pending_by_location(state) == {east: 2}

    sandbox.create(
        "salesOrder",
        {
            "entity": {"id": str(demo["customer"])},
            "externalId": "6001",
            "location": {"id": soho},
            "item": {"items": [{"item": {"id": str(demo["items"]["CAP-01"])}, "quantity": 2}]},
        },
    )
    await poller.poll_once()
    state, seq = await _apply_published(bus, state, seq)
    assert demand.pending_by_location(state) == {}
    assert (state.stock[soho].on_hand, state.stock[soho].committed) == (8, 2)  # NetSuite counts it now
