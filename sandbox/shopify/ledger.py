"""Ground truth a benchmark counts with: every unit sold or put back, and every quantity the API
client wrote."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

import msgspec


class QuantityWrite(msgspec.Struct, frozen=True):
    """One quantity row written through inventorySetQuantities / inventoryAdjustQuantities."""

    at: datetime
    mutation: str
    sku: str
    inventory_item_id: str
    location_id: str
    location_name: str
    name: str
    before: int
    after: int
    delta: int
    change_from_quantity: int | None
    reason: str
    reference_document_uri: str | None
    idempotency_key: str | None
    app: str


class UnitsMoved(msgspec.Struct, frozen=True):
    """Units leaving (a sale) or coming back (cancel/return restock) at a location."""

    at: datetime
    kind: str  # "sold" | "restocked" | "written_off" (unshipped units refunded or cancelled without restock)
    order_id: str
    order_name: str
    sku: str
    location_id: str
    location_name: str
    quantity: int
    source_name: str
    available_before: int | None = None  # the published quantity the sale was checked against


class UnitsSold(msgspec.Struct, frozen=True):
    sku: str
    location_name: str
    sold: int
    restocked: int
    net: int


class Ledger:
    """Append-only logs; the emulator never rewrites history, so reads are a plain copy."""

    def __init__(self) -> None:
        self.quantity_writes: list[QuantityWrite] = []
        self.movements: list[UnitsMoved] = []
        # What the test or demo seeded as physical stock: (sku, location name) -> on hand.
        self.seeded_on_hand: dict[tuple[str, str], int] = {}

    def units_sold(self) -> list[UnitsSold]:
        sold: dict[tuple[str, str], int] = defaultdict(int)
        restocked: dict[tuple[str, str], int] = defaultdict(int)
        for movement in self.movements:
            key = (movement.sku, movement.location_name)
            if movement.kind == "sold":
                sold[key] += movement.quantity
            elif movement.kind == "restocked":
                restocked[key] += movement.quantity
        keys = sorted(set(sold) | set(restocked))
        return [
            UnitsSold(
                sku,
                location,
                sold[(sku, location)],
                restocked[(sku, location)],
                sold[(sku, location)] - restocked[(sku, location)],
            )
            for sku, location in keys
        ]


def oversold_units(sold: Iterable[UnitsSold], physical: Mapping[str, int]) -> dict[str, int]:
    """Units sold beyond the physical stock there was, per SKU (0 when none): Σ net sold − physical.

    `sold` may come from several shops that share one physical stock (e.g. what NetSuite held).
    """
    net: dict[str, int] = defaultdict(int)
    for row in sold:
        net[row.sku] += row.net
    return {sku: max(0, net[sku] - units) for sku, units in physical.items()}
