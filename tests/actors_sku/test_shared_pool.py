"""Splitting a location shared by several channels (actors/sku/shared_pool.py, pool_gate.py;
`inventory.shared_locations = "split"`, "whole" by default).

Two shops sell from one warehouse "W" (us-online, eu-online); eu-online also sells a 3PL "T" and a
marketplace sells everything. With the split on, the Shopify locations of a shared location never
show more, all shops together, than it holds; with it off nothing changes (the other tests). What
Shopify really shows while writes are on their way: test_pool_gate_properties.py.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sku_fixtures import TWO_SHOPS_HEAD, Driver, inventory_sets, make_contract, timers

from actors.behaviour import CancelTimer, Effect
from actors.sku import SkuBehaviour
from actors.sku.availability import compute_availability, location_nets, target_key
from actors.sku.shared_pool import claimants_of, shares
from actors.sku.transitions import SHORTFALL_RECHECK_S
from actors.sku_messages import HoldPlaced, OrderLine, ShortfallRecheck, StockReading, TargetConfirmed

TWO_SHOPS_TEXT = """
[[locations]]
netsuite_id = "T"
name = "3pl"
kind = "3pl"
shopify = { eu = "gid://shopify/Location/12" }

[[channels]]
name = "us-online"
kind = "storefront"
shop = "us"
locations = ["W"]
publish_to = ["gid://shopify/Location/1"]

[[channels]]
name = "eu-online"
kind = "storefront"
shop = "eu"
locations = ["W", "T"]
counts_in_transit = true
publish_to = ["gid://shopify/Location/11", "gid://shopify/Location/12"]

[[channels]]
name = "outlet"
kind = "marketplace"
locations = ["W", "T"]
"""
SPLIT = """
[inventory]
shared_locations = "split"
"""
TWO_SHOPS = make_contract(TWO_SHOPS_HEAD + TWO_SHOPS_TEXT)
TWO_SHOPS_SPLIT = make_contract(TWO_SHOPS_HEAD + TWO_SHOPS_TEXT + SPLIT)
W_TARGETS = (target_key("us", "gid://shopify/Location/1"), target_key("eu", "gid://shopify/Location/11"))
T_TARGET = target_key("eu", "gid://shopify/Location/12")


@given(st.integers(min_value=-50, max_value=500), st.integers(min_value=1, max_value=6))
def test_shares_add_up_to_the_free_units_and_differ_by_at_most_one(free: int, claimants: int) -> None:
    split = shares(free, claimants)
    assert len(split) == claimants
    if free < 0:
        assert split == [free] * claimants  # a deficit is everyone's: nobody may count on it
    else:
        assert sum(split) == free and max(split) - min(split) <= 1 and split == sorted(split, reverse=True)


def test_claimants_are_the_channels_selling_from_a_location_in_contract_order() -> None:
    assert claimants_of(TWO_SHOPS, "W") == ["us-online", "eu-online", "outlet"]
    assert claimants_of(TWO_SHOPS, "T") == ["eu-online", "outlet"]


readings = st.fixed_dictionaries(
    {
        "W": st.tuples(st.integers(-3, 40), st.integers(0, 10), st.integers(0, 6)),
        "T": st.tuples(st.integers(-3, 40), st.integers(0, 10), st.integers(0, 6)),
    }
)
demand = st.lists(st.tuples(st.sampled_from(["W", "T"]), st.integers(1, 4), st.booleans()), max_size=6)


def _driven(stock: dict[str, tuple[int, int, int]], lines: list[tuple[str, int, bool]]) -> Driver:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    for location, (on_hand, committed, in_transit) in stock.items():
        reading = StockReading(
            location=location, on_hand=on_hand, committed=committed, in_transit=in_transit, read_at=100.0
        )
        d.send(reading, at=100.0)
    for n, (location, quantity, is_hold) in enumerate(lines):
        if is_hold:
            d.send(
                HoldPlaced(hold_id=f"h{n}", location=location, quantity=quantity, expires_at=999.0), at=110.0
            )
        else:
            order = OrderLine(
                order_id=f"o{n}", line_id="l1", location=location, quantity=quantity, version_at=110.0
            )
            d.send(order, at=110.0)
    return d


@given(readings, demand)
def test_the_shops_never_show_more_of_a_shared_location_than_it_holds(
    stock: dict[str, tuple[int, int, int]], lines: list[tuple[str, int, bool]]
) -> None:
    d = _driven(stock, lines)
    nets = location_nets(d.state, 110.0)
    published = d.state.published_targets
    # us-online counts no in-transit, eu-online does: W's transit adds at most itself, once
    assert sum(published[key] for key in W_TARGETS) <= max(0, nets["W"].net) + nets["W"].in_transit
    # eu-online counts in-transit: what it publishes from T is at most its share of T's net and transit
    assert published[T_TARGET] <= max(0, nets["T"].net + nets["T"].in_transit)
    # the gate only ever holds a raise back
    computed = compute_availability(TWO_SHOPS_SPLIT, d.state, 110.0, split_shared=True).targets
    for target in computed:
        assert published[target_key(target.shop, target.location_id)] <= target.value


def _opening(d: Driver, *, warehouse: int) -> list[Effect]:
    """NetSuite's first readings: `warehouse` units at W, none at T; the effects of both turns."""
    effects: list[Effect] = []
    for location, on_hand in (("W", warehouse), ("T", 0)):
        reading = StockReading(location=location, on_hand=on_hand, committed=0, read_at=100.0)
        effects += d.send(reading, at=100.0)
    return effects


def _confirm_all(d: Driver, effects: list[Effect]) -> list[Effect]:
    """What the writer does once Shopify took each write that asked for it: the actor's answer."""
    later: list[Effect] = []
    for command in inventory_sets(effects):
        if command.confirm:
            confirmed = TargetConfirmed(
                shop=command.shop,
                location_id=command.location_id,
                quantity=command.quantity,
                cause_id=command.cause_id,
            )
            later += d.send(confirmed, at=command.changed_at + 0.1)
    return later


def test_without_the_split_every_shop_shows_the_whole_shared_location() -> None:
    stock = {"W": (10, 0, 0), "T": (0, 0, 0)}
    split = _driven(stock, [])
    whole = Driver(SkuBehaviour(TWO_SHOPS), "SKU-1")
    for location, (on_hand, committed, _) in stock.items():
        whole.send(
            StockReading(location=location, on_hand=on_hand, committed=committed, read_at=100.0), at=100.0
        )
    assert [whole.state.published_targets[key] for key in W_TARGETS] == [10, 10]
    # three claimants of W: 4, 3 (and the marketplace's 3, which no Shopify location shows)
    assert [split.state.published_targets[key] for key in W_TARGETS] == [4, 3]
    assert split.state.published_channels == {"us-online": 4, "eu-online": 3, "outlet": 3}


def test_a_sale_in_one_shop_rebalances_both_shares_once_the_lower_has_landed() -> None:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    first = _opening(d, warehouse=9)
    # first writes to the shared W: Shopify may hold anything there until the writer confirms them;
    # T is eu's alone, nothing to confirm
    confirms = {target_key(s.shop, s.location_id): s.confirm for s in inventory_sets(first)}
    assert confirms == {W_TARGETS[0]: True, W_TARGETS[1]: True, T_TARGET: False}
    assert [d.state.published_targets[key] for key in W_TARGETS] == [3, 3]
    assert not inventory_sets(_confirm_all(d, first))
    effects = d.send(
        OrderLine(order_id="o1", line_id="l1", location="W", quantity=3, version_at=120.0, shop="us"),
        at=120.0,
    )
    # Shares of the 6 left are 2 and 2. eu's 3 still stands until its lower lands: us may rise
    # only to 1 (us 1 + eu 3 = 4 = the shares' sum). The us sale took 3 in Shopify us: its compare
    # follows it; eu's compare is its last value.
    writes = {(s.shop, s.quantity, s.compare_quantity, s.confirm) for s in inventory_sets(effects)}
    assert writes == {("us", 1, 0, True), ("eu", 2, 3, True)}
    # eu's lower confirmed: the rest of us's share follows
    later = _confirm_all(d, effects)
    assert {(s.shop, s.quantity, s.compare_quantity) for s in inventory_sets(later)} == {("us", 2, 1)}
    assert [d.state.published_targets[key] for key in W_TARGETS] == [2, 2]
    assert not _confirm_all(d, later) and d.state.unconfirmed == {}


def test_a_confirmation_of_an_earlier_write_does_not_release_a_later_lower() -> None:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    first = _opening(d, warehouse=8)
    stale = [s for s in inventory_sets(first) if s.shop == "eu"]
    d.send(StockReading(location="W", on_hand=4, committed=0, read_at=110.0), at=110.0)
    held = d.state.unconfirmed[W_TARGETS[1]]
    d.send(
        TargetConfirmed(
            shop="eu",
            location_id=stale[-1].location_id,
            quantity=stale[-1].quantity,
            cause_id=stale[-1].cause_id,
        ),
        at=111.0,
    )
    assert d.state.unconfirmed[W_TARGETS[1]] == held


def _missing_at_us(d: Driver, *, units: int) -> list[Effect]:
    """W's 8 split three ways (us, eu, the outlet); then W drops to 6 and the writer lowers us to 2
    finding `units` missing there (a reservation, or a sale whose webhook is in flight). The
    actor's answer."""
    _confirm_all(d, _opening(d, warehouse=8))
    effects = d.send(StockReading(location="W", on_hand=6, committed=0, read_at=110.0), at=110.0)
    [lower] = [s for s in inventory_sets(effects) if s.shop == "us"]
    assert (lower.quantity, lower.confirm) == (2, True)
    confirmed = TargetConfirmed(
        shop="us", location_id=lower.location_id, quantity=2, cause_id=lower.cause_id, drift=-units
    )
    return d.send(confirmed, at=110.1)


def test_units_missing_that_no_sale_explains_are_looked_at_again() -> None:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    [timer] = timers(_missing_at_us(d, units=1))
    assert timer.payload == ShortfallRecheck(target=W_TARGETS[0])
    assert timer.at == 110.1 + SHORTFALL_RECHECK_S
    # still unexplained when it fires: us is written again (verify), its compare is the check
    [verify] = inventory_sets(d.send(timer.payload, at=timer.at))
    assert (verify.shop, verify.verify) == ("us", True)
    assert verify.quantity == d.state.published_targets[W_TARGETS[0]]  # unchanged: a check, not a change


def test_the_same_units_missing_are_looked_at_again_less_and_less_often() -> None:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    [timer] = timers(_missing_at_us(d, units=1))
    delays = []
    for _ in range(8):  # each verify finds the unit still missing
        [verify] = inventory_sets(d.send(timer.payload, at=timer.at))
        confirmed = TargetConfirmed(
            shop="us", location_id=verify.location_id, quantity=verify.quantity, cause_id=verify.cause_id,
            drift=-1,
        )
        [next_timer] = timers(d.send(confirmed, at=timer.at))
        delays.append(round(next_timer.at - timer.at, 1))
        timer = next_timer
    # after as long as the run has lasted (from 110.1), at least 2 s and at most a minute
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert d.state.shortfalls[W_TARGETS[0]].since == 110.1


def test_a_shortfall_a_sale_explained_is_not_looked_at_again() -> None:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    [timer] = timers(_missing_at_us(d, units=1))
    sale = OrderLine(order_id="o1", line_id="l1", location="W", quantity=1, version_at=111.0, shop="us")
    d.send(sale, at=111.0)  # the webhook that was in flight
    assert [s for s in inventory_sets(d.send(timer.payload, at=timer.at)) if s.verify] == []


def test_a_confirmation_without_drift_cancels_the_recheck() -> None:
    d = Driver(SkuBehaviour(TWO_SHOPS_SPLIT), "SKU-1")
    [timer] = timers(_missing_at_us(d, units=1))
    effects = d.send(StockReading(location="W", on_hand=0, committed=0, read_at=112.0), at=112.0)
    [lower] = [s for s in inventory_sets(effects) if s.shop == "us"]
    confirmed = TargetConfirmed(shop="us", location_id=lower.location_id, quantity=lower.quantity,
                                cause_id=lower.cause_id)
    assert CancelTimer(timer_id=timer.timer_id) in d.send(confirmed, at=112.1)
    assert d.state.shortfalls == {}
