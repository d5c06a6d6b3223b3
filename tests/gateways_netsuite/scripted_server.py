"""A loopback HTTP server that answers from a script: (method, path) → queued replies.

Stands in for aioresponses, whose 0.7.9 cannot build responses for aiohttp 3.14.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

import anyio
import msgspec
from aiohttp import web


class Scripted(msgspec.Struct, frozen=True, kw_only=True):
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = {}
    delay_s: float = 0.0


class Seen(msgspec.Struct, frozen=True):
    method: str
    path_qs: str
    authorization: str
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self._replies: dict[tuple[str, str], deque[Scripted]] = defaultdict(deque)
        self.seen: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self.rest_url = ""

    def add(self, method: str, path: str, reply: Scripted) -> None:
        self._replies[(method, path)].append(reply)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.rest_url = f"http://127.0.0.1:{port}/services/rest"
        return self.rest_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        authorization = request.headers.get("Authorization", "")
        self.seen.append(Seen(request.method, request.path_qs, authorization, body))
        path = request.path.removeprefix("/services/rest/")
        queue = self._replies.get((request.method, path))
        if not queue:
            return web.json_response({"unscripted": f"{request.method} {path}"}, status=599)
        reply = queue.popleft()
        if reply.delay_s:
            await anyio.sleep(reply.delay_s)
        if reply.json is not None:
            return web.json_response(reply.json, status=reply.status, headers=reply.headers)
        return web.Response(body=reply.body, status=reply.status, headers=reply.headers)
