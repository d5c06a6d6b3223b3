"""Property: whatever mix of orders, edits, shipments, bills, refunds, counts and transfers happens,
the warehouse books stay consistent and SuiteQL's inventoryitemlocations agrees with them."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.netsuite.account import Account
from sandbox.netsuite.config import NetSuiteSandboxConfig
from sandbox.netsuite.errors import NetSuiteApiError
from sandbox.netsuite.operations import LineShipment, WarehouseOperations
from sandbox.netsuite.record_service import RecordService
from sandbox.netsuite.seed import seed_demo_account
from sandbox.netsuite.suiteql.service import run_suiteql
from sandbox.netsuite.suiteql.tables import DataView

SKUS = ["TEE-BLK-M", "MUG-01", "CAP-01", "KIT-STARTER"]

step = st.one_of(
    st.tuples(st.just("order"), st.sampled_from(SKUS), st.integers(1, 12), st.integers(0, 2)),
    st.tuples(st.just("resize"), st.integers(0, 9), st.integers(1, 12), st.just(0)),
    st.tuples(st.just("ship"), st.integers(0, 9), st.integers(1, 5), st.just(0)),
    st.tuples(st.just("bill"), st.integers(0, 9), st.just(0), st.just(0)),
    st.tuples(st.just("refund"), st.integers(0, 9), st.just(0), st.just(0)),
    st.tuples(st.just("count"), st.sampled_from(SKUS[:3]), st.integers(-6, 6), st.integers(0, 2)),
    st.tuples(st.just("transfer"), st.sampled_from(SKUS[:3]), st.integers(1, 6), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 9), st.just(0), st.just(0)),
)


def _apply(
    service: RecordService,
    ops: WarehouseOperations,
    ids: dict[str, Any],
    orders: list[int],
    sales: list[int],
    action: tuple[str, Any, int, int],
) -> None:
    kind, target, qty, where = action
    locations = list(ids["locations"].values())
    pick = orders[target % len(orders)] if orders and isinstance(target, int) else None
    if kind == "order":
        orders.append(
            service.create(
                "salesOrder",
                {
                    "entity": {"id": str(ids["customer"])},
                    "location": {"id": str(locations[where])},
                    "item": {"items": [{"item": {"id": str(ids["items"][target])}, "quantity": qty}]},
                },
            ).id
        )
    elif kind == "resize" and pick:
        service.update(
            "salesOrder", str(pick), {"item": {"items": [{"line": 1, "quantity": qty}]}}, frozenset()
        )
    elif kind == "ship" and pick:
        ops.fulfill_order(pick, [LineShipment(1, Decimal(qty))])
    elif kind == "bill" and pick:
        sales.append(service.transform("salesOrder", str(pick), "cashSale", {}, frozenset()).id)
    elif kind == "refund" and sales:
        service.transform("cashSale", str(sales[target % len(sales)]), "cashRefund", {}, frozenset())
    elif kind == "count":
        ops.adjust_stock(ids["items"][target], locations[where], Decimal(qty or 1))
    elif kind == "transfer":
        transfer = ops.create_transfer(
            ids["items"][target], locations[where], locations[(where + 1) % 3], Decimal(qty)
        )
        ops.ship_transfer(transfer.id)
        if qty % 2:
            ops.receive_transfer(transfer.id)
    elif kind == "cancel" and pick:
        service.update("salesOrder", str(pick), {"orderStatus": {"id": "C"}}, frozenset())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=25))
def test_books_stay_consistent_and_suiteql_agrees(actions: list[tuple[str, Any, int, int]]) -> None:
    account = Account.create(NetSuiteSandboxConfig())
    service = RecordService(account)
    ops = WarehouseOperations(account, service)
    ids = seed_demo_account(service)
    orders: list[int] = []
    sales: list[int] = []
    for action in actions:
        # A refusal (nothing to ship, stock short, order cancelled...) must change nothing.
        with contextlib.suppress(NetSuiteApiError):
            _apply(service, ops, ids, orders, sales, action)
        assert account.warehouse.check_invariants() == [], action
    page = run_suiteql(
        account,
        DataView(account.store, account.warehouse.level),
        {
            "q": (
                "SELECT item, location, quantityonhand, quantitycommitted, quantityavailable, "
                "quantityintransit FROM inventoryitemlocations"
            )
        },
        1000,
        0,
        "http://sandbox/suiteql",
    )
    for row in page["items"]:
        level = account.warehouse.level(int(row["item"]), int(row["location"]))
        assert Decimal(row["quantityonhand"]) == level.on_hand >= 0
        assert Decimal(row["quantitycommitted"]) == level.committed
        assert Decimal(row["quantityavailable"]) == level.on_hand - level.committed >= 0
        assert Decimal(row.get("quantityintransit", "0")) == level.in_transit
    for order in account.store.of_kind("salesOrder"):
        for line in order.lines("item"):
            assert line.get("quantityFulfilled", 0) <= line["quantity"]
