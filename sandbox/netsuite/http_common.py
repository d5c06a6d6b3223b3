"""HTTP plumbing shared by the handlers: JSON bodies, NetSuite content types, error replies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from .errors import NetSuiteApiError
from .rendering import dumps

SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
ERROR = "application/vnd.oracle.resource+json; type=error"


async def json_body(request: web.Request, required: bool = True) -> Any:
    """The request's JSON, with decimals kept exact; bad JSON is NetSuite's INVALID_CONTENT."""
    text = await request.text()
    if not text.strip():
        if required:
            raise NetSuiteApiError(400, "INVALID_CONTENT", "The request body is empty.")
        return {}
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as problem:
        raise NetSuiteApiError(
            400, "INVALID_CONTENT", f"Invalid JSON in the request body: {problem}."
        ) from None


def json_response(payload: Any, content_type: str = SINGULAR, status: int = 200) -> web.Response:
    return web.Response(text=dumps(payload), status=status, headers={"Content-Type": content_type})


def error_response(error: NetSuiteApiError) -> web.Response:
    return json_response(error.body(), ERROR, error.status)


def rest_base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}/services/rest"
