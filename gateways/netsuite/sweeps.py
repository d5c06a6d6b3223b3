"""One keyset sweep of a SuiteQL window: pages read from the last key, bad rows dead-lettered."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Generic, TypeVar

import msgspec
import structlog

from bus import subjects
from bus.bus import Bus, Outgoing
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.stats import PollerStats
from gateways.netsuite.translation import BadRow

log = structlog.get_logger(__name__)

T = TypeVar("T")
K = TypeVar("K")
Row = Mapping[str, str]
_REMEMBERED_BAD_ROWS = 10_000
_REMEMBERED_MESSAGES = 200_000


class RecentKeys(Generic[K]):
    """The last `capacity` keys remembered, oldest forgotten first (an insertion-ordered dict)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._keys: dict[K, None] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: K) -> None:
        self._keys[key] = None
        if len(self._keys) > self._capacity:
            self._keys.pop(next(iter(self._keys)))


class SweepPage(msgspec.Struct, Generic[T], frozen=True):
    read_at: float  # this process's clock just before the page's request was sent
    rows: list[T]


class KeysetSweep:
    """Reads a window page by page, each page a fresh query continuing after the last key seen."""

    def __init__(
        self, bus: Bus, client: NetSuiteClient, clock: Callable[[], float], page_size: int, stats: PollerStats
    ) -> None:
        self._bus = bus
        self._client = client
        self._clock = clock
        self._page_size = page_size
        self._stats = stats
        # Overlapping windows read rows again. JetStream would drop the repeats by message id; not
        # sending them at all spares the bus. A bad row is likewise parked once, not once per poll.
        self._published: RecentKeys[str] = RecentKeys(_REMEMBERED_MESSAGES)
        self._parked: RecentKeys[str] = RecentKeys(_REMEMBERED_BAD_ROWS)

    async def run(
        self,
        kind: str,
        query_for: Callable[[K | None], str],
        parse: Callable[[Row], T],
        key_of: Callable[[Row], K],
        translate: Callable[[SweepPage[T]], Awaitable[Sequence[Outgoing]]],
    ) -> None:
        """Read every page, translate it and publish the result durably before reading the next."""
        after: K | None = None
        while True:
            read_at = self._clock()
            page = await self._client.suiteql_page(query_for(after), limit=self._page_size)
            rows: list[T] = []
            for raw in page.rows:
                try:
                    rows.append(parse(raw))
                except BadRow as problem:
                    await self._park(kind, raw, problem)
            self._stats.rows += len(page.rows)
            await self._publish(await translate(SweepPage(read_at, rows)))
            if not page.has_more or not page.rows:
                return
            try:
                after = key_of(page.rows[-1])
            except (KeyError, ValueError) as problem:
                # Without the key of the last row the sweep cannot continue past this page.
                last = page.rows[-1]
                raise BadRow(f"{kind}: a row without a usable key ends the sweep: {last!r}") from problem

    async def _publish(self, out: Sequence[Outgoing]) -> None:
        fresh = [message for message in out if message.msg_id not in self._published]
        if fresh:
            await self._bus.publish_many(fresh)
            self._stats.published += len(fresh)
            for message in fresh:
                self._published.add(message.msg_id or "")

    async def _park(self, kind: str, raw: Row, problem: BadRow) -> None:
        data = msgspec.json.encode(dict(raw))
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if digest in self._parked:
            return
        self._stats.bad_rows += 1
        log.warning("netsuite.bad_row", kind=kind, problem=str(problem), row=dict(raw))
        await self._bus.dead_letter(
            origin_subject=subjects.netsuite_event(kind),
            data=data,
            headers={"Tandem-Netsuite-Kind": kind},
            reason="netsuite.bad_row",
            error=problem,
        )
        self._parked.add(digest)
