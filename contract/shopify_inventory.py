"""Pure rules of writing Tandem's sellable quantity to Shopify `available` (DESIGN §2, §5).

Tandem owns the sellable quantity; NetSuite owns the stock it is computed from. A SKU actor emits
`InventorySet(quantity, compare_quantity)` where `compare_quantity` is the `available` Tandem expects
Shopify to hold right now (its last published value minus the Shopify-side consumption it has seen
since). The writer coalesces those per (sku, location), writes with compare-and-set
(`changeFromQuantity`), and when Shopify holds something else (CHANGE_FROM_QUANTITY_STALE) applies
`replan_stale`: that difference is drift, and the store must never sell more than Tandem computed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from actors.sku_messages import InventorySet

MAX_ROWS_PER_CALL = 250  # Shopify's input list cap (reference/shopify.md §1, MAX_INPUT_SIZE_EXCEEDED)


class PendingRow(msgspec.Struct, frozen=True, kw_only=True):
    """What one (sku, location) should become, folded from the InventorySet messages waiting for it."""

    sku: str
    location_id: str
    quantity: int  # the latest computed value: the last message wins
    expected: int | None  # what Shopify holds before this write, as Tandem knows it; None: no compare
    first_changed_at: float  # the oldest change waiting here (for change → accepted latency)
    messages: int = 1
    # A first write (no compare) folded with later changes: what the actor expects Shopify to hold
    # right after that first write, moved like `expected` (see first_write). None: row.quantity.
    first_cap: int | None = None
    confirm: bool = False  # some folded message asked for a TargetConfirmed (pool_gate.py)
    cause_id: str = ""  # the cause of the last folded message
    verify: bool = False  # some folded message asked for the write even if unchanged (InventorySet)
    kind: str = "sku"  # the actor kind that wrote it (InventorySet.kind): where a confirmation goes


def fold(row: PendingRow | None, message: InventorySet) -> PendingRow:
    """Add one message (in stream order) to the row waiting for its (sku, location).

    The expected value stays the first message's compare_quantity (Shopify held it before the
    batch), moved by whatever Shopify-side consumption the actor saw between two messages: that is
    the difference between a message's quantity and the next one's compare_quantity. When the actor
    saw none, the two are equal and the first compare_quantity stands unchanged.
    """
    if row is None:
        return PendingRow(
            sku=message.sku,
            location_id=message.location_id,
            quantity=message.quantity,
            expected=message.compare_quantity,
            first_changed_at=message.changed_at,
            confirm=message.confirm,
            cause_id=message.cause_id,
            verify=message.verify,
            kind=message.kind,
        )
    expected, first_cap = row.expected, row.first_cap
    if message.compare_quantity is not None:
        moved = row.quantity - message.compare_quantity
        if expected is not None:
            expected -= moved
        else:  # still a first write: the later change is relative to what that write leaves
            first_cap = (row.quantity if first_cap is None else first_cap) - moved
    elif expected is None:
        first_cap = None  # another first write: it alone says what Shopify should hold
    return msgspec.structs.replace(
        row,
        quantity=message.quantity,
        expected=expected,
        first_changed_at=min(row.first_changed_at, message.changed_at),
        messages=row.messages + 1,
        first_cap=first_cap,
        confirm=row.confirm or message.confirm,
        cause_id=message.cause_id,
        verify=row.verify or message.verify,
    )


Key = tuple[str, str]  # (sku, Shopify location GID)
H = TypeVar("H")  # a delivery handle the caller acks once the row is accepted


class PendingSlot(Generic[H]):
    """The messages folded into one pending row, kept until Shopify accepts the row."""

    __slots__ = ("arrived", "handles", "row")

    def __init__(self, row: PendingRow, arrived: float) -> None:
        self.row = row
        self.arrived = arrived  # when its first message came in: its coalescing window starts
        self.handles: dict[int, H] = {}  # stream sequence -> delivery


class Coalescer(Generic[H]):
    """Pending rows per (sku, location) in arrival order, and the batches taken from them.

    A redelivered message (same stream sequence) only refreshes its handle; one at or below a
    sequence already taken into a batch is ignored, so an old value never overtakes a newer one.
    """

    def __init__(self, max_rows: int = MAX_ROWS_PER_CALL) -> None:
        self.max_rows = max_rows
        self.pending: dict[Key, PendingSlot[H]] = {}
        self._taken: dict[Key, int] = {}  # highest sequence taken into a batch, per key

    def add(self, seq: int, message: InventorySet, handle: H, now: float) -> bool:
        """Fold one message in; False when it was ignored (already taken into a batch)."""
        key = (message.sku, message.location_id)
        if seq <= self._taken.get(key, 0):
            return False
        slot = self.pending.get(key)
        if slot is None:
            slot = self.pending[key] = PendingSlot(fold(None, message), now)
        elif seq not in slot.handles:
            slot.row = fold(slot.row, message)
        slot.handles[seq] = handle
        return True

    def oldest_arrival(self) -> float | None:
        return next(iter(self.pending.values())).arrived if self.pending else None

    def full(self) -> bool:
        return len(self.pending) >= self.max_rows

    def take(self) -> dict[Key, PendingSlot[H]]:
        """The oldest rows, up to one call's worth; their sequences are marked taken."""
        keys = list(self.pending)[: self.max_rows]
        batch = {key: self.pending.pop(key) for key in keys}
        for key, slot in batch.items():
            self._taken[key] = max(self._taken.get(key, 0), *slot.handles)
        return batch


class KnownDrift(msgspec.Struct, frozen=True, kw_only=True):
    """After a key's last accepted write: how far Shopify is below the actor's expectation.

    A stale correction writes less than the actor published (`correct_stale`), and the actor never
    hears of it: its next compare is off by the same units and would be stale again (a hold Shopify
    reserved, units Shopify took unheard), each write costing a failed call and a read. So the
    writer carries the difference into the key's next row until the actor's own compare catches up
    with it: a sale the actor has seen since (its compare moved down) explains as much of it, and
    Shopify found above the compare gives as much of it back (replan_stale: the units returned).
    Counted in the actor's terms, not floored: Shopify cannot go below 0, but units sold beyond a
    lowered value must still be subtracted from the next, higher one.
    """

    drift: int  # <= 0
    published: int  # the actor's quantity that write carried (its expectation right after it)


class RowPlan(msgspec.Struct, frozen=True, kw_only=True):
    """What to send for one row: `quantity` with changeFromQuantity `compare`; `drift` (<= 0, the
    actor's terms) is how far Shopify is below the actor's expectation, as far as the writer knows."""

    quantity: int
    compare: int
    drift: int = 0

    @property
    def needed(self) -> bool:
        return self.quantity != self.compare  # else Shopify already holds it


def plan_first(row: PendingRow, actual: int) -> RowPlan:
    """A row where Tandem never wrote (no compare), once Shopify's `actual` is read.

    Tandem's first value cannot know the sales Shopify made that it has not heard of yet (webhooks
    in flight), and a blind write would put those units back on sale: when their orders arrive the
    actor moves its expected value down by them and finds Shopify "already" there. So the first
    write never raises Shopify above what the actor expects it to leave (`first_cap`, else the
    quantity): the units Shopify is below that are drift, subtracted from the quantity.
    """
    cap = row.quantity if row.first_cap is None else row.first_cap
    drift = min(0, actual - cap)
    return RowPlan(quantity=max(0, row.quantity + drift), compare=actual, drift=drift)


def plan_row(row: PendingRow, known: KnownDrift | None) -> RowPlan:
    """A row with the actor's compare, carrying the key's known drift (the part of it the actor
    has not explained since by sales it saw: its compare moved below the value last published)."""
    assert row.expected is not None, "a first write is planned with plan_first"
    drift = 0
    if known is not None and known.drift < 0:
        drift = min(0, known.drift - min(0, row.expected - known.published))
    return RowPlan(
        quantity=max(0, row.quantity + drift), compare=max(0, row.expected + drift), drift=drift
    )


def replan_stale(row: PendingRow, plan: RowPlan, actual: int) -> RowPlan:
    """After CHANGE_FROM_QUANTITY_STALE and a re-read: Shopify below the compare by units Tandem
    cannot explain (an order whose webhook is in flight, a hand edit, a reservation) is drift,
    subtracted so the store never sells more than Tandem computed; Shopify above it (a hand edit of
    a NetSuite-owned number) is overwritten. Above it while a known drift stands, the units the
    drift counted are back in Shopify (a reservation that lapsed, a restock): that much of the drift
    is gone, or the writer would keep subtracting units that are there. Never above the actor's
    quantity (as `correct_stale`)."""
    drift = min(0, plan.drift + actual - plan.compare)
    return RowPlan(quantity=max(0, row.quantity + drift), compare=actual, drift=drift)


def known_after(row: PendingRow, plan: RowPlan) -> KnownDrift:
    """The key's known drift once Shopify took (or already held) `plan` for `row`."""
    return KnownDrift(drift=plan.drift, published=row.quantity)


class Attempt:
    """One batch on its way: the pending rows, what to write for each (replanned after each stale
    answer) and the item GIDs by SKU."""

    def __init__(
        self, rows: dict[Key, PendingRow], plans: dict[Key, RowPlan], items: Mapping[str, str | None]
    ) -> None:
        self.rows, self.plans, self.items = rows, plans, items

    def writes(self) -> dict[Key, WriteRow]:
        return {
            key: WriteRow(
                inventory_item_id=self.items[key[0]] or "",
                location_id=key[1],
                quantity=plan.quantity,
                change_from=plan.compare,
            )
            for key, plan in self.plans.items()
        }


class WriteRow(msgspec.Struct, frozen=True, kw_only=True):
    """One row of an inventorySetQuantities call (GIDs resolved)."""

    inventory_item_id: str
    location_id: str
    quantity: int
    change_from: int | None

    def graphql(self) -> dict[str, object]:
        # 2026-04: the key must be present in every row, explicit null meaning "no check".
        return {
            "inventoryItemId": self.inventory_item_id,
            "locationId": self.location_id,
            "quantity": self.quantity,
            "changeFromQuantity": self.change_from,
        }


def batch_key(shop: str, rows: Sequence[WriteRow], message_ids: Iterable[str]) -> str:
    """The @idempotent key of one call: the same batch retried gets the same key (Shopify replays
    the first answer instead of applying twice); another batch, even with equal rows, another key."""
    digest = hashlib.sha256(shop.encode())
    for row in rows:
        digest.update(f"|{row.inventory_item_id}|{row.location_id}|{row.quantity}|{row.change_from}".encode())
    digest.update(b"#")
    for message_id in sorted(message_ids):
        digest.update(f"|{message_id}".encode())
    return f"tandem-inventory-{digest.hexdigest()[:40]}"


# --- the GraphQL documents (2026-04 shapes, reference/shopify.md §2.3) and their parsing -----------

SET_AVAILABLE = """
mutation TandemSetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""
SET_AVAILABLE_COST = 10  # a mutation costs 10 whatever its size

ITEMS_BY_SKU = """
query TandemItemsBySku($first: Int!, $query: String!) {
  inventoryItems(first: $first, query: $query) { nodes { id sku } }
}
"""


def set_available_variables(rows: Sequence[WriteRow], key: str) -> dict[str, Any]:
    # The reference document shows in Shopify's inventory history who set the number, and which
    # call (reference/shopify.md §2.4 suggests an app-owned gid).
    return {
        "input": {
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": f"gid://tandem/InventoryBatch/{key}",
            "quantities": [r.graphql() for r in rows],
        },
        "key": key,
    }


def user_errors_of_set(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    payload = data.get("inventorySetQuantities") or {}
    return list(payload.get("userErrors") or [])


def sku_search(skus: Sequence[str]) -> str:
    """A search string matching any of `skus` exactly (quoted, so dots and spaces are safe)."""
    return " OR ".join(f"sku:'{sku}'" if '"' in sku else f'sku:"{sku}"' for sku in skus)


def items_by_sku_variables(skus: Sequence[str]) -> tuple[dict[str, Any], int]:
    """Variables and estimated cost (a connection: 2 + first × node) of one SKU lookup."""
    first = min(MAX_ROWS_PER_CALL, len(skus) + 1)  # one spare: a duplicate SKU shows up as ambiguity
    return {"first": first, "query": sku_search(skus)}, 2 + first


def parse_items_by_sku(data: Mapping[str, Any], skus: Iterable[str]) -> dict[str, str | None]:
    """SKU → InventoryItem GID (exact, case-sensitive match; Shopify's search is not)."""
    found: dict[str, str | None] = dict.fromkeys(skus)
    for node in (data.get("inventoryItems") or {}).get("nodes") or []:
        sku = node.get("sku")
        if sku in found and found[sku] is None:
            found[sku] = node["id"]
    return found


LEVEL_COST = 3  # inventoryItem 1 + inventoryLevel 1 + the quantities list 1


def levels_query(pairs: Sequence[tuple[str, str]]) -> tuple[str, dict[str, Any], int]:
    """One query reading `available` for each (item GID, location GID), by alias; and its cost."""
    params = ", ".join(f"$i{n}: ID!, $l{n}: ID!" for n in range(len(pairs)))
    fields = " ".join(
        f"r{n}: inventoryItem(id: $i{n}) {{ inventoryLevel(locationId: $l{n}) "
        f'{{ quantities(names: ["available"]) {{ name quantity }} }} }}'
        for n in range(len(pairs))
    )
    variables: dict[str, Any] = {}
    for n, (item, location) in enumerate(pairs):
        variables[f"i{n}"], variables[f"l{n}"] = item, location
    return f"query TandemAvailable({params}) {{ {fields} }}", variables, LEVEL_COST * len(pairs)


def parse_levels(
    data: Mapping[str, Any], pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int | None]:
    """(item, location) → `available` now; None when the item is not stocked there (or unknown)."""
    result: dict[tuple[str, str], int | None] = {}
    for n, pair in enumerate(pairs):
        level = (data.get(f"r{n}") or {}).get("inventoryLevel") or {}
        quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
        result[pair] = quantities.get("available")
    return result
