"""A kit and its components at one Shopify location share units (contract `inventory.kits = "split"`).

Shopify knows nothing of kits: the kit is an item of its own, and by default (`"shared"`) it shows
every kit its components allow while each component's item shows all of that component too. Sold at
once — a kit and one of its components at the same POS store, within Tandem's reaction time — they
take the same units twice. With `"split"`, at every Shopify location where the kit is published:

- the kits the components allow there (`capacity`: min over components of ⌊unreserved / units⌋)
  are shared out: the kit's share is half of them, rounded up (`kit_share`), and each component
  sets `units × share` aside (`KitReserve`, bundle actor → component actor);
- a component's item shows what it has left after the reserves of every kit containing it
  (`set_aside`), and reports what each kit really got (never more than there is);
- the kit's item shows min(share, the kits the reserves really set aside make) (`kit_value`).

So a component's units shown in its own item and inside kits never add up to more than it has.
Order keeps it so between writes: a kit's share rises only once every component reported the
larger reserve applied (their lowered values were handed to the shop's writer before that report
was sent, and one writer per shop writes in stream order); a kit's share falls at once, and the
components are told to release only once the kit's lower has landed (below).

A kit sold while its webhook is still on its way: its units sit in the reserve, and the components
(like the bundle actor) count them until they hear of it. So the bundle actor follows its own item's
sales (the router sends it the kit's order lines, cancellations and refunds, with kits split), and
- a share that falls is released only once the kit's lowering write is confirmed (the reserve asked
  never falls below what the kit's item may still hold), and not by the kits its writer then found
  sold that no order line explains yet (`unexplained`): those units are gone, and the components
  may not have heard either;
- a component's reserve counts for the kit only less the kits the bundle heard were sold that the
  component had not heard of yet (each reports `kits_sold`, counted alike on both sides).
The order lines of one webhook reach every actor before anything they cause (the router publishes
them together, each actor takes its messages in order), so a kit sale heard by the bundle is heard
by a component before a release that sale caused.

The split is recomputed from the components' unreserved values every time, so once traffic stops
every value is exact for that rule. Channel values (`AvailableChanged`) are not split: a channel may
sell a component's units as the component or inside a kit.

At a location several shops sell from, split between them (`shared_locations = "split"`,
actors/sku/pool_gate.py), the kit's share comes out of each shop's share of the component, and one
shop's share may rise only once what the other shop's items may hold has come down — the kit's item
too: its writes there are confirmed back to the bundle actor, which tells the components the most
kits its item may still hold at each such location (`KitReserve.holds`, an unconfirmed lower at its
old height), and the component's pool gate counts those units with its own (kit_reserves.kits_held).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contract.config import Bundle


def kits_from(bundle: Bundle, units: Mapping[str, int | None]) -> int:
    """Kits that `units` of each component make (min over components of ⌊units / per kit⌋; an
    unknown component counts as 0)."""
    return min(max(0, units.get(sku) or 0) // per_kit for sku, per_kit in bundle.components.items())


def kit_share(capacity: int) -> int:
    """The kit's share of the kits its components allow at a location: half, rounded up."""
    return (max(0, capacity) + 1) // 2


def kit_value(bundle: Bundle, share: int, reserved: Mapping[str, int | None]) -> int:
    """What the kit's item shows: its share, no more than the components really set aside."""
    return min(share, kits_from(bundle, reserved))


def set_aside(value: int, wanted: Iterable[tuple[str, int]]) -> tuple[int, dict[str, int]]:
    """A component's value at a location after the reserves kits ask (in the order given): what its
    own item shows, and what each kit got (no more than is there)."""
    left, got = max(0, value), {}
    for bundle, units in wanted:
        got[bundle] = min(left, max(0, units))
        left -= got[bundle]
    return left, got
