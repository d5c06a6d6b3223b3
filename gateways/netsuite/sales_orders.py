"""What a sweep of sales-order lines tells the SKU actors: SalesOrderSeen per (order, SKU), and which
items need a stock reading taken after those orders (DESIGN §5)."""

from __future__ import annotations

from bus.bus import Outgoing
from gateways.netsuite import queries
from gateways.netsuite.account_time import AccountTime
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.order_ids import shopify_order_id
from gateways.netsuite.server_clock import ServerClock
from gateways.netsuite.sweeps import RecentKeys, SweepPage
from gateways.netsuite.translation import OrderLineRow, sales_order_seen

OrderVersion = tuple[int, str]  # (NetSuite sales order id, lastmodifieddate text)


class KitMembers:
    """The SKUs a sales-order line takes stock from; a kit's members are looked up once."""

    def __init__(self, client: NetSuiteClient) -> None:
        self._client = client
        self._known: dict[int, list[tuple[int, str]]] = {}

    async def stocked_skus(self, row: OrderLineRow) -> list[tuple[int, str]]:
        """(item id, SKU) pairs: the line's own item, or for a kit its members only.

        A kit holds no stock of its own, and its SKU is a contract bundle whose demand belongs to
        the components' actors (a SKU actor parks messages for a bundle).
        """
        if row.item_type != queries.KIT_TYPE:
            return [(row.item_id, row.sku)]
        if row.item_id not in self._known:
            rows = [r async for r in self._client.suiteql(queries.kit_members([row.item_id]))]
            self._known[row.item_id] = [(int(r["item_id"]), r["sku"]) for r in rows if r.get("sku")]
        return self._known[row.item_id]


class SalesOrderFindings:
    """Translates the pages of one sweep and remembers what the stock reading after it must cover."""

    def __init__(
        self,
        time: AccountTime,
        clock: ServerClock,
        already_reported: RecentKeys[OrderVersion],
        members: KitMembers,
    ) -> None:
        self._time = time
        self._clock = clock
        self._already_reported = already_reported
        self._members = members
        self.touched: dict[int, set[OrderVersion]] = {}  # item id → the order versions touching it
        self.versions: set[OrderVersion] = set()
        self.newest_version = 0.0  # on this process's clock

    async def translate(self, page: SweepPage[OrderLineRow]) -> list[Outgoing]:
        out: dict[str, Outgoing] = {}  # one message per (order version, SKU) however many lines
        for row in page.rows:
            order_id = shopify_order_id(row.external_id)
            version = (row.order_id, row.modified)
            if order_id is None or version in self._already_reported:
                continue  # another integration's sales order, or one already reported
            self.versions.add(version)
            created_at = self._local(row.created)
            modified_at = max(created_at, self._local(row.modified))
            self.newest_version = max(self.newest_version, modified_at)
            for item_id, sku in await self._members.stocked_skus(row):
                message = sales_order_seen(
                    order_id=order_id,
                    sku=sku,
                    netsuite_id=row.order_id,
                    modified_text=row.modified,
                    created_at=created_at,
                    modified_at=modified_at,
                    seen_at=page.read_at,
                )
                out[message.msg_id or ""] = message
                self.touched.setdefault(item_id, set()).add(version)
        return list(out.values())

    def _local(self, netsuite_text: str) -> float:
        """A NetSuite datetime on this process's clock, erring later."""
        return self._clock.to_local(self._clock.resolve(self._time, netsuite_text))
