"""Model-based: a kit and its components sold by two shops from one shared warehouse while the
sales' webhooks arrive late and in any order, the actors' messages are in flight, and each shop's
writes land whenever that shop's writer gets to them (in order within a shop, in any order across
shops). Both shops' items together never show more of a component, on its own and inside kits, than
the warehouse has; once every message is delivered and every write has landed, each shop's share is
split exactly between its kit and component items (actors/kit_split.py with actors/sku/pool_gate.py;
the model: kit_model.py).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from kit_model import KitModel
from sku_fixtures import TWO_SHOPS_HEAD, make_contract
from test_pool_gate_properties import GID, SHOPS_TEXT

CONTRACT = make_contract(
    TWO_SHOPS_HEAD
    + SHOPS_TEXT  # us and eu sell warehouse W, split between them
    + """kits = "split"

[[bundles]]
sku = "KIT"
components = { "A" = 2, "B" = 1 }

[catalog]
allowed_skus = ["A", "B", "KIT"]
"""
)
KIT = CONTRACT.bundle("KIT")
assert KIT is not None
SHOPS = tuple(GID)

OPS = st.one_of(
    st.tuples(st.just("route"), st.integers(0, 10)),
    st.tuples(st.just("deliver"), st.integers(0, 30)),
    st.tuples(st.just("deliver"), st.integers(0, 30)),
    st.tuples(st.just("deliver"), st.integers(0, 30)),
    st.tuples(st.just("land"), st.sampled_from(SHOPS)),
    st.tuples(st.just("land"), st.sampled_from(SHOPS)),
    st.tuples(st.just("sell"), st.sampled_from(SHOPS), st.sampled_from(["A", "B", "KIT"]), st.integers(1, 2)),
    st.tuples(st.just("receive"), st.sampled_from(["A", "B"]), st.integers(1, 5)),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 14), st.integers(0, 9), st.lists(OPS, max_size=90))
def test_two_shops_kits_and_components_never_show_more_than_the_warehouse_has_and_end_exact(
    a: int, b: int, ops: list[tuple[Any, ...]]
) -> None:
    model = KitModel(CONTRACT, KIT, "W", GID, {"A": a, "B": b}, writes_land_at_once=False)
    model.check()
    for op in ops:
        model.play(op)
    model.settle()
    model.check()
    for sku in KIT.components:  # quiet: everything the warehouse has is on sale, split exactly
        assert model.published(sku) == model.units[sku], (sku, model.published(sku), model.units)
