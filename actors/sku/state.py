"""What a SKU actor remembers, as JSON-encodable Structs the runtime snapshots.

Defaults are left out of the JSON (`omit_defaults`): a hot SKU remembers many settled orders, and
its snapshot must stay small.

All records are frozen and decide builds new ones (copying only the dict it changes), so a turn
never mutates the state it was given. Dict order never matters to a result: sums are order-free
and effects follow the contract's order.
"""

from __future__ import annotations

import msgspec

from actors.sku_messages import RefundLine, SkuMessage


class LocationStock(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """NetSuite's view of one location as of the newest reading applied."""

    on_hand: int = 0
    committed: int = 0
    in_transit: int = 0
    read_at: float | None = None  # None: never read (all quantities count as 0)


class DemandLine(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    location: str
    quantity: int
    version_at: float
    edited_at: float | None = None
    bundle: str | None = None  # sold as this bundle: Shopify's movement was on the bundle's item


class OrderDemand(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Everything known about one Shopify order's demand for this SKU, from both systems."""

    lines: dict[str, DemandLine] = {}
    refunds: dict[str, tuple[RefundLine, ...]] = {}  # by refund id: applied once
    cancelled_at: float | None = None
    # The NetSuite sales order for it, once sighted (DESIGN §5): created, and last modified.
    sales_order_created_at: float | None = None
    sales_order_changed_at: float | None = None
    last_activity_at: float = 0.0  # message time of the last change, for retention
    shop: str | None = None  # the shop it was placed in, once a message named it


class Hold(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    location: str
    quantity: int
    expires_at: float
    # Released into this Shopify order, whose lines have not arrived yet: the hold still counts
    # (transitions.hold_released), until they do.
    converted_to: str | None = None
    shop: str | None = None  # the shop whose device placed it (HoldPlaced.shop)


class Parked(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A message kept because it cannot be applied yet; retried on Resync."""

    reason: str
    message_id: str
    time: float
    payload: SkuMessage


class Ceiling(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """At most `value` may stand in Shopify at a target until the write caused by `last_cause` is
    confirmed (actors/sku/pool_gate.py)."""

    value: int
    last_cause: str


class Shortfall(msgspec.Struct, frozen=True, kw_only=True):
    """Units a shop sold at a pooled target that Tandem had not heard of when the writer reported
    them (TargetConfirmed.drift), as of the value `published` there; sales heard since explain them."""

    drift: int  # <= 0
    published: int
    # when units at this target first went unexplained, this run (None: a snapshot from before)
    since: float | None = None


class Reserve(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A kit's newest KitReserve: units to set aside per target key (actors/kit_split.py), and what
    the kit was last told it may count on there (kit_reserves.reserves_to_report)."""

    seq: int
    targets: dict[str, int] = {}
    reported: dict[str, int] = {}
    reported_seq: int = 0  # the seq the kit was last told this reserve follows
    holds: dict[str, int] = {}  # KitReserve.holds: kits its item may hold at pooled targets
    # Kits of this bundle sold, as this component had heard, when it last reported (per target):
    # each kit sold since took its units out of what the kit was told it may count on.
    reported_sold: dict[str, int] = {}


class SkuState(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    sku: str
    stock: dict[str, LocationStock] = {}  # by NetSuite location id
    orders: dict[str, OrderDemand] = {}  # by Shopify order id
    # Derived from `orders` and `stock`, kept so a turn need not visit every remembered order:
    # order id -> location -> units NetSuite has not absorbed (orders with none are absent).
    pending: dict[str, dict[str, int]] = {}
    holds: dict[str, Hold] = {}  # live holds by hold id
    # Released or expired hold id -> the later of its end and its expiry: a late redelivery of its
    # placement stays ended. Forgotten a day after (demand.HOLD_MEMORY_S).
    ended_holds: dict[str, float] = {}
    buffer_overrides: dict[str, int] = {}  # channel -> buffer set by an operator
    published_channels: dict[str, int] = {}  # channel -> last value emitted
    published_targets: dict[str, int] = {}  # target key (see availability.target_key) -> last value set
    # Target key -> the `available` Tandem expects Shopify to hold there now: the last value set,
    # moved by the Shopify-side sales and restocks seen since (shopify_expected.py). A key absent
    # here (a snapshot older than this field) expects the last value set.
    expected_targets: dict[str, int] = {}
    # Target key -> a value Shopify may still hold there above `expected_targets` (a lowered shared
    # location's old value, until its write is confirmed), and the cause of the last write sent there.
    unconfirmed: dict[str, Ceiling] = {}
    shortfalls: dict[str, Shortfall] = {}  # target key -> the writer's last report there
    # Target key -> the last values sent there, newest last: Shopify echoes each of them back in an
    # inventory_levels/update, often after later sales moved the expected value (level_check.py).
    recent_targets: dict[str, tuple[int, ...]] = {}
    bundle_seq: int = 0  # sequence of reports sent to bundles
    kit_reserves: dict[str, Reserve] = {}  # bundle SKU -> what it asked to set aside (kits "split")
    pruned_at: float = 0.0  # message time of the last sweep for expired records
    parked: list[Parked] = []
