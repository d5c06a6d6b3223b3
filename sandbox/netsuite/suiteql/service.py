"""`POST /query/v1/suiteql`: paging rules, the row cap, and every value as a string (reference §2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..account import Account
from ..errors import NetSuiteApiError, invalid_parameter
from .evaluator import execute
from .parser import parse
from .tables import DataView
from .values import render

MAX_LIMIT = 1000


def page_parameters(query: dict[str, str]) -> tuple[int, int]:
    """`limit` ≤ 1000 (default 1000) and `offset` a multiple of `limit`, both from the URL."""
    try:
        limit = int(query.get("limit", MAX_LIMIT))
    except ValueError:
        raise invalid_parameter("Invalid value for the 'limit' query parameter.", "limit") from None
    try:
        offset = int(query.get("offset", 0))
    except ValueError:
        raise invalid_parameter("Invalid value for the 'offset' query parameter.", "offset") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid_parameter(
            f"Invalid 'limit' query parameter value: {limit}. The value must be between 1 and {MAX_LIMIT}.",
            "limit",
        )
    if offset < 0 or offset % limit:
        raise invalid_parameter(
            f"Invalid 'offset' query parameter value: {offset}. The offset must be a multiple of the limit.",
            "offset",
        )
    return limit, offset


def run_suiteql(
    account: Account, view: DataView, payload: Any, limit: int, offset: int, self_url: str
) -> dict[str, Any]:
    """One page of a query's results, shaped like NetSuite's reply."""
    if not isinstance(payload, dict) or not isinstance(payload.get("q"), str):
        raise NetSuiteApiError(400, "INVALID_CONTENT", 'The request body must be {"q": "SELECT …"}.')
    config = account.config
    names, rows = execute(
        parse(payload["q"]), view, account.time_zone, config.date_format, account.clock.now()
    )
    total = min(len(rows), config.suiteql_row_cap)
    if offset >= config.suiteql_row_cap:
        raise invalid_parameter(
            f"The query result exceeds the maximum of {config.suiteql_row_cap} rows; page by key instead "
            "(WHERE id > :last ORDER BY id).",
            "offset",
        )
    page = rows[offset : min(offset + limit, total)]
    items = [_item(names, values, account) for values in page]
    has_more = offset + len(page) < total
    return {
        "links": _links(self_url, limit, offset, total, has_more),
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }


def _item(names: list[str], values: list[Any], account: Account) -> dict[str, Any]:
    item: dict[str, Any] = {"links": []}
    for name, value in zip(names, values, strict=True):
        text = render(value, account.time_zone, account.config.date_format)
        if text is None and account.config.suiteql_omit_nulls:
            continue
        item[name] = text
    return item


def _links(self_url: str, limit: int, offset: int, total: int, has_more: bool) -> list[dict[str, str]]:
    def page(at: int) -> str:
        return f"{self_url}?{urlencode({'limit': limit, 'offset': at})}"

    last = max(0, (total - 1) // limit * limit)
    links = [{"rel": "first", "href": page(0)}]
    if offset > 0:
        links.append({"rel": "previous", "href": page(max(0, offset - limit))})
    if has_more:
        links.append({"rel": "next", "href": page(offset + limit)})
    links += [{"rel": "last", "href": page(last)}, {"rel": "self", "href": page(offset)}]
    return links
