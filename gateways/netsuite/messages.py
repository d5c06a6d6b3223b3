"""Messages the NetSuite poller publishes besides the SKU actors' (those are in actors/sku_messages.py)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

ITEM_EVENT_KIND = "item"  # published on subjects.netsuite_event(ITEM_EVENT_KIND) = evt.netsuite.item


class ItemChanged(msgspec.Struct, frozen=True, kw_only=True, tag="netsuite.item_changed"):
    """An item's master data as NetSuite holds it after a save (DESIGN §2: NetSuite owns items).

    Full state, not a diff: a consumer compares it with what the channel shows. `price` and `weight`
    are exact decimals (encoded as strings); None when NetSuite has no value or the column is not read.
    """

    item_id: str  # NetSuite internal id
    sku: str  # item.itemid
    title: str | None
    price: Decimal | None
    weight: Decimal | None
    active: bool
    item_type: str  # InvtPart, Kit, Assembly, …
    modified_at: float  # NetSuite's lastmodifieddate (epoch seconds; the later reading of a repeated hour)
    read_at: float  # when the poller read it


NetSuiteEvent = ItemChanged
