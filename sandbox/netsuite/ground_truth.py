"""Ground truth for tests and benchmarks: what really is in the account, whatever the API showed."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from .account import Account
from .record_types import kind_named
from .warehouse import StockLevel


def external_id_counts(account: Account, type_name: str) -> dict[str, int]:
    """How many records of a type carry each external id (more than 1 = a duplicate)."""
    kind = kind_named(type_name)
    return dict(Counter(r.external_id for r in account.store.of_kind(kind.name) if r.external_id is not None))


def duplicates_by_field(account: Account, type_name: str, field: str) -> dict[str, int]:
    """Values of `field` (e.g. otherRefNum, a custbody order number) carried by more than one record."""
    kind = kind_named(type_name)
    counts = Counter(
        str(r.body[field]) for r in account.store.of_kind(kind.name) if r.body.get(field) is not None
    )
    return {value: count for value, count in counts.items() if count > 1}


def order_totals(account: Account) -> list[dict[str, Any]]:
    """Every sales order's money, for comparison with the shop's totals to the cent."""
    rows = []
    for order in account.store.of_kind("salesOrder"):
        body = order.body
        rows.append(
            {
                "id": order.id,
                "externalId": order.external_id,
                "tranId": body.get("tranId"),
                "status": body.get("orderStatus", {}).get("id"),
                "currency": body.get("currency", {}).get("id"),
                "subtotal": str(body.get("subtotal", Decimal(0))),
                "discountTotal": str(body.get("discountTotal", Decimal(0))),
                "shippingCost": str(body.get("shippingCost", 0)),
                "giftCertApplied": str(body.get("giftCertApplied", Decimal(0))),
                "total": str(body.get("total", Decimal(0))),
                "lines": [
                    {
                        "line": line["line"],
                        "item": line["item"]["id"],
                        "quantity": str(line["quantity"]),
                        "amount": str(line.get("amount")),
                        "quantityFulfilled": str(line.get("quantityFulfilled", 0)),
                    }
                    for line in order.lines("item")
                ],
            }
        )
    return rows


def stock_snapshot(account: Account) -> list[dict[str, Any]]:
    return [
        {"item": item, "location": location, **level_fields(level)}
        for (item, location), level in sorted(account.warehouse.levels.items())
    ]


def level_fields(level: StockLevel) -> dict[str, str]:
    return {
        "onHand": str(level.on_hand),
        "committed": str(level.committed),
        "available": str(level.available),
        "onOrder": str(level.on_order),
        "inTransit": str(level.in_transit),
        "backOrdered": str(level.backordered),
    }


def stock_movements(account: Account, item: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "at": m.at.isoformat(),
            "item": m.item,
            "location": m.location,
            "reason": m.reason,
            "transaction": m.transaction,
            "deltas": {k: str(v) for k, v in m.deltas.items()},
        }
        for m in account.warehouse.movements
        if item is None or m.item == item
    ]


def sales_summary(account: Account) -> dict[str, dict[str, str]]:
    """Per item: units shipped to customers, returned to stock, and still backordered (sold beyond stock)."""
    summary: dict[int, dict[str, Decimal]] = {}
    for movement in account.warehouse.movements:
        row = summary.setdefault(movement.item, {"shipped": Decimal(0), "restocked": Decimal(0)})
        on_hand = movement.deltas.get("on_hand", Decimal(0))
        if movement.reason in {"ship", "sale"} and movement.transaction is not None:
            row["shipped"] -= on_hand
        elif movement.reason in {"restock", "return"}:
            row["restocked"] += on_hand
    for (item, _location), level in account.warehouse.levels.items():
        row = summary.setdefault(item, {"shipped": Decimal(0), "restocked": Decimal(0)})
        row["backordered"] = row.get("backordered", Decimal(0)) + level.backordered
    return {str(item): {k: str(v) for k, v in row.items()} for item, row in sorted(summary.items())}


def record_counts(account: Account) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for event in account.store.events:
        if event.op == "create":
            counts[event.kind] += 1
        elif event.op == "delete":
            counts[event.kind] -= 1
    return {kind: count for kind, count in sorted(counts.items()) if count}
