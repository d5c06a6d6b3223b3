"""Stateful property test of the pure core: whatever customers, POS and the merchant do, the stock adds up.

Invariants after every step, per inventory level:
  on_hand == available + committed + reserved            (the other states stay 0 here)
  on_hand == seeded − shipped + returned                  (units only leave by shipping, come back by RETURN)
  committed == units waiting in open fulfillment orders   (of orders that are not cancelled)
  reserved == units in active checkout holds
  available >= 0                                          (DENY: nobody sells what is not there)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sandbox.shopify import DomainRefusal, ShopifySandbox
from sandbox.shopify.events import EventLog
from sandbox.shopify.fulfillment import FulfillmentOrderPick, create_fulfillment

from .conftest import seeded_shop_spec

SKUS = ["TEE-S", "TEE-M"]
ONLINE = ["Warehouse", "Overflow"]


class ShopFloor(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sandbox = ShopifySandbox()
        self.sandbox.add_shop(seeded_shop_spec())
        self.state = self.sandbox.runtime("alpha").state
        self.holds: list[str] = []

    def _orders(self) -> list[int]:
        return sorted(self.state.orders)

    @rule(sku=st.sampled_from(SKUS), quantity=st.integers(1, 4), pinned=st.sampled_from([None, *ONLINE]))
    def web_order(self, sku: str, quantity: int, pinned: str | None) -> None:
        try:
            self.sandbox.place_order(
                "alpha", {"lines": [{"sku": sku, "quantity": quantity}], "location": pinned}
            )
        except DomainRefusal as refusal:
            assert refusal.code in ("INSUFFICIENT_INVENTORY", "NOT_STOCKED")

    @rule(quantity=st.integers(1, 3), carry_out=st.booleans())
    def pos_sale(self, quantity: int, carry_out: bool) -> None:
        try:
            self.sandbox.place_order(
                "alpha",
                {
                    "lines": [{"sku": "TEE-S", "quantity": quantity}],
                    "source": "pos",
                    "location": "Downtown Store",
                    "pos_carry_out": carry_out,
                },
            )
        except DomainRefusal as refusal:
            assert refusal.code == "INSUFFICIENT_INVENTORY"

    @rule(
        sku=st.sampled_from(SKUS),
        location=st.sampled_from(ONLINE),
        quantity=st.integers(1, 3),
        seconds=st.sampled_from([0.0001, 600.0]),
    )
    def hold(self, sku: str, location: str, quantity: int, seconds: float) -> None:
        try:
            hold = self.sandbox.create_hold(
                "alpha",
                {"sku": sku, "location": location, "quantity": quantity, "expires_in_seconds": seconds},
            )
            self.holds.append(hold["id"])
        except DomainRefusal as refusal:
            assert refusal.code == "INSUFFICIENT_INVENTORY"

    @rule(index=st.integers(0, 50), convert=st.booleans())
    def end_hold(self, index: int, convert: bool) -> None:
        if not self.holds:
            return
        hold_id = self.holds.pop(index % len(self.holds))
        hold = self.state.holds[int(hold_id.split("/")[-1])]
        try:
            if convert:
                self.sandbox.place_order(
                    "alpha",
                    {
                        "lines": [{"sku": self.state.sku_of_item(hold.item_id), "quantity": hold.quantity}],
                        "hold_ids": [hold_id],
                    },
                )
            else:
                self.sandbox.release_hold("alpha", hold_id)
        except DomainRefusal as refusal:
            assert refusal.code == "HOLD_NOT_ACTIVE"  # it expired meanwhile

    @rule(index=st.integers(0, 50), partial=st.booleans())
    def fulfill(self, index: int, partial: bool) -> None:
        open_fos = [
            fo
            for o in self.state.orders.values()
            for fo in o.fulfillment_orders
            if fo.status in ("OPEN", "IN_PROGRESS")
        ]
        if not open_fos:
            return
        fo = open_fos[index % len(open_fos)]
        first_open: list[tuple[int | None, int]] = [
            (line.id, 1) for line in fo.lines if line.remaining_quantity
        ]
        lines = first_open[:1] if partial else None
        created, errors = create_fulfillment(
            self.state, [FulfillmentOrderPick(fo.id, lines)], [], False, datetime.now(UTC), EventLog()
        )
        assert created is not None and errors == []

    @rule(index=st.integers(0, 50), restock=st.booleans())
    def cancel(self, index: int, restock: bool) -> None:
        if not self.state.orders:
            return
        order_id = self._orders()[index % len(self.state.orders)]
        try:
            self.sandbox.cancel_order("alpha", order_id, {"restock": restock})
        except DomainRefusal as refusal:
            assert refusal.code in ("ALREADY_CANCELLED", "ALREADY_FULFILLED")

    @rule(index=st.integers(0, 50), kind=st.sampled_from(["RETURN", "CANCEL", "NO_RESTOCK"]))
    def refund_one(self, index: int, kind: str) -> None:
        if not self.state.orders:
            return
        order = self.state.orders[self._orders()[index % len(self.state.orders)]]
        line = order.line_items[0]
        try:
            self.sandbox.refund_order(
                "alpha", order.id, {"lines": [{"line_item_id": line.id, "quantity": 1, "restock_type": kind}]}
            )
        except DomainRefusal as refusal:
            assert refusal.code == "REFUND_REFUSED"

    @rule(index=st.integers(0, 50), quantity=st.integers(0, 5))
    def edit(self, index: int, quantity: int) -> None:
        if not self.state.orders:
            return
        order = self.state.orders[self._orders()[index % len(self.state.orders)]]
        try:
            self.sandbox.edit_order(
                "alpha",
                order.id,
                {"set_quantities": [{"line_item_id": order.line_items[0].id, "quantity": quantity}]},
            )
        except DomainRefusal as refusal:
            assert refusal.code in ("ORDER_CANCELLED", "INVALID_QUANTITY", "INSUFFICIENT_INVENTORY")

    @invariant()
    def stock_adds_up(self) -> None:
        shipped: dict[tuple[int, int], int] = defaultdict(int)
        returned: dict[tuple[int, int], int] = defaultdict(int)
        written_off: dict[tuple[str, str], int] = defaultdict(int)
        for movement in self.state.ledger.movements:
            if movement.kind == "written_off":
                written_off[(movement.sku, movement.location_name)] += movement.quantity
        waiting: dict[tuple[int, int], int] = defaultdict(int)
        for order in self.state.orders.values():
            items = {
                line.id: self.state.variants[line.variant_id or -1].inventory_item_id
                for line in order.line_items
            }
            for fulfillment in order.fulfillments:
                for shipped_line in fulfillment.lines:
                    shipped[(items[shipped_line.line_item_id], fulfillment.location_id)] += (
                        shipped_line.quantity
                    )
            for refund in order.refunds:
                for row in refund.lines:
                    if row.restock_type == "RETURN":
                        returned[(items[row.line_item_id], row.location_id)] += row.quantity  # type: ignore[index]
            for fo in order.fulfillment_orders:
                if fo.status not in ("CLOSED", "CANCELLED"):
                    for line in fo.lines:
                        waiting[(items[line.line_item_id], fo.location_id)] += line.remaining_quantity
        held: dict[tuple[int, int], int] = defaultdict(int)
        for hold in self.state.holds.values():
            if hold.state == "held":
                held[(hold.item_id, hold.location_id)] += hold.quantity
        for key, level in self.state.levels.items():
            quantities = level.quantities
            sku, location = (
                self.state.sku_of_item(level.item_id),
                self.state.locations[level.location_id].name,
            )
            seeded = self.state.ledger.seeded_on_hand[(sku, location)]
            assert level.on_hand == quantities["available"] + quantities["committed"] + quantities["reserved"]
            assert level.on_hand == seeded - shipped[key] + returned[key] - written_off[(sku, location)]
            assert quantities["committed"] == waiting[key], (sku, location)
            assert quantities["reserved"] == held[key], (sku, location)
            assert quantities["available"] >= 0, (sku, location)


ShopFloor.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
test_stock_adds_up_whatever_happens = ShopFloor.TestCase
