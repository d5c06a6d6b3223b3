"""Messages of the inventory actors (sku, bundle): what gateways send them and what they publish.

Defined apart from the actors so that gateways import these types without importing any actor.
Every payload is a frozen, tagged msgspec Struct so a consumer decodes its union in one pass.
Times are epoch seconds (UTC). Locations are NetSuite location ids (gateways map Shopify/POS
locations through the contract's location map before sending).

`shop` on a Shopify order message (OrderLine, OrderCancelled, Refund) names the shop whose own
`available` the order moved: Shopify takes a line's units at its location and puts restocked units
back. The SKU actor follows those movements to know what Shopify holds before each write
(InventorySet.compare_quantity). None (older messages) attributes nothing. Holds carry no shop:
Shopify reserves nothing at checkout (reference/shopify.md), so a hold is Tandem's bookkeeping.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from bus import subjects

SKU_KIND = "sku"
BUNDLE_KIND = "bundle"
NonNegative = Annotated[int, msgspec.Meta(ge=0)]
Positive = Annotated[int, msgspec.Meta(gt=0)]


class _Message(msgspec.Struct, frozen=True, kw_only=True):
    pass


# --- from the NetSuite poller ---------------------------------------------------------------------


class StockReading(_Message, frozen=True, kw_only=True, tag="sku.stock_reading"):
    """One `inventoryitemlocations` row: NetSuite's view of the SKU at a location at `read_at`."""

    location: str
    on_hand: int  # NetSuite allows negative inventory
    committed: int
    in_transit: int = 0
    read_at: float  # when NetSuite was read (not when the message was sent): orders readings


class SalesOrderSeen(_Message, frozen=True, kw_only=True, tag="sku.sales_order_seen"):
    """NetSuite holds a sales order whose external id is this Shopify order (DESIGN §5).

    Its times must err later, never earlier (NetSuite gives whole seconds: round up). A reading
    taken after `created_at` is trusted to include the order in `committed`; with a time too early,
    a reading that missed the order would drop its pending line and the units would be subtracted
    nowhere (over-publish).
    """

    order_id: str  # the Shopify order id
    created_at: float  # the sales order's creation time in NetSuite
    modified_at: float | None = None  # its last modification, when it was updated after an edit
    seen_at: float  # when the poller read it


# --- from Shopify / POS ---------------------------------------------------------------------------


class OrderLine(_Message, frozen=True, kw_only=True, tag="sku.order_line"):
    """A Shopify/POS order line for this SKU, full state as of `version_at` (create and edit alike).

    `quantity` is the line's quantity after order edits and NOT reduced by refunds (those come as
    `Refund`). `edited_at` is when Shopify last changed its quantity or location (None: as placed);
    it tells whether a sales order created earlier can already contain this quantity.
    """

    order_id: str
    line_id: str
    location: str
    quantity: NonNegative  # 0 when an edit removed the line
    version_at: float  # Shopify's updated_at for this state: a newer version replaces an older one
    edited_at: float | None = None
    shop: str | None = None  # the shop it was sold in (module docstring)
    # The bundle SKU this line was sold as, when it is a bundle's component demand: Shopify took
    # the bundle's own item then, not this SKU's.
    bundle: str | None = None


class OrderCancelled(_Message, frozen=True, kw_only=True, tag="sku.order_cancelled"):
    """The order was cancelled; what Shopify put back with it arrives as its restocking `Refund`s."""

    order_id: str
    cancelled_at: float
    shop: str | None = None


class RefundLine(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    quantity: Positive
    restock: bool  # Shopify restock_type cancel/return → True; no_restock → False


class Refund(_Message, frozen=True, kw_only=True, tag="sku.refund"):
    """A Shopify refund's lines for this SKU; applied once per refund_id."""

    order_id: str
    refund_id: str
    lines: tuple[RefundLine, ...]
    shop: str | None = None


class HoldPlaced(_Message, frozen=True, kw_only=True, tag="sku.hold_placed"):
    """A POS/checkout hold; placing the same hold_id again replaces it (quantity or expiry). `shop`:
    the shop whose device placed it (its Shopify location for `location` is where, if Shopify
    reserved the units itself, they come back when the hold ends: level_check.py)."""

    hold_id: str
    location: str
    quantity: Positive
    expires_at: float
    shop: str | None = None


class HoldReleased(_Message, frozen=True, kw_only=True, tag="sku.hold_released"):
    """The hold ended before its expiry. `order_id`: it ended because that Shopify order took its
    units (a checkout): the order's own lines carry the demand from then on, once they arrive."""

    hold_id: str
    order_id: str | None = None


class HoldExpired(_Message, frozen=True, kw_only=True, tag="sku.hold_expired"):
    """Delivered by the actor's own timer at the hold's expiry."""

    hold_id: str


# --- from the Shopify inventory writer -------------------------------------------------------------


class TargetConfirmed(_Message, frozen=True, kw_only=True, tag="sku.target_confirmed"):
    """The writer is done with the InventorySet rows up to `cause_id` at one Shopify location: Shopify
    accepted them (or already held the value, or the row can never be written there). Sent only for
    commands that asked for it (`InventorySet.confirm`): a shared location's lowered value
    (actors/sku/pool_gate.py) counts at its old height until then."""

    shop: str
    location_id: str  # Shopify location GID
    quantity: int  # the value the last of those rows asked for
    cause_id: str  # the cause of the last of those rows
    # <= 0: Shopify holds this much below `quantity` in the actor's terms (not floored at 0): units
    # the shop sold that the actor had not counted when it wrote (the writer's known drift).
    drift: int = 0


class ShortfallRecheck(_Message, frozen=True, kw_only=True, tag="sku.shortfall_recheck"):
    """Delivered by the actor's own timer a while after the writer reported units missing at a
    pooled target (`target`, a target key): if no sale heard since explains them, look again.
    `verify`: a while after a hold of that shop there ended: look again anyway."""

    target: str
    verify: bool = False


class ShopifyLevelSeen(_Message, frozen=True, kw_only=True, tag="sku.shopify_level"):
    """Shopify says `available` at one of its locations is now this (inventory_levels/update, our own
    writes included): the actor checks it against what it expects there (actors/sku/level_check.py)."""

    shop: str
    location_id: str  # Shopify location GID
    available: int
    updated_at: float  # Shopify's time of the change (whole seconds)


# --- between actors: bundle → component (actors/kit_split.py) ---------------------------------------


class KitReserve(_Message, frozen=True, kw_only=True, tag="sku.kit_reserve"):
    """Units of this component to set aside for `bundle` at each Shopify location (target key); the
    whole picture each time: a location left out reserves nothing."""

    bundle: str
    seq: int  # increases with every reserve of this bundle: a component ignores an older one
    targets: dict[str, int]
    # At locations split between shops: the most kits the kit's item may hold there now (its last
    # value, or an older higher one until that lower is confirmed): the component's pool gate counts
    # them (actors/sku/pool_gate.py).
    holds: dict[str, int] = {}


# --- control --------------------------------------------------------------------------------------


class Resync(_Message, frozen=True, kw_only=True, tag="resync"):
    """Republish every value (even unchanged) and retry parked messages against the contract."""


class SetChannelBuffer(_Message, frozen=True, kw_only=True, tag="sku.set_channel_buffer"):
    channel: str
    buffer: NonNegative


# --- between actors: component → bundle ----------------------------------------------------------


class ChannelValue(msgspec.Struct, frozen=True):
    channel: str
    value: int


class TargetValue(msgspec.Struct, frozen=True):
    """A value for one Shopify location of one shop (the unit Shopify stores `available` by)."""

    channel: str
    shop: str
    location_id: str  # Shopify location GID
    value: int


class ComponentAvailability(_Message, frozen=True, kw_only=True, tag="bundle.component_availability"):
    """A component SKU's current availability, sent to every bundle containing it."""

    component: str
    seq: int  # increases with every report of this component: a bundle ignores an older one
    channels: tuple[ChannelValue, ...]
    targets: tuple[TargetValue, ...]  # before any kit's reserve
    changed_at: float
    # With kits split: what the bundle may count on the component having set aside for it per
    # location (actors/sku/kit_reserves.py), as of the bundle's KitReserve `reserve_seq`.
    reserved: tuple[TargetValue, ...] = ()
    reserve_seq: int = 0
    # ... and the kits it has heard were sold per location (kit_reserves.kits_sold): until it has
    # heard of a sale the bundle actor heard of, that kit's units still count in its reserve.
    kits_sold: tuple[TargetValue, ...] = ()


SkuMessage = (
    StockReading | SalesOrderSeen | OrderLine | OrderCancelled | Refund | HoldPlaced | HoldReleased
    | HoldExpired | Resync | SetChannelBuffer | TargetConfirmed | ShopifyLevelSeen | KitReserve
    | ShortfallRecheck
)
# the kit's own order lines, cancellations and refunds reach it with kits split (actors/kit_split.py)
BundleMessage = (
    ComponentAvailability | Resync | TargetConfirmed | OrderLine | OrderCancelled | Refund | ShortfallRecheck
)


# --- published ------------------------------------------------------------------------------------

INVENTORY_SET_OP = "inventory_set"


def available_subject(channel: str) -> str:
    """Where a channel's available-to-sell changes are emitted (marketplaces, dashboard, tests)."""
    return subjects.available(channel)


class AvailableChanged(_Message, frozen=True, kw_only=True, tag="available_changed"):
    """A channel's available-to-sell for a SKU (or bundle) changed."""

    sku: str
    channel: str
    shop: str | None
    value: int
    previous: int | None  # last value published for this channel; None the first time
    changed_at: float  # time of the message that caused the change (for latency measurement)
    cause_id: str  # id of that message


class InventorySet(_Message, frozen=True, kw_only=True, tag="inventory_set"):
    """Outbox command: set Shopify `available` for (sku, location) with compare-and-set.

    The writer coalesces and batches these into inventorySetQuantities; `compare_quantity` is the
    `available` Tandem expects Shopify to hold there right now: the value it last published, moved
    by the Shopify-side sales and restocks it has seen since (None: never published, no compare).
    """

    sku: str
    shop: str
    channel: str
    location_id: str  # Shopify location GID
    quantity: int
    compare_quantity: int | None
    changed_at: float
    cause_id: str
    # Tell the SKU actor once Shopify took this value (TargetConfirmed): set where another shop sells
    # the same units and a higher value may still stand in Shopify until this write lands.
    confirm: bool = False
    # Write even if the value equals the compare: Shopify said it holds more (actors/sku/level_check.py),
    # and only a compare-and-set shows whether it still does.
    verify: bool = False
    kind: str = SKU_KIND  # the actor kind that wrote it: where a TargetConfirmed goes (a kit: bundle)


class MessageParked(_Message, frozen=True, kw_only=True, tag="message_parked"):
    """Alert: a message an actor cannot apply yet (unknown SKU, location or channel), kept in its state."""

    kind: str
    key: str
    reason: str
    message_id: str
    message_type: str
