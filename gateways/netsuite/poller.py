"""NetSuitePoller: SuiteQL delta sweeps of sales orders, stock and items, published to the bus.

One poll = read NetSuite's clock, then for each kind: sweep the window `[cursor − overlap, now]` page
by page (keyset, see queries.py), publish each page durably, and only after the whole sweep move the
kind's cursor (KV `tandem_cursors`) to NetSuite's clock as read before the sweep. A crash anywhere
re-reads the window; deterministic message ids make the re-read a no-op in JetStream.

Times: `read_at`/`seen_at` are this process's clock taken *before* the request, so a reading never
claims to be newer than it is. NetSuite's own times (a sales order's creation) are converted to this
clock through the offset measured against `SELECT … FROM DUAL`, erring later, so that the SKU actor's
"reading taken after the sales order" test (DESIGN §5) can only under-sell, never count twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Sequence

import anyio
import msgspec
import structlog
from anyio.abc import TaskStatus
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from bus import subjects
from bus.bus import Bus, Outgoing
from contract.config import Contract
from gateways.netsuite import queries
from gateways.netsuite.account_time import AccountTime, utc_text
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.sales_orders import KitMembers, SalesOrderFindings
from gateways.netsuite.server_clock import ServerClock, measure
from gateways.netsuite.stats import PollerStats
from gateways.netsuite.sweeps import KeysetSweep, RecentKeys, SweepPage
from gateways.netsuite.translation import (
    ItemRow,
    StockRow,
    absorption_msg_id,
    item_changed,
    item_key,
    line_key,
    parse_item_row,
    parse_order_line_row,
    parse_stock_row,
    stock_key,
    stock_msg_id,
    stock_reading,
)

log = structlog.get_logger(__name__)

STOCK, ITEMS, SALES_ORDERS = "stock", "items", "sales_orders"
_REMEMBERED_ORDER_VERSIONS = 100_000
CURSOR_KEYS = {STOCK: "netsuite.stock", ITEMS: "netsuite.items", SALES_ORDERS: "netsuite.sales_orders"}


class PollerOptions(msgspec.Struct, frozen=True, kw_only=True):
    page_size: int = 1000
    # Re-read this much before the cursor: rows committed late with an earlier timestamp, clock skew.
    overlap_s: float = 10.0
    # A first run reads all stock and items, but only this much sales-order history.
    first_run_order_lookback_s: float = 30 * 86400.0
    item_columns: dict[str, str | None] = {}  # overrides, e.g. {"weight": None} where it is not readable
    max_error_backoff_s: float = 60.0
    max_absorption_wait_s: float = 5.0
    kinds: tuple[str, ...] = (SALES_ORDERS, STOCK, ITEMS)  # sales orders first: see _sweep_sales_orders

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 1000:
            raise ValueError(f"page_size must be 1..1000 (NetSuite's largest page), got {self.page_size}")
        unknown = set(self.kinds) - set(CURSOR_KEYS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; known: {sorted(CURSOR_KEYS)}")
        if self.overlap_s < 0:
            raise ValueError(f"overlap_s must not be negative, got {self.overlap_s}")


class Cursor(msgspec.Struct, frozen=True):
    since: float  # NetSuite's clock (epoch s) before the last complete sweep started
    swept_at: float  # this process's clock at that moment


class NetSuitePoller:
    """Polls one NetSuite account every `contract.polling_interval_s` and publishes what changed."""

    def __init__(
        self,
        bus: Bus,
        client: NetSuiteClient,
        contract: Contract,
        *,
        clock: Callable[[], float] = time.time,
        options: PollerOptions | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._bus = bus
        self._client = client
        self._interval = contract.polling_interval_s
        self._time = AccountTime(contract.netsuite.time_zone)
        self._locations = [location.netsuite_id for location in contract.locations]
        queries.ids_list(self._locations)  # a non-numeric location id fails here, at start
        self._clock = clock
        self._sleep = sleep
        self.options = options or PollerOptions()
        self.stats = PollerStats()
        self._last_clock: ServerClock | None = None
        self._lock = anyio.Lock()
        # Sales-order versions already announced and followed by a stock reading: overlapping
        # windows read them again, and nothing about them needs saying twice.
        self._absorbed: RecentKeys[tuple[int, str]] = RecentKeys(_REMEMBERED_ORDER_VERSIONS)
        self._sweep = KeysetSweep(bus, client, clock, self.options.page_size, self.stats)

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Poll until cancelled; a failed poll is logged, counted and retried with backoff."""
        task_status.started()
        while True:
            started = self._clock()
            try:
                await self.poll_once()
                delay = max(0.0, self._interval - (self._clock() - started))
            except Exception as error:  # one bad poll must not end polling; it is counted and logged
                self.stats.errors += 1
                self.stats.consecutive_failures += 1
                self.stats.last_error = f"{type(error).__name__}: {error}"
                delay = self._backoff(self.stats.consecutive_failures)
                log.error(
                    "netsuite.poll_failed",
                    error=self.stats.last_error,
                    failures=self.stats.consecutive_failures,
                    retry_in_s=round(delay, 3),
                    exc_info=error,
                )
            await self._sleep(delay)

    async def poll_once(self) -> None:
        """One complete poll of every kind; raises if any sweep fails (cursors of finished kinds stay)."""
        async with self._lock:  # run() and an operator's call never sweep at the same time
            await self._poll()

    async def resync_stock(self, skus: Sequence[str] | None = None) -> int:
        """Read and publish the current stock of `skus` (None: every SKU) whether it changed or not.

        For an operator's resync: the readings get ids of their own, so JetStream keeps them even
        when an identical state was published before. Returns how many readings were published.
        """
        async with self._lock:
            published = self.stats.published

            def query(after: queries.StockKey | None) -> str:
                return queries.stock_levels(
                    self._time, since=None, after=after, locations=self._locations, skus=skus or None
                )

            async def translate(page: SweepPage[StockRow]) -> list[Outgoing]:
                resync_id = f"resync@{page.read_at!r}"
                return [
                    stock_reading(row, page.read_at, f"{stock_msg_id(row)}:{resync_id}") for row in page.rows
                ]

            await self._sweep.run(STOCK, query, parse_stock_row, stock_key, translate)
            return self.stats.published - published

    async def _poll(self) -> None:
        kv = await self._bus.kv(subjects.BUCKET_CURSORS)
        clock = await self._server_clock()
        sweeps = {STOCK: self._sweep_stock, ITEMS: self._sweep_items, SALES_ORDERS: self._sweep_sales_orders}
        for kind in self.options.kinds:
            cursor = await _load_cursor(kv, kind)
            await sweeps[kind](cursor, clock)
            await _store_cursor(kv, kind, Cursor(clock.now, clock.sent_at))
            self.stats.cursors[kind] = clock.now
        self.stats.polls += 1
        self.stats.consecutive_failures = 0
        self.stats.last_success_at = self._clock()
        self.stats.fresh_as_of = clock.sent_at
        log.debug("netsuite.polled", as_of=utc_text(clock.now), published=self.stats.published)

    # -- the sweeps -----------------------------------------------------------------------------

    def _since(self, cursor: Cursor | None) -> float | None:
        return None if cursor is None else cursor.since - self.options.overlap_s

    async def _sweep_stock(self, cursor: Cursor | None, clock: ServerClock) -> None:
        since = self._since(cursor)

        def query(after: queries.StockKey | None) -> str:
            return queries.stock_levels(self._time, since=since, after=after, locations=self._locations)

        async def translate(page: SweepPage[StockRow]) -> list[Outgoing]:
            return [stock_reading(row, page.read_at) for row in page.rows]

        await self._sweep.run(STOCK, query, parse_stock_row, stock_key, translate)

    async def _sweep_items(self, cursor: Cursor | None, clock: ServerClock) -> None:
        since, columns = self._since(cursor), self.options.item_columns

        def query(after: int | None) -> str:
            return queries.items(self._time, since=since, after=after, columns=columns)

        async def translate(page: SweepPage[ItemRow]) -> list[Outgoing]:
            return [
                item_changed(row, modified_at=self._local(clock, row.modified), read_at=page.read_at)
                for row in page.rows
            ]

        await self._sweep.run(ITEMS, query, parse_item_row, item_key, translate)

    async def _sweep_sales_orders(self, cursor: Cursor | None, clock: ServerClock) -> None:
        """SalesOrderSeen per (order, SKU), then a stock reading of every SKU touched, taken after.

        The reading is what lets the SKU actor stop counting the order's lines itself: a level the
        sales order did not change (its line at another location, say) produces no stock delta.
        """
        since = self._since(cursor)
        if since is None:
            since = clock.now - self.options.first_run_order_lookback_s

        def query(after: queries.LineKey | None) -> str:
            return queries.sales_order_lines(self._time, since=since, after=after)

        found = SalesOrderFindings(self._time, clock, self._absorbed, KitMembers(self._client))
        await self._sweep.run(SALES_ORDERS, query, parse_order_line_row, line_key, found.translate)
        if found.touched:
            await self._read_stock_after(found.touched, found.newest_version)
        for version in found.versions:  # only now: a failed reading must be retried with the next poll
            self._absorbed.add(version)

    async def _read_stock_after(
        self, touched: dict[int, set[tuple[int, str]]], newest_version: float
    ) -> None:
        # The reading must be taken after the newest version seen, on this process's clock (a wait of
        # about one DUAL round trip); past the cap something is off, and a useless reading is harmless.
        deadline = self._clock() + self.options.max_absorption_wait_s
        while (wait := newest_version - self._clock()) >= 0:
            if self._clock() + wait > deadline:
                log.warning("netsuite.version_ahead_of_clock", ahead_s=round(wait, 3))
                break
            await self._sleep(wait + 0.001)

        async def translate(page: SweepPage[StockRow]) -> list[Outgoing]:
            return [
                stock_reading(row, page.read_at, absorption_msg_id(row, touched[row.item_id]))
                for row in page.rows
            ]

        item_ids = sorted(touched)
        for start in range(0, len(item_ids), 500):  # keep IN lists short
            chunk = item_ids[start : start + 500]

            def query(after: queries.StockKey | None, chunk: Sequence[int] = chunk) -> str:
                return queries.stock_levels(
                    self._time, since=None, after=after, locations=self._locations, items=chunk
                )

            await self._sweep.run(STOCK, query, parse_stock_row, stock_key, translate)

    # -- helpers --------------------------------------------------------------------------------

    def _local(self, clock: ServerClock, netsuite_text: str) -> float:
        """A NetSuite datetime on this process's clock, erring later."""
        return clock.to_local(clock.resolve(self._time, netsuite_text))

    async def _server_clock(self) -> ServerClock:
        sent_at = self._clock()
        page = await self._client.suiteql_page(queries.server_now(), limit=1)
        received_at = self._clock()
        if not page.rows or "now" not in page.rows[0]:
            raise ValueError("NetSuite returned no time from DUAL")
        clock = measure(
            self._time,
            page.rows[0]["now"],
            sent_at=sent_at,
            received_at=received_at,
            previous=self._last_clock,
        )
        self._last_clock = clock
        return clock

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.options.max_error_backoff_s, self._interval * 2.0 ** (failures - 1))
        return ceiling / 2 + random.random() * ceiling / 2


async def _load_cursor(kv: KeyValue, kind: str) -> Cursor | None:
    try:
        entry = await kv.get(CURSOR_KEYS[kind])
    except KeyNotFoundError:
        return None
    return msgspec.json.decode(entry.value or b"", type=Cursor) if entry.value else None


async def _store_cursor(kv: KeyValue, kind: str, cursor: Cursor) -> None:
    await kv.put(CURSOR_KEYS[kind], msgspec.json.encode(cursor))
