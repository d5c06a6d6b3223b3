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
  which location fulfils it (fulfillment orders are GraphQL-only, `origin_location` is gone), so a
  web line is demand at the shop's *web location*: the first location, in file order, of the shop's
  first storefront channel that is mapped in that shop (else the first non-POS mapped location). It
  must not move between versions of the line: a changed location counts as an edit in the actor.
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

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

import msgspec

from actors.sku_messages import OrderCancelled, OrderLine, Refund, RefundLine, SkuMessage
from contract.config import Contract

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
REFUND_TOPICS = frozenset({"refunds/create"})
ROUTED_TOPICS = ORDER_TOPICS | REFUND_TOPICS
# Refund restock types that put units back (return) or never took them (cancel); legacy_restock is
# Shopify's read-only name for refunds made before restock types existed, which did restock.
RESTOCKING = frozenset({"cancel", "return", "legacy_restock"})
SHOPIFY_LOCATION_GID = "gid://shopify/Location/{}"

T = TypeVar("T")
Id = int | str  # REST ids are numbers; accept strings too so a hand-made body is not rejected for it


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
    """One message for one SKU actor, with the id that deduplicates it everywhere."""

    sku: str
    message_id: str
    payload: SkuMessage


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


# --- locations --------------------------------------------------------------------------------------


def location_gid(location_id: Id) -> str:
    """A REST numeric location id (or a GID already) as the GID the contract maps."""
    text = str(location_id)
    return text if text.startswith("gid://") else SHOPIFY_LOCATION_GID.format(text)


def unmapped_location(shop: str, shopify_location: str) -> str:
    """The location of a message whose Shopify location the contract does not map (parked by the actor)."""
    return f"unmapped:{shop}:{shopify_location}"


def netsuite_location(contract: Contract, shop: str, shopify_location: Id) -> str:
    """The NetSuite location id mapped to a Shopify location of `shop`, else an unmapped marker."""
    gid = location_gid(shopify_location)
    for location in contract.locations:
        if location.shopify.get(shop) == gid:
            return location.netsuite_id
    return unmapped_location(shop, gid)


def web_location(contract: Contract, shop: str) -> str:
    """Where a web order's demand counts (see the module docstring for why)."""
    mapped = {loc.netsuite_id for loc in contract.locations if shop in loc.shopify}
    for channel in contract.channels:
        if channel.kind == "storefront" and channel.shop == shop:
            for netsuite_id in channel.locations:
                if netsuite_id in mapped:
                    return netsuite_id
    for location in contract.locations:
        if shop in location.shopify and not location.pos:
            return location.netsuite_id
    return unmapped_location(shop, "web")


def resolve_location(contract: Contract, shop: str, given: str) -> str:
    """A POS/hold location given as a NetSuite id or a Shopify location GID, as a NetSuite id."""
    if contract.location(given) is not None:
        return given
    return netsuite_location(contract, shop, given)


# --- translation ------------------------------------------------------------------------------------


def inventory_skus(contract: Contract, sku: str | None, gift_card: bool) -> list[tuple[str, int]]:
    """(SKU, units per line unit) whose actors a line concerns: none, itself, or a bundle's components."""
    if gift_card or not sku:
        return []
    bundle = contract.bundle(sku)
    if bundle is None:
        return [(sku, 1)]
    return sorted(bundle.components.items())


def refunded_units(order: RestOrder) -> dict[str, int]:
    """Units refunded per line id, over every refund on the order."""
    refunded: dict[str, int] = {}
    for refund in order.refunds:
        for line in refund.refund_line_items:
            key = str(line.line_item_id)
            refunded[key] = refunded.get(key, 0) + line.quantity
    return refunded


def order_line_commands(contract: Contract, shop: str, order: RestOrder) -> list[SkuCommand]:
    """One full-state OrderLine per inventory line (per component for a bundle)."""
    version_at = epoch_seconds(order.updated_at, "updated_at")
    location = (
        netsuite_location(contract, shop, order.location_id)
        if order.location_id is not None
        else web_location(contract, shop)
    )
    refunded = refunded_units(order)
    commands = []
    for line in order.line_items:
        line_id = str(line.id)
        current = line.quantity if line.current_quantity is None else line.current_quantity
        edited_quantity = max(0, current + refunded.get(line_id, 0))
        bundle = line.sku if line.sku and contract.bundle(line.sku) is not None else None
        for sku, units in inventory_skus(contract, line.sku, line.gift_card):
            message = OrderLine(
                order_id=str(order.id),
                line_id=line_id,
                location=location,
                quantity=edited_quantity * units,
                version_at=version_at,
                shop=shop,
                bundle=bundle,
            )
            # The state is in the id, not only its version: updated_at has whole seconds, so two
            # states of one line can share a version; they must not share an id (JetStream would
            # drop the second before the actor could decide about it).
            state_key = f"v{version_at:.3f}:q{message.quantity}@{location}"
            message_id = f"shopify:{shop}:order:{order.id}:line:{line_id}:{sku}:{state_key}"
            commands.append(SkuCommand(sku=sku, message_id=message_id, payload=message))
    return commands


def refund_commands(contract: Contract, shop: str, refund: RestRefund) -> list[SkuCommand]:
    """One Refund per SKU the refund touches, with that SKU's lines."""
    lines_by_sku: dict[str, list[RefundLine]] = {}
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
        for sku, units in inventory_skus(contract, row.line_item.sku, row.line_item.gift_card):
            lines_by_sku.setdefault(sku, []).append(
                RefundLine(line_id=str(row.line_item_id), quantity=row.quantity * units, restock=restock)
            )
    return [
        SkuCommand(
            sku=sku,
            message_id=f"shopify:{shop}:refund:{refund.id}:{sku}",
            payload=Refund(
                order_id=str(refund.order_id), refund_id=str(refund.id), lines=tuple(lines), shop=shop
            ),
        )
        for sku, lines in sorted(lines_by_sku.items())
    ]


def cancel_commands(contract: Contract, shop: str, order: RestOrder) -> list[SkuCommand]:
    """OrderCancelled to every SKU of a cancelled order (none if it is not cancelled)."""
    if order.cancelled_at is None:
        return []
    cancelled_at = epoch_seconds(order.cancelled_at, "cancelled_at")
    skus = sorted(
        {sku for line in order.line_items for sku, _ in inventory_skus(contract, line.sku, line.gift_card)}
    )
    return [
        SkuCommand(
            sku=sku,
            message_id=f"shopify:{shop}:order:{order.id}:cancelled:{sku}",
            payload=OrderCancelled(order_id=str(order.id), cancelled_at=cancelled_at, shop=shop),
        )
        for sku in skus
    ]


def order_commands(contract: Contract, shop: str, order: RestOrder) -> list[SkuCommand]:
    """Everything an order's full state says to the SKU actors: lines, its refunds, its cancellation."""
    commands = order_line_commands(contract, shop, order)
    for refund in order.refunds:
        commands.extend(refund_commands(contract, shop, refund))
    commands.extend(cancel_commands(contract, shop, order))
    return commands


def translate_webhook(contract: Contract, shop: str, topic: str, body: bytes) -> list[SkuCommand]:
    """SKU-actor messages for one webhook; topics that carry no demand give none."""
    if topic in ORDER_TOPICS:
        return order_commands(contract, shop, decode_order(body))
    if topic in REFUND_TOPICS:
        return refund_commands(contract, shop, decode_refund(body))
    return []


def skus_of(commands: Iterable[SkuCommand]) -> list[str]:
    return sorted({command.sku for command in commands})
