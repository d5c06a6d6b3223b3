"""Records as the REST record service shows them: refName/links on references, sublists, UTC dates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .account import Account
from .references import ENUM_NAMES, REFERENCE_TARGETS, display_name, resolve_target
from .store import StoredRecord


def record_url(base: str, record: StoredRecord) -> str:
    return f"{base}/{record.kind.name}/{record.id}"


def render_record(account: Account, base: str, record: StoredRecord, expand: bool) -> dict[str, Any]:
    """The body of `GET record/v1/{type}/{id}`; sublists are only links unless `expand`."""
    url = record_url(base, record)
    body: dict[str, Any] = {"links": [{"rel": "self", "href": url}], "id": str(record.id)}
    for name, value in record.body.items():
        body[name] = _render_value(account, base, name, value)
    if record.created is not None:
        body["createdDate"] = iso_utc(record.created)
    if record.last_modified is not None:
        body["lastModifiedDate"] = iso_utc(record.last_modified)
    for sublist in record.kind.sublists:
        lines = record.sublists.get(sublist, [])
        body[sublist] = (
            render_sublist(account, f"{url}/{sublist}", lines)
            if expand
            else {"links": [{"rel": "self", "href": f"{url}/{sublist}"}]}
        )
    return body


def render_sublist(account: Account, url: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    items = [render_line(account, url, line, index) for index, line in enumerate(lines)]
    return {
        "links": [{"rel": "self", "href": url}],
        "items": items,
        "totalResults": len(items),
        "count": len(items),
        "hasMore": False,
        "offset": 0,
    }


def render_line(account: Account, url: str, line: dict[str, Any], index: int) -> dict[str, Any]:
    key = line.get("line", index + 1)
    rendered: dict[str, Any] = {"links": [{"rel": "self", "href": f"{url}/{key}"}]}
    for name, value in line.items():
        rendered[name] = _render_value(account, url.rsplit("/", 3)[0], name, value)
    return rendered


def _render_value(account: Account, base: str, name: str, value: Any) -> Any:
    if isinstance(value, dict) and "id" in value and (name in REFERENCE_TARGETS or name in ENUM_NAMES):
        ref: dict[str, Any] = {"id": value["id"]}
        title = display_name(account, name, value)
        if title is not None:
            ref["refName"] = title
        target = REFERENCE_TARGETS.get(name)
        if target is not None:
            record = resolve_target(account, target, value)
            if record is not None:
                ref["links"] = [{"rel": "self", "href": record_url(base, record)}]
        return ref
    if isinstance(value, dict):
        return {key: _render_value(account, base, key, inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_render_value(account, base, name, inner) for inner in value]
    return value


def iso_utc(moment: datetime) -> str:
    """NetSuite REST datetimes: ISO-8601 in UTC with a Z (reference §1.2)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: Any) -> str:
    return json.dumps(payload, default=_json_default)
