"""Kits split with their components at a Shopify location (actors/kit_split.py, contract kits = "split")."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sku_fixtures import CONTRACT_TEXT, Driver, inventory_sets, make_contract, sends, timers

from actors.bundle import BundleBehaviour
from actors.kit_split import kit_share, kit_value, kits_from, set_aside
from actors.sku import SkuBehaviour
from actors.sku_messages import (
    ChannelValue,
    ComponentAvailability,
    InventorySet,
    KitReserve,
    OrderLine,
    ShortfallRecheck,
    StockReading,
    TargetConfirmed,
    TargetValue,
)

SPLIT = make_contract(CONTRACT_TEXT + 'kits = "split"\n')  # KIT = 2 x A + 1 x B
KIT = SPLIT.bundle("KIT")
assert KIT is not None
S1 = "gid://shopify/Location/2"  # pos-s1's Shopify location (NetSuite S1, no buffer)
S1_KEY = f"us|{S1}"


@given(st.integers(-3, 20), st.dictionaries(st.sampled_from("KLM"), st.integers(-2, 12)))
def test_a_component_never_sets_aside_more_than_it_has(value: int, wanted: dict[str, int]) -> None:
    left, got = set_aside(value, wanted.items())
    assert got.keys() == wanted.keys()
    assert left >= 0 and left + sum(got.values()) == max(0, value)
    assert all(0 <= got[name] <= max(0, units) for name, units in wanted.items())


UNITS = st.dictionaries(st.sampled_from("AB"), st.integers(0, 20))


@given(UNITS, UNITS)
def test_the_kit_and_its_components_together_never_show_more_than_there_is(
    units: dict[str, int], reported: dict[str, int]
) -> None:
    share = kit_share(kits_from(KIT, units))
    wanted = {sku: per_kit * share for sku, per_kit in KIT.components.items()}
    reserved = {sku: min(reported.get(sku, 0), wanted[sku], units.get(sku, 0)) for sku in KIT.components}
    kits = kit_value(KIT, share, reserved)
    for sku, per_kit in KIT.components.items():
        left, _ = set_aside(units.get(sku, 0), [("KIT", reserved[sku])])
        assert left + per_kit * kits <= units.get(sku, 0)
    assert kits <= share <= kits_from(KIT, units)


def test_a_component_sets_the_kits_share_aside_and_says_how_much_it_got() -> None:
    a = Driver(SkuBehaviour(SPLIT), "A")
    a.send(StockReading(location="S1", on_hand=9, committed=0, read_at=100.0), at=100.0)
    assert a.state.published_targets[S1_KEY] == 9
    effects = a.send(KitReserve(bundle="KIT", seq=1, targets={S1_KEY: 4}), at=101.0)
    [write] = [c for c in inventory_sets(effects) if c.location_id == S1]
    assert (write.quantity, write.compare_quantity, write.confirm) == (5, 9, True)
    [report] = [s.payload for s in sends(effects)]
    assert {t.location_id: t.value for t in report.targets}[S1] == 9  # before the reserve: the kit's capacity
    assert {t.location_id: t.value for t in report.reserved}[S1] == 0  # the lower has not landed yet
    # an older reserve delivered late changes nothing
    assert a.send(KitReserve(bundle="KIT", seq=0, targets={S1_KEY: 0}), at=102.0) == []
    # landed, and the writer found one unit of A sold that the actor has not heard of: it is gone
    confirmed = TargetConfirmed(shop="us", location_id=S1, quantity=5, cause_id=write.cause_id, drift=-1)
    [report] = [s.payload for s in sends(a.send(confirmed, at=103.0))]
    assert {t.location_id: t.value for t in report.reserved}[S1] == 3


def report(component: str, seq: int, value: int, reserved: int | None = None, applied: int = 0
           ) -> ComponentAvailability:
    target = TargetValue("pos-s1", "us", S1, value)
    kept = () if reserved is None else (TargetValue("pos-s1", "us", S1, reserved),)
    return ComponentAvailability(component=component, seq=seq, channels=(ChannelValue("pos-s1", value),),
                                 targets=(target,), changed_at=1.0, reserved=kept, reserve_seq=applied)


def kit_at_s1(d: Driver) -> int:
    return d.state.published_targets[S1_KEY]


def last_write_at_s1(effects: list[Any]) -> InventorySet:
    return [c for c in inventory_sets(effects) if c.location_id == S1][-1]


def confirm_kit(d: Driver, write: InventorySet, at: float, drift: int = 0) -> list[Any]:
    confirmed = TargetConfirmed(shop="us", location_id=S1, quantity=write.quantity, cause_id=write.cause_id,
                                drift=drift)
    return d.send(confirmed, at=at)


def asked_at_s1(effects: list[Any]) -> dict[str, int]:
    return {s.key: s.payload.targets[S1_KEY] for s in sends(effects) if isinstance(s.payload, KitReserve)}


def test_a_kits_share_rises_only_once_set_aside_and_is_released_only_once_its_lower_landed() -> None:
    d = Driver(BundleBehaviour(SPLIT), "KIT")
    effects = d.send(report("A", 1, 9), at=1.0)
    first = last_write_at_s1(effects)
    assert (first.quantity, first.confirm, first.kind) == (0, True, "bundle")
    assert asked_at_s1(effects)["B"] > 5  # what the kit's item holds before its first write: unknown
    d.send(report("B", 1, 5), at=2.0)  # capacity min(9 // 2, 5) = 4: the kit's share is 2
    assert kit_at_s1(d) == 0  # nothing set aside yet
    asked = asked_at_s1(confirm_kit(d, first, at=2.5))
    assert asked == {"A": 4, "B": 2}
    seq = d.state.reserve_seq
    d.send(report("A", 2, 9, reserved=4, applied=seq), at=3.0)
    assert kit_at_s1(d) == 0  # B has not set its part aside
    raise_ = last_write_at_s1(d.send(report("B", 3, 5, reserved=2, applied=seq), at=4.5))
    assert kit_at_s1(d) == 2 and d.state.asks == {}
    confirm_kit(d, raise_, at=4.6)
    effects = d.send(report("B", 4, 1, reserved=1, applied=seq), at=5.0)  # B sold down to 1: share 1
    assert kit_at_s1(d) == 1 and asked_at_s1(effects) == {}  # lowered; nothing released before it lands
    lower = last_write_at_s1(effects)
    # landed, and the writer found one kit sold that nobody has heard of: its units stay set aside
    assert asked_at_s1(confirm_kit(d, lower, at=5.5, drift=-1)) in ({}, {"A": 4, "B": 2})
    sale = OrderLine(order_id="o1", line_id="l1", location="S1", quantity=1, version_at=5.0, shop="us")
    assert asked_at_s1(d.send(sale, at=6.0)) == {"A": 2, "B": 1}  # heard: the kit's share alone


def test_kits_found_missing_that_no_sale_explains_are_looked_at_again() -> None:
    d = Driver(BundleBehaviour(SPLIT), "KIT")
    first = last_write_at_s1(d.send(report("A", 1, 9), at=1.0))
    d.send(report("B", 1, 5), at=2.0)
    confirm_kit(d, first, at=2.5)
    seq = d.state.reserve_seq
    d.send(report("A", 2, 9, reserved=4, applied=seq), at=3.0)
    raise_ = last_write_at_s1(d.send(report("B", 3, 5, reserved=2, applied=seq), at=4.5))
    # the kit's item holds one kit fewer than the bundle expects (a reservation in Shopify, say)
    [timer] = timers(confirm_kit(d, raise_, at=4.6, drift=-1))
    assert timer.payload == ShortfallRecheck(target=S1_KEY)
    [verify] = inventory_sets(d.send(timer.payload, at=timer.at))
    assert (verify.location_id, verify.verify, verify.kind) == (S1, True, "bundle")
    # confirmed without drift this time (the units were back): the shortfall is gone, no recheck
    effects = confirm_kit(d, verify, at=timer.at + 0.1)
    assert d.state.shortfalls == {} and timers(effects) == []


def test_at_a_shared_location_the_pool_gate_counts_what_the_kits_item_may_still_hold() -> None:
    from actors.sku.kit_reserves import kits_held
    from actors.sku.shopify_expected import UNKNOWN
    from actors.sku.state import Reserve, SkuState

    us, eu = "us|gid://shopify/Location/1", "us|gid://shopify/Location/9"
    pooled = frozenset({us, eu})
    state = SkuState(sku="A")  # KIT = 2 x A + 1 x B
    assert kits_held(SPLIT, state, pooled) == {us: 2 * UNKNOWN, eu: 2 * UNKNOWN}  # nothing heard yet
    # the kit was told it may count on 2 A (one kit) at us; its item may still hold 3 kits there (a
    # lower not confirmed yet): the more of the two counts
    reserve = Reserve(seq=4, targets={us: 2}, reported={us: 2}, holds={us: 3, eu: 0})
    state = SkuState(sku="A", kit_reserves={"KIT": reserve})
    assert kits_held(SPLIT, state, pooled) == {us: 6, eu: 0}
