"""Property: a web order's demand counts exactly where Shopify holds its units taken, every version.

A small model of a shop selling online from a warehouse W and a 3PL T follows the emulator's rules
(sandbox/shopify/checkout.py, order_changes.py, refunds.py, fulfillment.py): an order takes its units
at W while W has them, then at T, and past zero at W; one fulfillment order per location, joined by
an edit up at a location that has an open one; an edit down (a `cancel` refund) takes units off the
fulfillment orders in their order and puts them back there; a cancel does so with every unshipped
unit; shipping ships all that is left, from each fulfillment order's location; a return restocks
shipped units where they shipped from (modelled for lines at one location only, and never edited
up after it, which may split the line: a split line's return is the documented inexact case).
After each change, the webhook body Shopify would send is translated with what the router reads
then (units still to ship and units shipped, per location), and applied by the SKU actor's own
transitions (shopify_expected's footprint included).

Nothing is absorbed by NetSuite here, so for every order the actor's pending units per location, and
the units it believes Shopify took per location (the footprint the compare-and-set follows), must
be exactly the units Shopify holds taken there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_shopify_order_locations import CONTRACT, T_GID, W_GID

from actors.sku import transitions
from actors.sku.shopify_expected import footprint
from actors.sku.state import SkuState
from contract.shopify_orders import translate_webhook

NETSUITE = {W_GID: "W", T_GID: "T"}


@dataclass
class FulfillmentOrder:
    gid: str
    remaining: int


@dataclass
class Order:
    id: int
    ordered: int = 0
    fulfillment_orders: list[FulfillmentOrder] = field(default_factory=list)
    shipped: list[tuple[str, int]] = field(default_factory=list)  # (location, units) per fulfillment
    refunds: list[tuple[str, int, str]] = field(default_factory=list)  # (location, units, restock type)
    cancelled: bool = False
    locations: set[str] = field(default_factory=set)  # where units were ever taken

    @property
    def line_id(self) -> int:
        return self.id * 10

    @property
    def current(self) -> int:
        return self.ordered - sum(units for _, units, _ in self.refunds)

    def returnable(self, gid: str) -> int:
        shipped = sum(units for where, units in self.shipped if where == gid)
        return shipped - sum(
            units for where, units, kind in self.refunds if where == gid and kind == "return"
        )

    def taken(self) -> dict[str, int]:
        """Units Shopify holds taken for this order, per NetSuite location (non-zero only)."""
        taken: dict[str, int] = {}
        for fo in self.fulfillment_orders:
            taken[NETSUITE[fo.gid]] = taken.get(NETSUITE[fo.gid], 0) + fo.remaining
        for gid in NETSUITE:
            taken[NETSUITE[gid]] = taken.get(NETSUITE[gid], 0) + self.returnable(gid)
        return {location: units for location, units in taken.items() if units}


class Shop:
    def __init__(self, available: dict[str, int]) -> None:
        self.available = available
        self.orders: list[Order] = []
        self.state = SkuState(sku="A")
        self.now = 1_000.0

    # -- Shopify --------------------------------------------------------------------------------------
    def allocate(self, order: Order, units: int) -> None:
        plan, left = [], units
        for gid in (W_GID, T_GID):
            take = min(left, max(self.available[gid], 0))
            if take:
                plan.append((gid, take))
                left -= take
        if left:
            plan.append((W_GID, left))
        for gid, take in plan:
            self.available[gid] -= take
            fo = next((f for f in order.fulfillment_orders if f.gid == gid and f.remaining), None)
            if fo is None:
                order.fulfillment_orders.append(fo := FulfillmentOrder(gid, 0))
            fo.remaining += take
            order.locations.add(gid)
        order.ordered += units

    def cancel_units(self, order: Order, units: int) -> None:
        for fo in order.fulfillment_orders:
            take = min(units, fo.remaining)
            if take:
                fo.remaining -= take
                self.available[fo.gid] += take
                order.refunds.append((fo.gid, take, "cancel"))  # one refund row per location
                units -= take

    def step(self, op: tuple[Any, ...]) -> None:
        self.now += 1.0  # one change per second: each is a newer version
        if op[0] == "place":
            self.orders.append(order := Order(id=len(self.orders) + 1))
            self.allocate(order, op[1])
            return self.send(order)
        if not self.orders:
            return None
        order = self.orders[op[1] % len(self.orders)]
        unshipped = sum(fo.remaining for fo in order.fulfillment_orders)
        if order.cancelled:
            return None
        returned = any(kind == "return" for _, _, kind in order.refunds)
        if op[0] == "edit_up" and not returned:  # after a return it may split the line: see above
            self.allocate(order, op[2])
        elif op[0] == "edit_down" and 0 < op[2] <= unshipped:
            self.cancel_units(order, op[2])
        elif op[0] == "cancel" and unshipped == order.current:  # nothing shipped
            self.cancel_units(order, unshipped)
            order.cancelled = True
        elif op[0] == "ship" and unshipped:
            for fo in order.fulfillment_orders:
                if fo.remaining:
                    order.shipped.append((fo.gid, fo.remaining))
                    fo.remaining = 0
        elif (
            op[0] == "return"
            and len(order.locations) == 1
            and order.returnable(gid := (W_GID, T_GID)[op[2] % 2])
        ):
            order.refunds.append((gid, 1, "return"))
            self.available[gid] += 1
        else:
            return None
        return self.send(order)

    # -- the webhook, the router's read, the actor ----------------------------------------------------
    def body(self, order: Order) -> dict[str, Any]:
        at = datetime.fromtimestamp(self.now, UTC).isoformat()
        line_item = {"id": order.line_id, "sku": "A", "quantity": order.ordered}
        return {
            "id": order.id,
            "updated_at": at,
            "cancelled_at": at if order.cancelled else None,
            "location_id": None,
            "line_items": [{**line_item, "current_quantity": order.current}],
            "fulfillments": [
                {
                    "location_id": int(gid.rsplit("/", 1)[1]),
                    "status": "success",
                    "line_items": [{"id": order.line_id, "quantity": units}],
                }
                for gid, units in order.shipped
            ],
            "refunds": [
                {
                    "id": order.id * 100 + n,
                    "order_id": order.id,
                    "refund_line_items": [
                        {
                            "line_item_id": order.line_id,
                            "quantity": units,
                            "restock_type": kind,
                            "location_id": int(gid.rsplit("/", 1)[1]),
                            "line_item": line_item,
                        }
                    ],
                }
                for n, (gid, units, kind) in enumerate(order.refunds)
            ],
        }

    def send(self, order: Order) -> None:
        """Translate the order's webhook with what the router reads: units still to ship plus units
        shipped, per location (returns are not read back)."""
        unshipped: dict[str, int] = {}
        for fo in order.fulfillment_orders:
            unshipped[fo.gid] = unshipped.get(fo.gid, 0) + fo.remaining
        for gid, units in order.shipped:
            unshipped[gid] = unshipped.get(gid, 0) + units
        raw = json.dumps(self.body(order)).encode()
        for command in translate_webhook(
            CONTRACT, "eu", "orders/updated", raw, {str(order.line_id): unshipped}
        ):
            self.state, _ = transitions.apply(self.state, command.payload, self.now)

    def check(self) -> None:
        for order in self.orders:
            taken = {} if order.cancelled else order.taken()
            assert self.state.pending.get(str(order.id), {}) == taken, (order, self.state.pending)
            believed = {k: v for k, v in footprint(self.state.orders.get(str(order.id))).items() if v}
            # A cancelled order's units are all back unless shipped (nothing is, by the model's rule).
            assert believed == order.taken(), (order, believed)


OPS = st.one_of(
    st.tuples(st.just("place"), st.integers(1, 4)),
    st.tuples(st.just("edit_up"), st.integers(0, 5), st.integers(1, 3)),
    st.tuples(st.just("edit_down"), st.integers(0, 5), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("ship"), st.integers(0, 5)),
    st.tuples(st.just("return"), st.integers(0, 5), st.integers(0, 1)),
)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 6), st.integers(0, 6), st.lists(OPS, min_size=1, max_size=30))
def test_demand_and_footprint_are_where_shopify_holds_the_units(
    at_w: int, at_t: int, ops: list[tuple[Any, ...]]
) -> None:
    shop = Shop({W_GID: at_w, T_GID: at_t})
    for op in ops:
        shop.step(op)
        shop.check()
