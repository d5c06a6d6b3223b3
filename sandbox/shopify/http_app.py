"""The aiohttp application: Admin GraphQL (host- or path-routed) plus the /_sandbox/ control API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .admin_api import graphql_endpoint
from .control import control_routes

if TYPE_CHECKING:
    from .sandbox import ShopifySandbox


def build_app(sandbox: ShopifySandbox) -> web.Application:
    async def graphql(request: web.Request) -> web.Response:
        return await graphql_endpoint(request, sandbox)

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.add_routes(
        [
            # Real Shopify: https://<shop>.myshopify.com/admin/api/<version>/graphql.json (shop from Host).
            web.post("/admin/api/{version}/graphql.json", graphql),
            # Localhost-friendly: the shop in the path, so one port serves every shop without DNS.
            web.post("/shops/{shop}/admin/api/{version}/graphql.json", graphql),
            *control_routes(sandbox),
        ]
    )
    return app
