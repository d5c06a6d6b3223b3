"""The aiohttp application: TBA check, governance and faults in front of the REST handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import structlog
from aiohttp import web

from . import async_jobs, http_control, http_records
from .errors import NetSuiteApiError, invalid_login
from .governance import Fault, RequestKind, latency_seconds
from .http_common import COLLECTION, SINGULAR, error_response, json_body, json_response, rest_base
from .state import STALE_SECONDS, STATE, SandboxState
from .suiteql.service import page_parameters, run_suiteql

log = structlog.get_logger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_kind(request: web.Request) -> RequestKind:
    if request.path.startswith("/services/rest/query/"):
        return "suiteql"
    if "/!transform/" in request.path:
        return "transform"
    return "record_read" if request.method == "GET" else "record_write"


@web.middleware
async def rest_gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What stands between a client and NetSuite's data: TBA, faults, the concurrency limit, latency."""
    if not request.path.startswith("/services/rest/"):
        return await handler(request)
    state = request.app[STATE]
    try:
        body = await request.read()
        uri = f"{request.scheme}://{request.host}{request.raw_path}"
        state.verifier.verify(request.method, uri, request.headers.get("Authorization"), body)
        kind = request_kind(request)
        return await _governed(request, handler, state, kind, state.faults.draw(kind))
    except NetSuiteApiError as error:
        return error_response(error)


async def _governed(
    request: web.Request, handler: Handler, state: SandboxState, kind: RequestKind, faults: list[Fault]
) -> web.StreamResponse:
    config = state.account.config
    if any(f.kind == "throttle" for f in faults) or not state.governor.try_enter():
        if config.overload_response == "delayed_401":
            # Field reports: overload surfaced as "Invalid login attempt" after ~60 s (§4, §7.1).
            await anyio.sleep(config.overload_401_delay_seconds)
            raise invalid_login()
        raise NetSuiteApiError(
            429, config.overload_error_code, "Concurrent request limit exceeded. Request blocked."
        )
    try:
        delay = latency_seconds(config.latency, kind, state.rng)
        delay += sum(f.latency_ms for f in faults if f.kind == "latency") / 1000
        await anyio.sleep(delay)
        error = next((f for f in faults if f.kind == "error"), None)
        if error is not None:
            raise NetSuiteApiError(error.status, "UNEXPECTED_ERROR", "An unexpected error occurred.")
        request[STALE_SECONDS] = max(
            (f.stale_seconds for f in faults if f.kind == "stale_reads"), default=0.0
        )
        timeout = next((f for f in faults if f.kind == "timeout"), None)
        if timeout is not None and not timeout.apply_before_timeout:
            await anyio.sleep(timeout.timeout_seconds)
            return error_response(NetSuiteApiError(504, "TIMEOUT", "The request timed out."))
        if async_jobs.wants_async(request):
            response = await _run_as_job(request, handler, state)
        else:
            response = await _handle(request, handler)
        if timeout is not None:
            await anyio.sleep(timeout.timeout_seconds)  # the write happened; the reply is what gets lost
            return error_response(NetSuiteApiError(504, "TIMEOUT", "The request timed out."))
        return response
    finally:
        state.governor.leave()


async def _run_as_job(request: web.Request, handler: Handler, state: SandboxState) -> web.StreamResponse:
    """Do the work now, answer 202 with the job to poll; a reused idempotency key is a conflict."""
    key = request.headers.get("X-NetSuite-Idempotency-Key")
    earlier = state.jobs.earlier_job(key)
    if earlier is not None:
        return async_jobs.idempotency_conflict(request, earlier)
    started = state.account.clock.now()
    reply = await async_jobs.capture(await _handle(request, handler))
    job = state.jobs.add(started, state.account.config.async_job_seconds, reply, key)
    return async_jobs.accepted(request, job.id)


async def _handle(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except NetSuiteApiError as error:
        return error_response(error)
    except web.HTTPException:
        raise
    except Exception:
        # A bug in the emulator must still look like NetSuite to the client, and be loud in our log.
        log.exception("netsuite_sandbox.unexpected_error", path=request.path, method=request.method)
        return error_response(NetSuiteApiError(500, "UNEXPECTED_ERROR", "An unexpected error occurred."))


async def suiteql(request: web.Request) -> web.Response:
    state = request.app[STATE]
    config = state.account.config
    if config.suiteql_require_transient and request.headers.get("Prefer", "").lower() != "transient":
        raise NetSuiteApiError(400, "INVALID_PARAMETER", "The header Prefer: transient is required.")
    limit, offset = page_parameters(dict(request.query))
    self_url = f"{rest_base(request)}/query/v1/suiteql"
    page = run_suiteql(
        state.account,
        state.view(request.get(STALE_SECONDS, 0.0)),
        await json_body(request),
        limit,
        offset,
        self_url,
    )
    return json_response(page, COLLECTION)


async def governance_limits(request: web.Request) -> web.Response:
    limit = request.app[STATE].governor.limit
    return json_response(
        {
            "accountConcurrencyLimit": limit,
            "accountUnallocatedConcurrencyLimit": limit,
            "integrationConcurrencyLimit": limit,
            "integrationLimitType": "accountLimit",
        },
        SINGULAR,
    )


async def not_found(request: web.Request) -> web.Response:
    raise NetSuiteApiError(404, "NONEXISTENT_ID", f"The resource {request.path} does not exist.")


def build_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[rest_gateway], client_max_size=104 * 1024 * 1024)
    app[STATE] = state
    http_records.add_routes(app)
    app.router.add_post("/services/rest/query/v1/suiteql", suiteql)
    app.router.add_get("/services/rest/system/v1/governanceLimits", governance_limits)
    async_jobs.add_routes(app, state.jobs, state.account.clock)
    app.router.add_route("*", "/services/rest/{tail:.*}", not_found)
    http_control.add_routes(app)
    return app
