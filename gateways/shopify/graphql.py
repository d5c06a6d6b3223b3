"""One Admin GraphQL call to one shop: token, throttle, retries, typed errors, a CLIENT span.

Transport only: callers pass the query, its variables and an estimated cost (reference/shopify.md §1:
scalars 0, objects 1, connections 2 + first × node, mutations 10) and get `data` back or a
ShopifyError. 5xx, 429, timeouts and connection errors are retried with exponential backoff and
jitter; a THROTTLED answer (HTTP 200, no data) waits (requested − available) / restoreRate and retries,
but the cost throttle is there so that it does not happen. Mutation idempotency is the caller's
business (`@idempotent(key:)` in the query with a key stable across these retries).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import anyio
import msgspec
import structlog

from bus.bus import Bus
from bus.tracing import BusTracer
from contract.config import Contract, Shop
from gateways.shopify.errors import (
    MissingToken,
    ShopifyAuthError,
    ShopifyError,
    ShopifyThrottled,
    ShopifyUnavailable,
)
from gateways.shopify.throttle import CostThrottle, ThrottleStatus

log = structlog.get_logger(__name__)

THROTTLED = "THROTTLED"
PROBE = "query TandemProbe { shop { id } }"
MAX_QUERY_COST = 1000  # a single query may not cost more (reference/shopify.md §1, MAX_COST_EXCEEDED)
MAX_INPUT_ROWS = 250  # nor carry a longer input list (MAX_INPUT_SIZE_EXCEEDED)


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    attempts: int = 5  # transport failures (5xx, 429, timeouts) before ShopifyUnavailable
    throttled_attempts: int = 20  # THROTTLED answers before ShopifyThrottled
    base_delay: float = 0.1
    max_delay: float = 5.0
    timeout: float = 10.0  # per HTTP request

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter: half fixed, half random, so clients spread out."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class ClientStats(msgspec.Struct, kw_only=True):
    calls: int = 0  # operations asked for
    requests: int = 0  # HTTP requests sent (retries included)
    retries: int = 0
    throttled: int = 0  # THROTTLED answers received
    failures: int = 0  # operations that ended in a ShopifyError


@asynccontextmanager
async def open_shopify_clients(
    bus: Bus, contract: Contract, env: Mapping[str, str], *, retry: RetryPolicy | None = None
) -> AsyncIterator[dict[str, ShopifyGraphQL]]:
    """Clients for every shop of the contract on one HTTP session, traced through the bus tracer."""
    async with aiohttp.ClientSession() as session:
        yield shopify_clients(contract, env, session, bus.tracer, retry=retry)


def shopify_clients(
    contract: Contract,
    env: Mapping[str, str],
    session: aiohttp.ClientSession,
    tracer: BusTracer,
    *,
    retry: RetryPolicy | None = None,
) -> dict[str, ShopifyGraphQL]:
    """One client per shop, each with its own cost throttle (a bucket is per app × shop); the
    writer and the item sync of a shop share it. Tokens come from the env vars the contract names."""
    clients = {}
    for shop in contract.shops:
        token = env.get(shop.access_token_env)
        if not token:
            raise MissingToken(f"shops[{shop.name}].access_token_env: ${shop.access_token_env} is not set")
        clients[shop.name] = ShopifyGraphQL(
            session, shop, token, tracer=tracer, throttle=CostThrottle(), retry=retry
        )
    return clients


def graphql_url(shop: Shop) -> str:
    """`<base>/admin/api/<version>/graphql.json`; the sandbox's base is `http://host:port/shops/<shop>`."""
    return f"{shop.url.rstrip('/')}/admin/api/{shop.api_version}/graphql.json"


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, error: ShopifyError, *, throttled: bool = False, after: float | None = None) -> None:
        self.error, self.throttled, self.after = error, throttled, after
        super().__init__(str(error))


class ShopifyGraphQL:
    """The Admin GraphQL API of one shop."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        shop: Shop,
        token: str,
        *,
        tracer: BusTracer,
        throttle: CostThrottle,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not token:
            raise ValueError(f"shop {shop.name}: empty access token (env {shop.access_token_env})")
        self.shop = shop
        self.url = graphql_url(shop)
        self.throttle = throttle
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._session = session
        self._headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        self._tracer = tracer
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def rows_per_query(self, per_row: float, fixed: float = 0) -> int:
        """How many rows one query may carry: at most 250, within the single-query cap of 1000 points
        and the shop's bucket less its safety margin (so it can always be afforded)."""
        await self.learn_bucket()
        model = self.throttle.model
        budget = MAX_QUERY_COST if model.maximum is None else model.maximum - model.margin_for(0)
        return max(1, min(MAX_INPUT_ROWS, int((min(budget, MAX_QUERY_COST) - fixed) // per_row)))

    async def learn_bucket(self) -> None:
        """Before the first costly call: one cheap query so the throttle knows the bucket's size."""
        if not self.throttle.model.known:
            await self.execute("shop", PROBE, cost=1)

    async def execute(
        self, operation: str, query: str, variables: Mapping[str, Any] | None = None, *, cost: float
    ) -> dict[str, Any]:
        """Run one query or mutation; returns its `data`. Raises ShopifyError (or a subclass)."""
        self.stats.calls += 1
        attributes: dict[str, str | float] = {
            "tandem.shop": self.shop.name,
            "tandem.shopify.estimated_cost": cost,
        }
        with self._tracer.client("shopify", operation, attributes) as span:
            transport_failures = throttled = 0
            body = msgspec.json.encode({"query": query, "variables": dict(variables or {})})
            while True:
                try:
                    data = await self._attempt(operation, body, cost)
                    span.set_attribute("tandem.shopify.requests", transport_failures + throttled + 1)
                    return data
                except _Retry as retry:
                    if retry.throttled:
                        throttled += 1
                        exhausted = throttled >= self.retry.throttled_attempts
                    else:
                        transport_failures += 1
                        exhausted = transport_failures >= self.retry.attempts
                    if exhausted:
                        self.stats.failures += 1
                        raise retry.error from retry
                    self.stats.retries += 1
                    delay = (
                        retry.after
                        if retry.after is not None
                        else self.retry.delay(transport_failures, self._rng)
                    )
                    log.info(
                        "shopify.retry",
                        shop=self.shop.name,
                        operation=operation,
                        code=retry.error.code,
                        delay=round(delay, 3),
                    )
                    await self._sleep(delay)
                except ShopifyError:
                    self.stats.failures += 1
                    raise

    async def _attempt(self, operation: str, body: bytes, cost: float) -> dict[str, Any]:
        await self.throttle.acquire(cost)
        self.stats.requests += 1
        try:
            status, payload, retry_after = await self._post(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.throttle.settle(None, cost)
            raise _Retry(ShopifyUnavailable("TRANSPORT", f"{type(exc).__name__}: {exc}")) from exc
        extensions = payload.get("extensions") if isinstance(payload, dict) else None
        throttle_status = ThrottleStatus.from_extensions(extensions)
        self.throttle.settle(throttle_status, cost)
        if status == 401:
            raise ShopifyAuthError("UNAUTHORIZED", _http_message(payload))
        if status == 429 or status >= 500:
            after = retry_after if status == 429 else None
            raise _Retry(ShopifyUnavailable(str(status), _http_message(payload)), after=after)
        if status != 200 or not isinstance(payload, dict):
            raise ShopifyError(str(status), _http_message(payload))
        errors = payload.get("errors")
        if errors:
            error = _graphql_error(errors)
            if error.code == THROTTLED:
                self.stats.throttled += 1
                requested = _requested_cost(extensions, cost)
                delay = await self.throttle.wait_throttled(throttle_status, requested)
                log.warning("shopify.throttled", shop=self.shop.name, operation=operation, waited=delay)
                raise _Retry(ShopifyThrottled(THROTTLED, error.message), throttled=True, after=0.0)
            raise error
        data = payload.get("data")
        if not isinstance(data, dict):
            raise ShopifyError("BAD_RESPONSE", f"{operation}: a 200 answer without data")
        return data

    async def _post(self, body: bytes) -> tuple[int, Any, float | None]:
        timeout = aiohttp.ClientTimeout(total=self.retry.timeout)
        async with self._session.post(
            self.url, data=body, headers=self._headers, timeout=timeout
        ) as response:
            raw = await response.read()
            retry_after = _seconds(response.headers.get("Retry-After"))
            try:
                payload = msgspec.json.decode(raw) if raw else None
            except msgspec.DecodeError:
                payload = raw[:200].decode("utf-8", "replace")
            return response.status, payload, retry_after


def _graphql_error(errors: Any) -> ShopifyError:
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        return ShopifyError("GRAPHQL_ERROR", str(errors))
    extensions = first.get("extensions") or {}
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return ShopifyError(code or "GRAPHQL_ERROR", str(first.get("message", errors)), first.get("path"))


def _http_message(payload: Any) -> str:
    if isinstance(payload, dict) and "errors" in payload:
        return str(payload["errors"])
    return str(payload)[:200]


def _requested_cost(extensions: Any, fallback: float) -> float:
    cost = extensions.get("cost") if isinstance(extensions, dict) else None
    requested = cost.get("requestedQueryCost") if isinstance(cost, dict) else None
    return float(requested) if isinstance(requested, int | float) else fallback


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
