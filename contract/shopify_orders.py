"""Shopify order webhooks → SKU-actor messages (pure: bytes and the contract in, messages out).

Every `orders/*` body is the whole REST order (reference/shopify.md §3.2), so each one is translated
as full state: one `OrderLine` per inventory line, one `Refund` per refund already on the order, and
`OrderCancelled` once it is cancelled. A dropped `refunds/create` is thus repaired by the next order
webhook (or the reconciler), and message ids derived from content make the repeats free: JetStream
drops them at the door and the SKU actor ignores what it already applied.

Rules, each with its why:
- Quantity: `OrderLine.quantity` is the line after edits and *not* reduced by refunds (those arrive
  as `Refund`). Shopify's `current_quantity` is reduced by both, so the refunded units of the line
  (from the order's own `refunds`) are added back. The emulator (like Shopify's order-edit refunds)
  books an edit that lowers a line as a refund with restock_type `cancel`, so it reaches the actor
  exactly once, as a restocking Refund.
- Location: a POS sale carries its store in `location_id`. A web order's REST body does not say
  where Shopify fills it (fulfillment orders are GraphQL-only, `origin_location` is gone), so by
  default a web line is demand at the shop's *web location*: the first location, in file order, of
  the shop's first storefront channel that is mapped in that shop (else the first non-POS mapped
  location). Where that can be wrong, in a shop whose storefronts map several locations
  (`split_locations`), the router reads from Shopify where it holds each line's units taken (still
  to ship from a location, or shipped from it: `LineLocations`) and passes that in: see "Split
  lines". A location change between versions counts as an edit in the actor: so does a re-route.
- Split lines: a line is one OrderLine under its own id at its *main* location (the web location
  if Shopify holds units there, else where it holds most) and one per other storefront location
  under `<line id>@<location GID>` with the units held there. All of them every time, zero where
  none are, so a share that moves away is zeroed, not left behind (the translation keeps no state:
  it cannot know which shares an earlier version had). The main part keeps the line id because
  refunds name it: it carries the rest of the line's quantity (its own units and every refunded
  unit), and the actor takes restocked refunds off it, which leaves exactly its own units (units
  refunded without restock stay demand there, as for any line). The one inexact case: units
  returned to stock at a share's location are taken off the main part while the share keeps them
  (a split line returned before NetSuite absorbed its order). A line Shopify holds nothing for is
  at the web location; units at a location outside the storefront ones count at the main part
  (such a share could not be zeroed later). The parts add up to the body's quantity, whatever
  the read (made later than the body) says.
- A Shopify location the contract cannot map still produces a message, with the location
  `unmapped:<shop>:<gid>`, which no NetSuite id can equal: the SKU actor parks it and reports it.
- Gift cards and lines without a SKU are no inventory: skipped. A bundle SKU is demand on its
  components (units per bundle × quantity): the bundle's own actor never takes order lines. Such a
  line names its bundle: in Shopify the sale took the bundle's own item, not the components'.
- Shop: every message names the shop it came from, so the SKU actor can follow Shopify's own
  `available` there (sales take units, restocking refunds put them back) and compare-and-set
  against what Shopify really holds (actors/sku/shopify_expected.py).
- `edited_at`: REST bodies carry no edit times, so it is left None; the SKU actor treats a changed
  quantity without an edit time as edited as late as possible (actors/sku/transitions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TypeVar

import msgspec

from actors.sku_messages import (
    BUNDLE_KIND,
    SKU_KIND,
    OrderCancelled,
    OrderLine,
    Refund,
    RefundLine,
    SkuMessage,
)
from contract.config import Contract
from contract.shopify_locations import (
    Id,
    LinePart,
    line_parts,
    netsuite_location,
    split_locations,
    web_location,
)
from contract.shopify_locations import resolve_location as resolve_location  # gateways import it here

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
REFUND_TOPICS = frozenset({"refunds/create"})
ROUTED_TOPICS = ORDER_TOPICS | REFUND_TOPICS
# Refund restock types that put units back (return) or never took them (cancel); legacy_restock is
# Shopify's read-only name for refunds made before restock types existed, which did restock.
RESTOCKING = frozenset({"cancel", "return", "legacy_restock"})

T = TypeVar("T")
# Units Shopify holds taken for each order line (REST line id) at each Shopify location GID: still
# to ship from there, plus shipped from there (read by gateways/shopify/fulfillment_orders.py).
LineLocations = Mapping[str, Mapping[str, int]]


class ShopifyPayloadError(ValueError):
    """A webhook body that does not have what the translation needs; names the field."""


class RestLineItem(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    sku: str | None = None
    quantity: int
    current_quantity: int | None = None
    gift_card: bool = False


class RestRefundLine(msgspec.Struct, frozen=True, kw_only=True):
    line_item_id: Id
    quantity: int
    restock_type: str | None = None
    line_item: RestLineItem | None = None


class RestRefund(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    order_id: Id
    restock: bool | None = None
    refund_line_items: list[RestRefundLine] = []


class RestOrder(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    updated_at: str
    cancelled_at: str | None = None
    location_id: Id | None = None
    source_name: str | None = None
    line_items: list[RestLineItem] = []
    refunds: list[RestRefund] = []


class SkuCommand(msgspec.Struct, frozen=True, kw_only=True):
    """One message for one SKU actor (or, `kind` "bundle", a kit's own bundle actor), with the id
    that deduplicates it everywhere."""

    sku: str
    message_id: str
    payload: SkuMessage
    kind: str = SKU_KIND


# --- decoding ---------------------------------------------------------------------------------------


def _decode(body: bytes, kind: type[T], what: str) -> T:
    try:
        return msgspec.json.decode(body, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ShopifyPayloadError(f"{what} body: {exc}") from exc


def decode_order(body: bytes) -> RestOrder:
    return _decode(body, RestOrder, "order")


def decode_refund(body: bytes) -> RestRefund:
    return _decode(body, RestRefund, "refund")


def epoch_seconds(value: str, field: str) -> float:
    """An ISO 8601 time with offset (Shopify's `2026-04-01T10:00:00-05:00` or `…Z`) as epoch seconds."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ShopifyPayloadError(f"{field}: not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise ShopifyPayloadError(f"{field}: time without an offset: {value!r}")
    return moment.timestamp()


# --- where a web line counts (lookups: contract/shopify_locations.py) ---------------------------------


def needs_fulfillment_orders(contract: Contract, shop: str, order: RestOrder) -> bool:
    """Whether where Shopify fills this order can differ from the web location (module docstring)."""
    return (
        order.location_id is None
        and len(split_locations(contract, shop)) > 1
        and any(inventory_skus(contract, line.sku, line.gift_card) for line in order.line_items)
    )


# --- translation ------------------------------------------------------------------------------------


def inventory_skus(contract: Contract, sku: str | None, gift_card: bool) -> list[tuple[str, int]]:
    """(SKU, units per line unit) whose actors a line concerns: none, itself, or a bundle's components."""
    if gift_card or not sku:
        return []
    bundle = contract.bundle(sku)
    if bundle is None:
        return [(sku, 1)]
    return sorted(bundle.components.items())


def line_actors(contract: Contract, sku: str | None, gift_card: bool) -> list[tuple[str, str, int]]:
    """(actor kind, key, units per line unit) a line concerns: `inventory_skus`, and with kits split
    the kit's own bundle actor too, which follows what its Shopify item sold (actors/kit_split.py)."""
    actors = [(SKU_KIND, name, units) for name, units in inventory_skus(contract, sku, gift_card)]
    if sku and not gift_card and contract.inventory.kits == "split" and contract.bundle(sku) is not None:
        actors.append((BUNDLE_KIND, sku, 1))
    return actors


def refunded_units(order: RestOrder) -> dict[str, int]:
    """Units refunded per line id, over every refund on the order."""
    refunded: dict[str, int] = {}
    for refund in order.refunds:
        for line in refund.refund_line_items:
            key = str(line.line_item_id)
            refunded[key] = refunded.get(key, 0) + line.quantity
    return refunded


def order_line_commands(
    contract: Contract, shop: str, order: RestOrder, assigned: LineLocations | None = None
) -> list[SkuCommand]:
    """One full-state OrderLine per inventory line (per component for a bundle), per part when the
    router read where Shopify holds the lines' units (`assigned`; None: not looked up)."""
    version_at = epoch_seconds(order.updated_at, "updated_at")
    location = (
        netsuite_location(contract, shop, order.location_id)
        if order.location_id is not None
        else web_location(contract, shop)
    )
    refunded = refunded_units(order)
    split = assigned is not None and needs_fulfillment_orders(contract, shop, order)
    commands = []
    for line in order.line_items:
        line_id = str(line.id)
        current = line.quantity if line.current_quantity is None else line.current_quantity
        edited_quantity = max(0, current + refunded.get(line_id, 0))
        bundle = line.sku if line.sku and contract.bundle(line.sku) is not None else None
        parts = (
            line_parts(contract, shop, edited_quantity, assigned.get(line_id, {}))
            if split and assigned is not None
            else [LinePart("", location, edited_quantity)]
        )
        # Shares with units first: a move applies its increase before its decrease (to zero), so the
        # actor's turns in between count the units twice (under-publish) rather than nowhere.
        parts.sort(key=lambda part: part.quantity == 0)
        for kind, sku, units in line_actors(contract, line.sku, line.gift_card):
            for part in parts:
                message = OrderLine(
                    order_id=str(order.id),
                    line_id=line_id + part.suffix,
                    location=part.location,
                    quantity=part.quantity * units,
                    version_at=version_at,
                    shop=shop,
                    bundle=bundle if kind == SKU_KIND else None,  # the kit's actor: its own item
                )
                # The state is in the id, not only its version: updated_at has whole seconds, so two
                # states of one line can share a version; they must not share an id (JetStream would
                # drop the second before the actor could decide about it).
                state_key = f"v{version_at:.3f}:q{message.quantity}@{part.location}"
                message_id = f"shopify:{shop}:order:{order.id}:line:{message.line_id}:{sku}:{state_key}"
                commands.append(SkuCommand(sku=sku, message_id=message_id, payload=message, kind=kind))
    return commands


def refund_commands(contract: Contract, shop: str, refund: RestRefund) -> list[SkuCommand]:
    """One Refund per SKU the refund touches, with that SKU's lines."""
    lines_by_sku: dict[tuple[str, str], list[RefundLine]] = {}
    for row in refund.refund_line_items:
        if row.quantity <= 0:
            continue  # Shopify lists zero-quantity rows for shipping-only refunds
        if row.line_item is None:
            raise ShopifyPayloadError(
                f"refund {refund.id}: refund_line_items[line_item_id={row.line_item_id}].line_item is missing"
            )
        restock = (row.restock_type or "").lower() in RESTOCKING
        if row.restock_type is None and refund.restock is not None:
            restock = refund.restock  # bodies older than restock_type carry one flag for the refund
        for kind, sku, units in line_actors(contract, row.line_item.sku, row.line_item.gift_card):
            lines_by_sku.setdefault((kind, sku), []).append(
                RefundLine(line_id=str(row.line_item_id), quantity=row.quantity * units, restock=restock)
            )
    return [
        SkuCommand(
            sku=sku,
            message_id=f"shopify:{shop}:refund:{refund.id}:{sku}",
            payload=Refund(
                order_id=str(refund.order_id), refund_id=str(refund.id), lines=tuple(lines), shop=shop
            ),
            kind=kind,
        )
        for (kind, sku), lines in sorted(lines_by_sku.items())
    ]


def cancel_commands(contract: Contract, shop: str, order: RestOrder) -> list[SkuCommand]:
    """OrderCancelled to every SKU of a cancelled order (none if it is not cancelled)."""
    if order.cancelled_at is None:
        return []
    cancelled_at = epoch_seconds(order.cancelled_at, "cancelled_at")
    actors = sorted(
        {
            (kind, sku)
            for line in order.line_items
            for kind, sku, _ in line_actors(contract, line.sku, line.gift_card)
        }
    )
    return [
        SkuCommand(
            sku=sku,
            message_id=f"shopify:{shop}:order:{order.id}:cancelled:{sku}",
            payload=OrderCancelled(order_id=str(order.id), cancelled_at=cancelled_at, shop=shop),
            kind=kind,
        )
        for kind, sku in actors
    ]


def order_commands(
    contract: Contract, shop: str, order: RestOrder, assigned: LineLocations | None = None
) -> list[SkuCommand]:
    """Everything an order's full state says to the SKU actors: lines, its refunds, its cancellation."""
    commands = order_line_commands(contract, shop, order, assigned)
    for refund in order.refunds:
        commands.extend(refund_commands(contract, shop, refund))
    commands.extend(cancel_commands(contract, shop, order))
    return commands


def translate_webhook(
    contract: Contract, shop: str, topic: str, body: bytes, assigned: LineLocations | None = None
) -> list[SkuCommand]:
    """SKU-actor messages for one webhook; topics that carry no demand give none. `assigned`: where
    Shopify assigned an order's lines, when the router looked it up (needs_fulfillment_orders)."""
    if topic in ORDER_TOPICS:
        return order_commands(contract, shop, decode_order(body), assigned)
    if topic in REFUND_TOPICS:
        return refund_commands(contract, shop, decode_refund(body))
    return []


def skus_of(commands: Iterable[SkuCommand]) -> list[str]:
    return sorted({command.sku for command in commands})
