"""The `available` the actor expects Shopify to hold at a target, and the units the writer found
missing there that no sale heard since explains (shopify_expected.py, pool_gate.py). A leaf: the
transitions need these too, and the modules that explain them import the transitions."""

from __future__ import annotations

from actors.sku.state import SkuState


def expected_at(state: SkuState, key: str) -> int | None:
    """The `available` Tandem expects Shopify to hold at a target; None before its first publish."""
    expected = state.expected_targets.get(key)
    return state.published_targets.get(key) if expected is None else expected


def unexplained(state: SkuState, key: str) -> int:
    """Units (<= 0) the writer found sold at a target that no sale the actor heard since explains."""
    shortfall = state.shortfalls.get(key)
    expected = expected_at(state, key)
    if shortfall is None or expected is None:
        return 0
    return min(0, shortfall.drift - min(0, expected - shortfall.published))
