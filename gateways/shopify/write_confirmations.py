"""Telling an actor that a write it asked to hear about is done (actors/sku/pool_gate.py, and a kit's
bundle actor: actors/kit_split.py).

A lowered value at a location two shops sell from counts at its old height until its write lands;
only then may the other shop's share rise. The writer publishes `TargetConfirmed` to the SKU's
actor subject for every row whose commands asked for it (`InventorySet.confirm`), once Shopify
took the row, already held it, or can never hold it. The message id is derived from the row's
last cause, so a repeat after a crash is dropped by JetStream and ignored by the actor.
"""

from __future__ import annotations

from actors.sku_messages import TargetConfirmed
from bus import subjects
from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from contract.shopify_inventory import PendingRow


class WriteConfirmations:
    def __init__(self, bus: Bus, shop: str) -> None:
        self.bus, self.shop = bus, shop
        self.sent = 0

    async def confirm(self, row: PendingRow, drift: int = 0) -> None:
        """`drift`: how far (<= 0) Shopify holds below the row's quantity, in the actor's terms."""
        if not row.confirm:
            return
        message = TargetConfirmed(
            shop=self.shop, location_id=row.location_id, quantity=row.quantity, cause_id=row.cause_id,
            drift=drift,
        )
        msg_id = f"confirm:{self.shop}:{row.location_id}:{row.sku}:{row.cause_id}"
        await self.bus.publish(
            Outgoing(
                subject=subjects.actor(row.kind, row.sku),  # a kit's write: its bundle actor
                envelope=make_envelope(message, key=row.sku, id=msg_id),
                msg_id=msg_id,
            )
        )
        self.sent += 1
