"""The Admin GraphQL HTTP edge: shop routing, token check, injected faults, then graphql_service."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import anyio
from aiohttp import web

from .graphql_service import run_graphql

if TYPE_CHECKING:
    from .sandbox import ShopifySandbox

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_HOST_SHOP = re.compile(r"^(?P<shop>[a-z0-9][a-z0-9-]*)\.myshopify\.com(:\d+)?$")


def shop_from_request(request: web.Request) -> str | None:
    """`/shops/<shop>/admin/...` wins; otherwise the Host header `<shop>.myshopify.com`."""
    if "shop" in request.match_info:
        return request.match_info["shop"]
    match = _HOST_SHOP.match(request.host or "")
    return match["shop"] if match else None


def _json(status: int, body: object, version: str | None = None) -> web.Response:
    headers = {"X-Request-Id": str(uuid.uuid4())}
    if version:
        headers["X-Shopify-API-Version"] = version
    return web.json_response(body, status=status, headers=headers)


async def graphql_endpoint(request: web.Request, sandbox: ShopifySandbox) -> web.Response:
    version = request.match_info["version"]
    shop = shop_from_request(request)
    if version != sandbox.api_version or shop is None or shop not in sandbox.shops:
        return _json(404, {"errors": "Not Found"})
    runtime = sandbox.shops[shop]
    app = runtime.state.config.app_for_token(request.headers.get("X-Shopify-Access-Token"))
    if app is None:
        return _json(401, {"errors": INVALID_TOKEN}, version)
    if runtime.faults.api_latency():
        await anyio.sleep(runtime.faults.api_latency())
    failure = runtime.faults.server_error()
    if failure is not None:
        return _json(
            failure, {"errors": "Internal Server Error" if failure == 500 else "Service Unavailable"}
        )
    try:
        body = await request.json()
    except ValueError:
        return _json(400, {"errors": {"query": "Required parameter missing or invalid"}}, version)
    reply = run_graphql(runtime, body, app=app, api_version=version, now=sandbox.clock())
    sandbox.webhooks.publish(runtime, reply.events)
    return _json(reply.status, reply.body, version)
