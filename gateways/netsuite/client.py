"""An aiohttp client for NetSuite REST: SuiteQL paging and record calls, signed, governed and retried.

Every exchange is TBA-signed over the exact URL it sends (query included), holds one of the account's
concurrency slots only while on the wire (never while backing off), and runs in a CLIENT span.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import quote

import aiohttp
import anyio
import msgspec
import structlog
from opentelemetry import trace
from opentelemetry.trace import Span
from yarl import URL

from bus.tracing import BusTracer
from contract.config import NetSuiteAccount
from gateways.netsuite.auth import TokenCredentials, TokenSigner
from gateways.netsuite.errors import (
    RETRYABLE_STATUSES,
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteTimeout,
    error_from_reply,
)
from gateways.netsuite.governance import NetSuiteConcurrencyGovernor, RetryPolicy

log = structlog.get_logger(__name__)

SUITEQL_PATH = "query/v1/suiteql"
MAX_PAGE = 1000  # NetSuite's largest SuiteQL/collection page (§2)
_EXTERNAL_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


class Reply(msgspec.Struct, frozen=True):
    status: int
    headers: Mapping[str, str]
    body: Any  # decoded JSON, or None for 204


class SuiteQLPage(msgspec.Struct, frozen=True):
    rows: list[dict[str, str]]  # lower-case column → string value; NULL columns may be absent
    has_more: bool
    offset: int
    total_results: int | None


def eid(external_id: str) -> str:
    """The `eid:` id slot for an external id; NetSuite allows letters, digits, `_` and `-` (§1.1)."""
    if not external_id or not _EXTERNAL_ID_CHARS.issuperset(external_id):
        raise ValueError(f"not a valid NetSuite external id (letters, digits, _ and - only): {external_id!r}")
    return f"eid:{external_id}"


def id_from_location(reply: Reply) -> str:
    """A create/update/upsert answers 204 with `Location: …/record/v1/<type>/<id>`."""
    location = reply.headers.get("Location", "")
    record_id = location.rstrip("/").rsplit("/", 1)[-1]
    if not record_id:
        raise NetSuiteError(reply.status, "NO_LOCATION", "the reply carries no Location header")
    return record_id


class NetSuiteClient:
    """REST record service and SuiteQL of one account."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        rest_url: str,
        signer: TokenSigner,
        governor: NetSuiteConcurrencyGovernor,
        tracer: BusTracer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._session = session
        self._rest_url = rest_url.rstrip("/")
        self._signer = signer
        self.governor = governor
        self._tracer = tracer
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter

    @classmethod
    def for_account(
        cls,
        account: NetSuiteAccount,
        env: Mapping[str, str],
        session: aiohttp.ClientSession,
        *,
        governor: NetSuiteConcurrencyGovernor | None = None,
        tracer: BusTracer | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> NetSuiteClient:
        """A client for the contract's account, secrets from `env`; pass one shared governor per account."""
        signer = TokenSigner(TokenCredentials.from_env(account, env), clock=clock)
        return cls(
            session,
            rest_url=f"{account.base_url.rstrip('/')}/services/rest",
            signer=signer,
            governor=governor or NetSuiteConcurrencyGovernor(account.concurrency_limit),
            tracer=tracer,
            retry=retry,
        )

    # -- SuiteQL --------------------------------------------------------------------------------

    async def suiteql_page(self, query: str, *, limit: int = MAX_PAGE, offset: int = 0) -> SuiteQLPage:
        """One page of a SuiteQL query (`limit`/`offset` go in the signed URL)."""
        if not 1 <= limit <= MAX_PAGE or offset < 0 or offset % limit:
            raise ValueError(f"limit must be 1..{MAX_PAGE} and offset a multiple of it: {limit=}, {offset=}")
        reply = await self.request(
            "POST",
            SUITEQL_PATH,
            params={"limit": str(limit), "offset": str(offset)},
            json={"q": query},
            headers={"Prefer": "transient"},
            operation="suiteql",
            idempotent=True,
        )
        body = reply.body if isinstance(reply.body, dict) else {}
        items = body.get("items")
        if not isinstance(items, list):
            raise NetSuiteError(reply.status, "BAD_REPLY", "no items list", url_path=SUITEQL_PATH)
        rows = [{k: v for k, v in item.items() if k != "links"} for item in items]
        total = body.get("totalResults")
        return SuiteQLPage(rows, bool(body.get("hasMore")), offset, int(total) if total is not None else None)

    async def suiteql(self, query: str, *, page_size: int = MAX_PAGE) -> AsyncIterator[dict[str, str]]:
        """Every row of a query by limit/offset paging; past 100k rows the caller must page by key."""
        offset = 0
        while True:
            page = await self.suiteql_page(query, limit=page_size, offset=offset)
            for row in page.rows:
                yield row
            if not page.has_more or not page.rows:
                return
            offset += page_size

    # -- records --------------------------------------------------------------------------------

    async def get_record(self, record_type: str, record_id: str, *, expand: bool = False) -> dict[str, Any]:
        """`GET record/v1/{type}/{id}`; `record_id` may be `eid(...)`."""
        params = {"expandSubResources": "true"} if expand else None
        reply = await self.request(
            "GET", f"record/v1/{record_type}/{record_id}", params=params, operation=f"get {record_type}"
        )
        return reply.body if isinstance(reply.body, dict) else {}

    async def create_record(self, record_type: str, body: Mapping[str, Any]) -> str:
        """POST a new record; not retried after a timeout (a retried create duplicates, §7.7)."""
        reply = await self.request(
            "POST", f"record/v1/{record_type}", json=body, operation=f"create {record_type}", idempotent=False
        )
        return id_from_location(reply)

    async def update_record(
        self, record_type: str, record_id: str, body: Mapping[str, Any], *, idempotent: bool = False
    ) -> str:
        """PATCH fields; pass idempotent=True when it touches no sublist (appending lines is not)."""
        reply = await self.request(
            "PATCH",
            f"record/v1/{record_type}/{record_id}",
            json=body,
            operation=f"update {record_type}",
            idempotent=idempotent,
        )
        return id_from_location(reply)

    async def upsert_record(self, record_type: str, external_id: str, body: Mapping[str, Any]) -> str:
        """PUT by external id: created when absent, updated when present; safe to retry (§1.5)."""
        reply = await self.request(
            "PUT", f"record/v1/{record_type}/{eid(external_id)}", json=body, operation=f"upsert {record_type}"
        )
        return id_from_location(reply)

    async def transform(
        self, record_type: str, record_id: str, target_type: str, body: Mapping[str, Any] | None = None
    ) -> str:
        """`!transform` a record (sales order → item fulfillment, …); creates, so never blindly retried."""
        reply = await self.request(
            "POST",
            f"record/v1/{record_type}/{record_id}/!transform/{target_type}",
            json=body or {},
            operation=f"transform {record_type}->{target_type}",
            idempotent=False,
        )
        return id_from_location(reply)

    # -- the one exchange -----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        operation: str | None = None,
        idempotent: bool | None = None,
    ) -> Reply:
        """Send, retrying what is safe to retry; raises NetSuiteError when it gives up."""
        retry_unsafe_too = method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent
        url = self._url(path, params)
        data = msgspec.json.encode(json) if json is not None else None
        with self._span(operation or f"{method} {path}", method, path) as span:
            failures = 0
            login_failures = 0
            while True:
                try:
                    reply = await self._exchange(method, url, path, data, headers)
                    span.set_attribute("http.response.status_code", reply.status)
                    return reply
                except NetSuiteError as error:
                    failures += 1
                    if error.is_invalid_login:
                        login_failures += 1
                    if not self._should_retry(error, failures, login_failures, retry_unsafe_too):
                        span.set_attribute("http.response.status_code", error.status)
                        raise
                    delay = self._delay(error, failures)
                    log.warning(
                        "netsuite.retry",
                        path=path,
                        status=error.status,
                        code=error.code,
                        attempt=failures,
                        delay_s=round(delay, 3),
                    )
                    span.set_attribute("tandem.api.retries", failures)
                    await self._sleep(delay)

    def _should_retry(
        self, error: NetSuiteError, failures: int, login_failures: int, unsafe_ok: bool
    ) -> bool:
        if failures >= self.retry.attempts:
            return False
        if error.is_invalid_login:
            return login_failures <= self.retry.invalid_login_retries
        if error.is_throttled or (isinstance(error, NetSuiteConnectionError) and not error.sent):
            return True  # refused or never sent: nothing was done, always safe
        transient = isinstance(error, NetSuiteTimeout | NetSuiteConnectionError)
        return unsafe_ok and (transient or error.status in RETRYABLE_STATUSES)

    def _delay(self, error: NetSuiteError, failures: int) -> float:
        delay = self.retry.delay(failures, self._jitter)
        if error.retry_after:
            return max(delay, min(error.retry_after, self.retry.max_delay_s))
        return delay

    async def _exchange(
        self, method: str, url: str, path: str, data: bytes | None, extra: Mapping[str, str] | None
    ) -> Reply:
        headers = {"Accept": "application/json", **(extra or {})}
        if data is not None:
            headers["Content-Type"] = "application/json"
        timeout = aiohttp.ClientTimeout(total=self.retry.request_timeout_s)
        async with self.governor.slot():
            # Signed inside the slot: a request that waited long for a slot still has a fresh timestamp.
            headers["Authorization"] = self._signer.authorization(method, url)
            try:
                async with self._session.request(
                    method, URL(url, encoded=True), data=data, headers=headers, timeout=timeout
                ) as response:
                    body = await response.read()
                    status, reply_headers = response.status, dict(response.headers)
            except TimeoutError:
                raise NetSuiteTimeout(path, self.retry.request_timeout_s) from None
            except aiohttp.ClientConnectorError as problem:  # no connection: nothing was sent
                raise NetSuiteConnectionError(path, str(problem), sent=False) from problem
            except aiohttp.ClientError as problem:
                raise NetSuiteConnectionError(path, str(problem), sent=True) from problem
        if status >= 400:
            raise error_from_reply(status, body, path, _seconds(reply_headers.get("Retry-After")))
        try:
            decoded = msgspec.json.decode(body) if body.strip() else None
        except msgspec.DecodeError:
            raise NetSuiteError(status, "BAD_REPLY", "the reply is not JSON", url_path=path) from None
        return Reply(status, reply_headers, decoded)

    def _url(self, path: str, params: Mapping[str, str] | None) -> str:
        url = f"{self._rest_url}/{path.lstrip('/')}"
        if params:
            # RFC 3986 encoding (space → %20), the same bytes that are signed and sent (§3.1).
            url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items())
        return url

    def _span(self, operation: str, method: str, path: str) -> AbstractContextManager[Span]:
        if self._tracer is None:
            return nullcontext(trace.INVALID_SPAN)
        return self._tracer.client(
            "netsuite", operation, {"http.request.method": method, "url.path": f"/services/rest/{path}"}
        )


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
