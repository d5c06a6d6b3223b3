"""One keyset sweep of a SuiteQL window: pages read from the last key, bad rows dead-lettered."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Generic, TypeVar

import msgspec
import structlog

from bus import subjects
from bus.bus import Bus, Outgoing
from gateways.netsuite.client import NetSuiteClient
from gateways.netsuite.translation import BadRow

log = structlog.get_logger(__name__)

T = TypeVar("T")
K = TypeVar("K")
Row = Mapping[str, str]
_REMEMBERED_BAD_ROWS = 10_000


class SweepPage(msgspec.Struct, Generic[T], frozen=True):
    read_at: float  # this process's clock just before the page's request was sent
    rows: list[T]


class SweepCounters(msgspec.Struct):
    rows: int = 0
    published: int = 0
    bad_rows: int = 0


class KeysetSweep:
    """Reads a window page by page, each page a fresh query continuing after the last key seen."""

    def __init__(
        self, bus: Bus, client: NetSuiteClient, clock: Callable[[], float], page_size: int, stats: object
    ) -> None:
        self._bus = bus
        self._client = client
        self._clock = clock
        self._page_size = page_size
        self._stats = stats  # PollerStats: rows, published, bad_rows are counted here
        # Overlapping windows see a bad row again; it is parked once per process, not once per poll.
        self._parked: dict[str, None] = {}

    async def pages(
        self,
        kind: str,
        query_for: Callable[[K | None], str],
        parse: Callable[[Row], T],
        key_of: Callable[[Row], K],
    ) -> AsyncIterator[SweepPage[T]]:
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
            self._count("rows", len(page.rows))
            yield SweepPage(read_at, rows)
            if not page.has_more or not page.rows:
                return
            try:
                after = key_of(page.rows[-1])
            except (KeyError, ValueError) as problem:
                # Without the key of the last row the sweep cannot continue past this page.
                last = page.rows[-1]
                raise BadRow(f"{kind}: a row without a usable key ends the sweep: {last!r}") from problem

    async def publish(self, kind: str, out: list[Outgoing]) -> None:
        """Publish durably and wait for every ack (the cursor only moves after this)."""
        if out:
            await self._bus.publish_many(out)
            self._count("published", len(out))

    async def _park(self, kind: str, raw: Row, problem: BadRow) -> None:
        data = msgspec.json.encode(dict(raw))
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if digest in self._parked:
            return
        self._count("bad_rows", 1)
        log.warning("netsuite.bad_row", kind=kind, problem=str(problem), row=dict(raw))
        await self._bus.dead_letter(
            origin_subject=subjects.netsuite_event(kind),
            data=data,
            headers={"Tandem-Netsuite-Kind": kind},
            reason="netsuite.bad_row",
            error=problem,
        )
        self._parked[digest] = None
        if len(self._parked) > _REMEMBERED_BAD_ROWS:
            self._parked.pop(next(iter(self._parked)))

    def _count(self, counter: str, n: int) -> None:
        setattr(self._stats, counter, getattr(self._stats, counter) + n)
