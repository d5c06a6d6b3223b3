"""Where a flash sale's oversold units came from: each SKU and site replayed in time order.

The end-of-run count (ground_truth.SellableTruth.oversold) says how many units are short; this says
when and why. Every change to a site's stock (the opening stock, receipts, transfers out and in) and
every unit Shopify sold or restocked there is put in time order; a sale that finds fewer units
unsold than it takes is *sold short* by the difference. Unlike the end-of-run count, a later receipt
does not hide it, and a transfer that ships units already sold is not itself a sale (the sales after
it are). `explain` prints a short site's whole story with the quantities the side wrote to the
Shopify locations it feeds, which is what tells a race (a transfer 10 ms before the sale) from a
bug (a raise above what is unsold). A checkout counts when it happens, not when its hold was placed.

    python bench/flash_sale.py --quick --engine-process --explain
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from bench.baseline import targets_of
from sandbox.traffic import Action, TrafficRecord
from sandbox.world import World
from sandbox.world_spec import SITES

SITE_BY_NAME = {site.name: site.key for site in SITES}
Site = tuple[str, str]  # (stocked SKU, site key)


class StockEvent(NamedTuple):
    """One change to a site's units (`delta`: + arrives or comes back, − leaves or is sold)."""

    at: float
    kind: str  # opening, receipt, transfer_out, transfer_in, hold, sold, restocked
    delta: int
    note: str = ""


def site_events(world: World, plan: list[Action], record: TrafficRecord) -> dict[Site, list[StockEvent]]:
    """Every event per (stocked SKU, site), in time order; a kit's sale is its components' units."""
    events: dict[Site, list[StockEvent]] = defaultdict(list)
    for key, units in world.initial_stock.items():
        events[key].append(StockEvent(float("-inf"), "opening", units))
    for o in record.outcomes:
        if not o.ok:
            continue
        if o.kind == "receipt":
            events[(o.sku, "warehouse")].append(StockEvent(o.at, "receipt", o.quantity))
        elif o.kind == "transfer":
            events[(o.sku, "warehouse")].append(StockEvent(o.at, "transfer_out", -o.quantity, f"to {o.site}"))
        elif o.kind == "transfer_receive":
            units = plan[plan[o.index].ref].quantity
            events[(o.sku, o.site or "")].append(StockEvent(o.at, "transfer_in", units))
        elif o.kind == "hold":  # takes nothing yet (its checkout is the sale); shown for the story
            note = f"{o.shop} {o.sku}×{o.quantity} for {plan[o.index].hold_seconds:.1f} s"
            for sku in world.bundle_parts(o.sku):
                events[(sku, o.site or "")].append(StockEvent(o.at, "hold", 0, note))
    for shop in world.contract.shops:
        for m in world.shopify.runtime(shop.name).state.ledger.movements:
            components = world.bundle_parts(m.sku)
            sign = -1 if m.kind == "sold" else 1
            note = f"{shop.name} {m.source_name} {m.sku}×{m.quantity} (Shopify showed {m.available_before})"
            for sku, units in components.items():
                key = (sku, SITE_BY_NAME[m.location_name])
                events[key].append(StockEvent(m.at.timestamp(), m.kind, sign * units * m.quantity, note))
    for items in events.values():
        items.sort(key=lambda e: e.at)
    return events


def sold_short(events: list[StockEvent]) -> list[tuple[int, int]]:
    """(index of the sale, units it took beyond what was unsold) for each sale that found too few."""
    short: list[tuple[int, int]] = []
    unsold = 0
    for i, event in enumerate(events):
        if event.kind == "sold" and -event.delta > max(0, unsold):
            short.append((i, -event.delta - max(0, unsold)))
        unsold += event.delta
    return short


def units_sold_short(by_site: dict[Site, list[StockEvent]]) -> int:
    return sum(units for events in by_site.values() for _, units in sold_short(events))


def explain(world: World, by_site: dict[Site, list[StockEvent]], started_at: float) -> str:
    """Each site with a short sale: its events, the unsold units after each, and the side's writes
    of `available` to the Shopify locations the site feeds (seconds from the traffic's start)."""
    fed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for target in targets_of(world.contract):
        for ns in target.netsuite_locations:
            fed[world.site_by_netsuite_id(ns)].append((target.shop, target.location_gid))
    out: list[str] = []
    for (sku, site), events in sorted(by_site.items()):
        short = dict(sold_short(events))
        if not short:
            continue
        rows: list[tuple[float, str]] = []
        unsold = 0
        for i, event in enumerate(events):
            unsold += event.delta
            mark = f"  SOLD SHORT {short[i]}" if i in short else ""
            rows.append((event.at, f"{event.kind} {event.delta:+d} {event.note} → unsold {unsold}{mark}"))
        for shop, gid in fed[site]:
            for w in world.shopify.quantity_writes(shop):
                if w.sku == sku and w.location_id == gid and w.name == "available" and w.app == "app":
                    write = f"    write {shop} {w.location_name}: {w.before} → {w.after}"
                    rows.append((w.at.timestamp(), write))
        out.append(f"{sku} at {site}: {sum(short.values())} sold short")
        out += [f"  {_seconds(at, started_at)}  {text}" for at, text in sorted(rows)]
    return "\n".join(out)


def _seconds(at: float, started_at: float) -> str:
    return f"{'start':>8}" if at == float("-inf") else f"{at - started_at:8.3f}"
