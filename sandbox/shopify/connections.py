"""Relay connections as Shopify serves them: opaque cursors, first/after and last/before, max 250 per page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

MAX_PAGE_SIZE = 250
SortKey = Callable[[Any], tuple[Any, int]]


def encode_cursor(value: Any, item_id: int) -> str:
    # Shopify's cursors are base64 JSON of the last sort value and id; clients must treat them as opaque.
    raw = json.dumps({"last_id": item_id, "last_value": value}, default=str, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return str(payload["last_value"]), int(payload["last_id"])
    except (ValueError, KeyError, TypeError) as error:
        raise GraphQLError(f"Invalid cursor: {cursor}", extensions={"code": "BAD_REQUEST"}) from error


def _comparable(key: tuple[Any, int]) -> tuple[str, int]:
    """Sort values as strings that order like the values: ISO datetimes, zero-padded numbers."""
    value, item_id = key
    if hasattr(value, "isoformat"):  # fixed width, so string order is time order
        return value.isoformat(timespec="microseconds"), item_id
    return (str(value).zfill(20) if isinstance(value, int) else str(value)), item_id


def connection(
    items: Sequence[Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    sort_key: SortKey | None = None,
    require_size: bool = True,
) -> dict[str, Any]:
    """A page of `items` as {edges, nodes, pageInfo}; items are sorted by (sort value, id)."""
    if require_size and first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    for size in (first, last):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise GraphQLError(
                f"The page size must be between 0 and {MAX_PAGE_SIZE}.", extensions={"code": "BAD_REQUEST"}
            )
    key = sort_key or (lambda item: (item.id, item.id))
    keyed = sorted(
        ((_comparable(key(item)), item) for item in items), key=lambda pair: pair[0], reverse=reverse
    )
    start, stop = 0, len(keyed)
    if after is not None:
        mark = decode_cursor(after)
        start = next((i for i, (k, _) in enumerate(keyed) if (k < mark if reverse else k > mark)), len(keyed))
    if before is not None:
        mark = decode_cursor(before)
        stop = next(
            (i for i, (k, _) in enumerate(keyed) if (k <= mark if reverse else k >= mark)), len(keyed)
        )
    window = keyed[start:stop]
    has_next = has_previous = False
    if first is not None and len(window) > first:
        window, has_next = window[:first], True
    if last is not None and len(window) > last:
        window, has_previous = window[len(window) - last :], True
    has_previous = has_previous or start > 0
    has_next = has_next or stop < len(keyed)
    edges = [{"cursor": encode_cursor(k[0], k[1]), "node": item} for k, item in window]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def plain_list(items: Sequence[Any], first: int | None) -> list[Any]:
    """A capped list field (e.g. `Order.refunds(first:)`)."""
    return list(items if first is None else items[:first])
