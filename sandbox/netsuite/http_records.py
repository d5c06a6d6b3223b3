"""aiohttp handlers of the REST record service `/services/rest/record/v1/…` (reference §1)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiohttp import web

from .errors import record_not_found
from .http_common import COLLECTION, SINGULAR, json_body, json_response, rest_base
from .record_query import compile_query
from .record_types import kind_named
from .rendering import record_url, render_line, render_record, render_sublist
from .state import STALE_SECONDS, STATE
from .store import StoredRecord
from .suiteql.service import page_parameters

PREFIX = "/services/rest/record/v1"


def _replace(request: web.Request) -> frozenset[str]:
    """`?replace=item,package`: the sublists to replace instead of merge (§1.3)."""
    return frozenset(name for name in request.query.get("replace", "").split(",") if name)


def _done(request: web.Request, record: StoredRecord) -> web.Response:
    """204 No Content with the record's URL in Location: how NetSuite answers every write."""
    return web.Response(
        status=204, headers={"Location": record_url(f"{rest_base(request)}/record/v1", record)}
    )


def _stale(request: web.Request) -> float:
    return float(request.get(STALE_SECONDS, 0.0))


async def create(request: web.Request) -> web.Response:
    state = request.app[STATE]
    record = state.service.create(request.match_info["type"], await json_body(request))
    return _done(request, record)


async def read(request: web.Request) -> web.Response:
    state = request.app[STATE]
    kind = kind_named(request.match_info["type"])
    record = state.service.find(kind, request.match_info["id"], state.store_for(_stale(request)))
    expand = request.query.get("expandSubResources", "false").lower() == "true"
    body = render_record(state.account, f"{rest_base(request)}/record/v1", record, expand)
    if expand and "locations" in kind.sublists:
        url = f"{record_url(f'{rest_base(request)}/record/v1', record)}/locations"
        body["locations"] = render_sublist(state.account, url, state.service.stock_locations(record))
    return json_response(body)


async def collection(request: web.Request) -> web.Response:
    """Ids and links only; clients GET each record (§1.2)."""
    state = request.app[STATE]
    kind = kind_named(request.match_info["type"])
    limit, offset = page_parameters(dict(request.query))
    base = f"{rest_base(request)}/record/v1"
    records = sorted(state.store_for(_stale(request)).of_kind(kind.name), key=lambda r: r.id)
    if request.query.get("q"):
        config = state.account.config
        matches = compile_query(request.query["q"], state.account.time_zone, config.date_format)
        records = [record for record in records if matches(record)]
    page = records[offset : offset + limit]
    has_more = offset + len(page) < len(records)
    url = f"{base}/{kind.name}"

    def page_url(at: int) -> str:
        extra = {"q": request.query["q"]} if request.query.get("q") else {}
        return f"{url}?{urlencode({**extra, 'limit': limit, 'offset': at}, quote_via=quote)}"

    links = [{"rel": "self", "href": page_url(offset)}]
    if has_more:
        links.insert(0, {"rel": "next", "href": page_url(offset + limit)})
    return json_response(
        {
            "links": links,
            "count": len(page),
            "hasMore": has_more,
            "offset": offset,
            "totalResults": len(records),
            "items": [
                {"links": [{"rel": "self", "href": record_url(base, r)}], "id": str(r.id)} for r in page
            ],
        },
        COLLECTION,
    )


async def update(request: web.Request) -> web.Response:
    state = request.app[STATE]
    record = state.service.update(
        request.match_info["type"], request.match_info["id"], await json_body(request), _replace(request)
    )
    return _done(request, record)


async def upsert(request: web.Request) -> web.Response:
    state = request.app[STATE]
    record = state.service.upsert(
        request.match_info["type"], request.match_info["id"], await json_body(request), _replace(request)
    )
    return _done(request, record)


async def delete(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.service.delete(request.match_info["type"], request.match_info["id"])
    return web.Response(status=204)


async def transform(request: web.Request) -> web.Response:
    state = request.app[STATE]
    record = state.service.transform(
        request.match_info["type"],
        request.match_info["id"],
        request.match_info["target"],
        await json_body(request, required=False),
        _replace(request),
    )
    return _done(request, record)


async def sublist(request: web.Request) -> web.Response:
    """`GET …/salesOrder/1/item` (the lines) and `…/item/3` (one line)."""
    state = request.app[STATE]
    kind = kind_named(request.match_info["type"])
    name = request.match_info["sublist"]
    if name not in kind.sublists:
        raise record_not_found()
    record = state.service.find(kind, request.match_info["id"], state.store_for(_stale(request)))
    lines = state.service.stock_locations(record) if name == "locations" else record.lines(name)
    url = f"{record_url(f'{rest_base(request)}/record/v1', record)}/{name}"
    line_key = request.match_info.get("line")
    if line_key is None:
        return json_response(render_sublist(state.account, url, lines), COLLECTION)
    for index, line in enumerate(lines):
        if str(line.get("line", index + 1)) == line_key:
            return json_response(render_line(state.account, url, line, index), SINGULAR)
    raise record_not_found()


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/{{type}}", collection)
    app.router.add_post(f"{PREFIX}/{{type}}", create)
    app.router.add_get(f"{PREFIX}/{{type}}/{{id}}", read)
    app.router.add_patch(f"{PREFIX}/{{type}}/{{id}}", update)
    app.router.add_put(f"{PREFIX}/{{type}}/{{id}}", upsert)
    app.router.add_delete(f"{PREFIX}/{{type}}/{{id}}", delete)
    app.router.add_post(f"{PREFIX}/{{type}}/{{id}}/!transform/{{target}}", transform)
    app.router.add_get(f"{PREFIX}/{{type}}/{{id}}/{{sublist}}", sublist)
    app.router.add_get(f"{PREFIX}/{{type}}/{{id}}/{{sublist}}/{{line}}", sublist)
