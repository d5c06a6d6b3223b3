"""Connection arguments → a page, shared by every connection field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..connections import SortKey, connection


def page(items: Sequence[Any], sort_key: SortKey | None = None, **args: Any) -> dict[str, Any]:
    return connection(
        items,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        reverse=bool(args.get("reverse")),
        sort_key=sort_key,
    )
