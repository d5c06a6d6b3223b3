"""Ground truth of a flash-sale run, counted from the emulators and the traffic's own record.

What each SKU can really sell where (SellableTruth), how far the published `available` is from it
(drift_now), every change to it (change_events), and how long each change took to reach the channel
locations it feeds (publish_latencies). Neither side's own reports are trusted.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Literal, NamedTuple

from actors.sku.pool_gate import shared_pools
from actors.sku.shared_pool import shares
from bench.baseline import targets_of
from sandbox.traffic import Action, TrafficRecord
from sandbox.world import World
from sandbox.world_spec import SITES

SITE_BY_NAME = {site.name: site.key for site in SITES}


class SellableTruth:
    """What each SKU can really sell at each NetSuite site, from the traffic's record and Shopify's ledger."""

    def __init__(self, world: World, plan: list[Action], record: TrafficRecord) -> None:
        self.world, self.plan, self.record = world, plan, record
        self.supply: dict[tuple[str, str], int] = dict(world.initial_stock)
        self.consumed: dict[tuple[str, str], int] = defaultdict(int)
        self._outcomes_seen = 0
        self._movements_seen = dict.fromkeys([s.name for s in world.contract.shops], 0)

    def refresh(self) -> None:
        """Fold in the outcomes and the units sold/restocked since the last refresh."""
        for outcome in self.record.outcomes[self._outcomes_seen :]:
            if outcome.ok and outcome.kind == "receipt":
                self.supply[(outcome.sku, "warehouse")] += outcome.quantity
            elif outcome.ok and outcome.kind == "transfer":
                self.supply[(outcome.sku, "warehouse")] -= outcome.quantity
            elif outcome.ok and outcome.kind == "transfer_receive":
                self.supply[(outcome.sku, outcome.site or "")] += self.plan[
                    self.plan[outcome.index].ref
                ].quantity
        self._outcomes_seen = len(self.record.outcomes)
        for shop, seen in self._movements_seen.items():
            movements = self.world.shopify.runtime(shop).state.ledger.movements
            for movement in movements[seen:]:
                sign = 1 if movement.kind == "sold" else -1
                for sku, units in self.components(movement.sku).items():
                    self.consumed[(sku, SITE_BY_NAME[movement.location_name])] += (
                        sign * units * movement.quantity
                    )
            self._movements_seen[shop] = len(movements)

    def components(self, sku: str) -> dict[str, int]:
        """Units of each stocked SKU one unit of `sku` consumes (a kit: its members)."""
        bundle = self.world.bundle
        return bundle.components if sku == bundle.sku else {sku: 1}

    def sellable(self, sku: str, site: str, reserved: dict[tuple[str, str], int]) -> int:
        if sku != self.world.bundle.sku:  # the common case, kept cheap: the sampler runs this a lot
            return max(
                0, self.supply[(sku, site)] - self.consumed[(sku, site)] - reserved.get((sku, site), 0)
            )
        return min(
            max(0, self.supply[(c, site)] - self.consumed[(c, site)] - reserved.get((c, site), 0)) // units
            for c, units in self.components(sku).items()
        )

    def oversold(self) -> int:
        return sum(max(0, self.consumed[key] - units) for key, units in self.supply.items())


def reserved_units(world: World, truth: SellableTruth) -> dict[tuple[str, str], int]:
    """Units held by checkout holds per (component SKU, site), from Shopify's `reserved` quantities."""
    reserved: dict[tuple[str, str], int] = defaultdict(int)
    for shop in world.contract.shops:
        state = world.shopify.runtime(shop.name).state
        for (item_id, location_id), level in state.levels.items():
            if level.quantities["reserved"]:
                site = SITE_BY_NAME[state.locations[location_id].name]
                for sku, units in truth.components(state.items[item_id].sku).items():
                    reserved[(sku, site)] += units * level.quantities["reserved"]
    return reserved


def pooled_targets(world: World) -> dict[str, list[tuple[str, str]]]:
    """Site key -> the (shop, Shopify location GID) that split it, when the contract splits shared
    locations (actors/sku/pool_gate.py); a side that does not split has none."""
    pools = shared_pools(world.contract) if world.contract.inventory.shared_locations == "split" else {}
    return {
        world.site_by_netsuite_id(ns): [(key.split("|", 1)[0], key.split("|", 1)[1]) for key in keys]
        for ns, keys in pools.items()
    }


def drift_now(
    world: World, truth: SellableTruth, pooled: dict[str, list[tuple[str, str]]], *, kits_split: bool = False
) -> int:
    """The largest |published − true sellable| over every channel location and SKU right now; where
    the side splits a site between shops (`pooled`), over the sum of their shares; where it splits a
    kit with its components, over each component's item plus the kits."""
    truth.refresh()
    reserved = reserved_units(world, truth)
    site_of = {
        str(loc.netsuite_id): world.site_by_netsuite_id(loc.netsuite_id) for loc in world.contract.locations
    }
    in_pool = {target: site for site, targets in pooled.items() for target in targets}
    shown: dict[tuple[str, str], int] = defaultdict(int)  # (sku, pooled site) -> Σ available
    bundle = world.bundle
    worst = 0
    for target in targets_of(world.contract):
        state = world.shopify.runtime(target.shop).state
        location_id = int(target.location_gid.rsplit("/", 1)[1])
        pool = in_pool.get((target.shop, target.location_gid))
        available = {
            item.sku: level.quantities["available"]
            for item_id, item in state.items.items()
            if (level := state.levels.get((item_id, location_id))) is not None
        }
        if kits_split and bundle.sku in available:
            # the kit's units are set aside from its components' here (actors/kit_split.py): each
            # component's item and the kits together show its sellable units
            kits = available.pop(bundle.sku)
            for sku, per_kit in bundle.components.items():
                if sku in available:
                    available[sku] += per_kit * kits
        for sku, units in available.items():
            if pool is not None:
                shown[(sku, pool)] += units
                continue
            true = sum(truth.sellable(sku, site_of[ns], reserved) for ns in target.netsuite_locations)
            worst = max(worst, abs(units - max(0, true - target.buffer)))
    for (sku, site), available in shown.items():
        worst = max(worst, abs(available - truth.sellable(sku, site, reserved)))
    return worst


class Change(NamedTuple):
    """A change to what `sku` can sell at `site`; `origin` is the Shopify location that already shows
    it; `delta` the units it moved (0: not counted, e.g. a kit's value moving with a component)."""

    at: float
    sku: str
    site: str
    origin: str | None = None
    delta: int = 0
    related: bool = False  # the kit's value following a component's sale, or the other way round
    kind: str = ""  # what made it: sold, restocked, hold, expiry, checkout, receipt, transfer, arrival
    # units a checkout hold had already taken: the sale of a converted hold and the hold's end move
    # nothing any Shopify shows (reserved → committed), so they need no write
    held: bool = False


def change_events(world: World, plan: list[Action], record: TrafficRecord) -> list[Change]:
    """Every change to what some SKU can sell somewhere, with the Shopify location it happened at."""
    changes: list[Change] = []
    bundle = world.bundle
    checkout_orders = {_number(o.detail) for o in record.outcomes if o.kind == "checkout" and o.ok}
    for shop in world.contract.shops:
        for movement in world.shopify.runtime(shop.name).state.ledger.movements:
            at, site = movement.at.timestamp(), SITE_BY_NAME[movement.location_name]
            sign = -1 if movement.kind == "sold" else 1 if movement.kind == "restocked" else 0
            held = movement.kind == "sold" and _number(movement.order_id) in checkout_orders
            changes.append(
                Change(
                    at,
                    movement.sku,
                    site,
                    movement.location_id,
                    sign * movement.quantity,
                    kind=movement.kind,
                    held=held,
                )
            )
            # Shopify knows nothing of kits: the kit's (or its components') value moves everywhere
            related = (
                list(bundle.components)
                if movement.sku == bundle.sku
                else ([bundle.sku] if movement.sku in bundle.components else [])
            )
            changes.extend(
                Change(at, sku, site, related=True, kind=movement.kind, held=held) for sku in related
            )
    converted = {plan[o.index].ref for o in record.outcomes if o.kind == "checkout" and o.ok}
    for o in record.outcomes:
        if not o.ok:
            continue
        if o.kind == "hold":
            origin = world.shop_locations[(o.shop or "us", "warehouse")]
            changes.append(Change(o.at, o.sku, "warehouse", origin, -o.quantity, kind="hold"))
            if o.index not in converted:  # it expired: its units came back
                expired = o.at + plan[o.index].hold_seconds
                changes.append(Change(expired, o.sku, "warehouse", origin, o.quantity, kind="expiry"))
        elif o.kind == "checkout":  # the held unit became the order's: its sale is the movement
            origin = world.shop_locations[(o.shop or "us", "warehouse")]
            changes.append(
                Change(
                    o.at,
                    o.sku,
                    "warehouse",
                    origin,
                    plan[plan[o.index].ref].quantity,
                    kind="checkout",
                    held=True,
                )
            )
        elif o.kind == "receipt":
            changes.append(Change(o.at, o.sku, "warehouse", None, o.quantity, kind="receipt"))
        elif o.kind == "transfer":
            changes.append(Change(o.at, o.sku, "warehouse", None, -o.quantity, kind="transfer"))
        elif o.kind == "transfer_receive":
            changes.append(
                Change(o.at, o.sku, o.site or "", None, plan[plan[o.index].ref].quantity, kind="arrival")
            )
    # by time (then SKU, site): an order of a kit and one of its components makes two changes of
    # one SKU at one moment, one of them without an origin, and None does not compare with a GID
    return sorted(changes, key=lambda change: (change.at, change.sku, change.site))


def _number(gid_or_number: str) -> str:
    """`gid://shopify/Order/12` and `12` alike: the number."""
    return gid_or_number.rsplit("/", 1)[-1]


def publish_latencies(
    world: World,
    changes: list[Change],
    horizon_s: float,
    pooled: dict[str, list[tuple[str, str]]],
    *,
    side: Literal["any", "shopify", "netsuite"] = "any",
    kits_split: bool = False,
    kind: str | None = None,
) -> tuple[list[float], int]:
    """Per change that other channel locations must hear of: ms until the first write at one of them.

    A change only its own Shopify location shows (a POS sale at an unshared store) needs no write and
    is no sample, nor is a converted checkout hold (Change.held). At a site the side splits between
    shops (`pooled`), a change needs a write where it moves a shop's share (shared_pool.shares of the
    site's free units, replayed from the changes; a kit's take its components') beyond what that
    shop's Shopify moved itself, and that Shopify does not already show the new share: a share
    moving down needs none where it shows no more (ShownAvailable from above), one moving up none
    where it shows no less (from below).
    Returns the samples and how many changes got no write within `horizon_s`; `side` keeps
    only changes made in Shopify (sales, holds: they have an origin) or only the others (NetSuite's
    receipts and transfers, and what a kit's value follows); `kind` only the changes of that kind.
    Where the side splits kits with their components (`kits_split`), the kit sells its own share: a
    sale of the kit or of a component needs no write of the other unless the split moves, so what
    the other follows is no sample; and at a split site a component's share is what its own item
    and the kits (per kit) show there together, a write to either publishing it.
    """
    writes: dict[tuple[str, str], list[float]] = defaultdict(list)
    for shop in world.contract.shops:
        for write in world.shopify.quantity_writes(shop.name):
            if write.app == "app" and write.name == "available":
                writes[(write.sku, write.location_id)].append(write.at.timestamp())
    fed_by: dict[str, list[str]] = defaultdict(list)
    for target in targets_of(world.contract):
        for ns in target.netsuite_locations:
            fed_by[world.site_by_netsuite_id(ns)].append(target.location_gid)
    above, below = ShownAvailable(world, changes), ShownAvailable(world, changes, holds=True)
    bundle = world.bundle
    free = {(sku, site): units for (sku, site), units in world.initial_stock.items()}
    latencies, unpublished = [], 0
    for change in changes:
        if change.related and kits_split:
            continue
        units = free.get((change.sku, change.site), 0)
        free[(change.sku, change.site)] = units + change.delta
        if change.sku == bundle.sku:  # a kit's units are its components'
            for component, per_kit in bundle.components.items():
                key = (component, change.site)
                free[key] = free.get(key, 0) + per_kit * change.delta
        if change.held or (kind is not None and change.kind != kind):
            continue
        # the Shopify items that show this SKU's units: a component's, with kits split, and the kit's
        items = {change.sku: 1}
        if kits_split and change.sku in bundle.components:
            items[bundle.sku] = bundle.components[change.sku]
        if change.site in pooled and change.sku != bundle.sku:
            targets = [
                gid
                for gid, (old, new) in _share_moves(units, change, pooled[change.site]).items()
                if (new < old and _shown(above, items, gid, change.at) > new)
                or (new > old and _shown(below, items, gid, change.at) < new)
            ]
        else:
            targets = [gid for gid in fed_by[change.site] if gid != change.origin]
        if not targets or (side != "any" and (change.origin is not None) != (side == "shopify")):
            continue
        first = [
            times[i]
            for gid in targets
            for sku in items
            if (times := writes.get((sku, gid)))
            and (i := bisect.bisect_left(times, change.at)) < len(times)
        ]
        soonest = min(first, default=None)
        if soonest is None or soonest - change.at > horizon_s:
            unpublished += 1
        else:
            latencies.append((soonest - change.at) * 1000)
    return latencies, unpublished


def _shown(shown: ShownAvailable, items: dict[str, int], location: str, moment: float) -> float:
    """Units of one SKU these Shopify items (item → units of the SKU each of its units holds) show."""
    return sum(per_unit * max(0.0, shown.at(sku, location, moment)) for sku, per_unit in items.items())


class ShownAvailable:
    """What a Shopify location showed as available at a moment: the last quantity written there,
    less the units sold since (plus restocked). From above (default): checkout holds (available →
    reserved) are not replayed, so this is never below what it really showed. From below
    (`holds`): each hold's units are taken at its origin when it was placed and never given back
    (when Shopify lets one lapse is its own), so this is never above it. Nothing written there
    yet: unknown (inf, from either side)."""

    def __init__(self, world: World, changes: list[Change], *, holds: bool = False) -> None:
        self._writes: dict[tuple[str, str], tuple[list[float], list[int]]] = {}
        for shop in world.contract.shops:
            for write in world.shopify.quantity_writes(shop.name):
                if write.name == "available":
                    times, values = self._writes.setdefault((write.sku, write.location_id), ([], []))
                    times.append(write.at.timestamp())
                    values.append(write.after)
        # running sum of the sales and restocks Shopify made itself there
        self._moves: dict[tuple[str, str], tuple[list[float], list[int]]] = {}
        kinds = ("sold", "restocked", "hold") if holds else ("sold", "restocked")
        for change in changes:
            if change.origin is None or change.related or change.kind not in kinds:
                continue
            if change.held:  # a converted hold's sale: its units left `available` with the hold
                continue
            times, sums = self._moves.setdefault((change.sku, change.origin), ([], []))
            times.append(change.at)
            sums.append((sums[-1] if sums else 0) + change.delta)

    def at(self, sku: str, location: str, moment: float) -> float:
        """Available at `location` just after `moment` (inf if nothing was written there before)."""
        times, values = self._writes.get((sku, location), ([], []))
        i = bisect.bisect_right(times, moment) - 1
        if i < 0:
            return float("inf")
        return values[i] + self._moved(sku, location, moment) - self._moved(sku, location, times[i])

    def _moved(self, sku: str, location: str, moment: float) -> int:
        times, sums = self._moves.get((sku, location), ([], []))
        i = bisect.bisect_right(times, moment) - 1
        return sums[i] if i >= 0 else 0


def _share_moves(units: int, change: Change, pool: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """The pool's locations whose share (shared_pool.shares of the site's `units` free before the
    change) the change moves, beyond what Shopify moved itself at the change's own location:
    location → (what it shows after Shopify's own move, its new share)."""
    before, after = shares(units, len(pool)), shares(units + change.delta, len(pool))
    moved = {}
    for (_, gid), old, new in zip(pool, before, after, strict=True):
        shown = max(0, old) + (change.delta if gid == change.origin else 0)
        if max(0, new) != max(0, shown):
            moved[gid] = (max(0, shown), max(0, new))
    return moved
