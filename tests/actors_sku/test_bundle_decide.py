"""The bundle actor: min over components of floor(component available / units per bundle)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sku_fixtures import (
    CHANNELS,
    CONTRACT_TEXT,
    Driver,
    channel_events,
    inventory_sets,
    make_contract,
    roundtrip,
    sends,
)

from actors.behaviour import Emit
from actors.bundle import BundleBehaviour, BundleState
from actors.sku import SkuBehaviour
from actors.sku_messages import (
    ChannelValue,
    ComponentAvailability,
    MessageParked,
    Resync,
    StockReading,
    TargetValue,
)

CONTRACT = make_contract()  # KIT = 2 x A + 1 x B
TARGET = {"web": "gid://shopify/Location/1", "pos-s1": "gid://shopify/Location/2", "pos-s2": "gid://shopify/Location/3"}


def report(component: str, seq: int, **values: int) -> ComponentAvailability:
    channels = tuple(ChannelValue(channel.replace("_", "-"), v) for channel, v in values.items())
    targets = tuple(TargetValue(c.channel, "us", TARGET[c.channel], c.value) for c in channels)
    return ComponentAvailability(component=component, seq=seq, channels=channels, targets=targets,
                                 changed_at=1.0)


def kit() -> Driver:
    return Driver(BundleBehaviour(CONTRACT), "KIT")


def test_a_bundle_sells_the_minimum_over_its_components() -> None:
    d = kit()
    d.send(report("A", 1, web=7, pos_s1=1), at=1.0)
    assert d.published() == {"web": 0, "pos-s1": 0}  # B has not reported: counts as 0
    effects = d.send(report("B", 1, web=5, pos_s1=4), at=2.0)
    assert d.published() == {"web": 3, "pos-s1": 0}  # web: min(7 // 2, 5 // 1)
    event = channel_events(effects)["web"]
    assert (event.sku, event.value, event.previous) == ("KIT", 3, 0)
    [command] = inventory_sets(effects)
    assert (command.sku, command.location_id, command.quantity, command.compare_quantity) == (
        "KIT", "gid://shopify/Location/1", 3, 0)


def test_an_older_report_of_a_component_is_ignored() -> None:
    d = kit()
    d.send(report("B", 5, web=9), at=1.0)
    d.send(report("A", 2, web=8), at=2.0)
    assert d.send(report("A", 1, web=0), at=3.0) == []
    assert d.published() == {"web": 4}


def test_resync_republishes_the_bundle() -> None:
    d = kit()
    d.send(report("A", 1, web=4), at=1.0)
    d.send(report("B", 1, web=4), at=2.0)
    effects = d.send(Resync(), at=3.0)
    assert channel_events(effects)["web"].previous == 2 and channel_events(effects)["web"].value == 2


def alerts(effects: list[Any]) -> list[MessageParked]:
    return [e.payload for e in effects if isinstance(e, Emit) and isinstance(e.payload, MessageParked)]


def test_a_report_from_a_sku_that_is_not_a_component_is_parked_and_reported() -> None:
    d = kit()
    [alert] = alerts(d.send(report("C", 1, web=3), at=1.0, message_id="c-1"))
    assert (alert.kind, alert.key, alert.message_id) == ("bundle", "KIT", "c-1")
    assert [p.message_id for p in d.state.parked] == ["c-1"]
    assert d.published() == {}


def test_reports_to_an_unconfigured_bundle_are_applied_on_resync_once_configured() -> None:
    d = Driver(BundleBehaviour(CONTRACT), "DUO")
    assert alerts(d.send(report("A", 1, web=6), at=1.0))
    assert alerts(d.send(report("B", 1, web=6), at=2.0))
    duo = '[[bundles]]\nsku = "DUO"\ncomponents = { "A" = 3, "B" = 2 }\n\n[catalog]'
    configured = CONTRACT_TEXT.replace("[catalog]", duo, 1).replace('"SKU-*"]', '"SKU-*", "DUO"]', 1)
    d.behaviour = BundleBehaviour(make_contract(configured))
    d.send(Resync(), at=3.0)
    assert d.state.parked == []
    assert d.published() == {"web": 2}


COMPONENT_VALUES = st.dictionaries(st.sampled_from(CHANNELS), st.integers(0, 20), min_size=1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(1, 6), COMPONENT_VALUES), max_size=12))
def test_the_bundle_value_is_the_minimum_over_the_newest_report_of_each_component(
    reports: list[tuple[str, int, dict[str, int]]],
) -> None:
    d = kit()
    newest: dict[str, tuple[int, dict[str, int]]] = {}
    for i, (component, seq, values) in enumerate(reports):
        d.send(report(component, seq, **{c.replace("-", "_"): v for c, v in values.items()}), at=float(i))
        if component not in newest or seq > newest[component][0]:
            newest[component] = (seq, values)
        for channel, value in d.published().items():
            a = newest.get("A", (0, {}))[1].get(channel, 0)
            b = newest.get("B", (0, {}))[1].get(channel, 0)
            assert value == min(a // 2, b // 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["W", "S1", "S2"]),
                          st.integers(0, 12)), min_size=1, max_size=15))
def test_component_actors_keep_the_bundle_at_the_minimum_of_what_they_publish(
    readings: list[tuple[str, str, int]],
) -> None:
    components = {sku: Driver(SkuBehaviour(CONTRACT), sku) for sku in ("A", "B")}
    bundle = kit()
    for i, (sku, location, on_hand) in enumerate(readings, start=1):
        reading = StockReading(location=location, on_hand=on_hand, committed=0, read_at=float(i))
        for send in sends(components[sku].send(reading, at=float(i))):
            assert (send.kind, send.key) == ("bundle", "KIT")
            bundle.send(send.payload, at=float(i))
        a, b = components["A"].published(), components["B"].published()
        for channel, value in bundle.published().items():
            assert value == min(a.get(channel, 0) // 2, b.get(channel, 0) // 1)
    assert isinstance(bundle.state, BundleState)


def test_a_bundle_state_survives_a_snapshot() -> None:
    d = kit()
    d.send(report("A", 1, web=4), at=1.0)
    d.send(report("C", 1, web=4), at=2.0)
    assert roundtrip(d.state, BundleState) == d.state
