"""Metafields on orders and customers: upsert by (namespace, key), as orderUpdate/customerUpdate do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .ids import IdSequence
from .model import Metafield
from .user_errors import UserError

DEFAULT_NAMESPACE = "custom"
DEFAULT_TYPE = "single_line_text_field"


def upsert_metafields(
    ids: IdSequence,
    owner_fields: dict[tuple[str, str], Metafield],
    inputs: list[dict[str, Any]],
    now: datetime,
    path: str = "metafields",
) -> list[UserError]:
    """Validates every input first, then creates or updates; nothing is written when one is wrong."""
    errors = []
    for index, item in enumerate(inputs):
        if not item.get("key"):
            errors.append(UserError([path, str(index), "key"], "Key can't be blank"))
        elif item.get("value") is None:
            errors.append(UserError([path, str(index), "value"], "Value can't be blank"))
    if errors:
        return errors
    for item in inputs:
        namespace = item.get("namespace") or DEFAULT_NAMESPACE
        existing = owner_fields.get((namespace, item["key"]))
        if existing is not None:
            existing.value, existing.updated_at = str(item["value"]), now
            existing.type = item.get("type") or existing.type
        else:
            owner_fields[(namespace, item["key"])] = Metafield(
                ids.next(),
                namespace,
                item["key"],
                str(item["value"]),
                item.get("type") or DEFAULT_TYPE,
                now,
                now,
            )
    return []
