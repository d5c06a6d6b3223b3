"""What the POS gateway puts on the ingress stream; the router turns them into SKU-actor messages."""

from __future__ import annotations

from typing import Annotated

import msgspec

HOLD_KIND = "hold"
HOLD_RELEASE_KIND = "hold_release"


class PosHoldPlaced(msgspec.Struct, frozen=True, kw_only=True, tag="pos.hold_placed"):
    """A POS/checkout hold as the device sent it; `location` is a NetSuite id or a Shopify location GID."""

    hold_id: str
    shop: str
    location: str
    sku: str
    quantity: Annotated[int, msgspec.Meta(gt=0)]
    expires_at: float  # epoch seconds; the SKU actor's own timer ends the hold then


class PosHoldReleased(msgspec.Struct, frozen=True, kw_only=True, tag="pos.hold_released"):
    hold_id: str
    shop: str
    sku: str
    location: str | None = None
    order_id: str | None = None  # the Shopify order (numeric id) the held units went into, if any


PosMessage = PosHoldPlaced | PosHoldReleased
