"""Shopify global ids (GIDs): `gid://shopify/<Type>/<number>`, with InventoryLevel's query suffix."""

from __future__ import annotations

import re

_GID = re.compile(r"^gid://shopify/(?P<kind>[A-Za-z]+)/(?P<number>\d+)(?P<query>\?.*)?$")


class InvalidGid(ValueError):
    """An id that is not a Shopify GID of the expected type."""


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def inventory_level_gid(level_id: int, item_id: int) -> str:
    # Shopify's InventoryLevel ids carry the item as a query string [reference §1].
    return f"gid://shopify/InventoryLevel/{level_id}?inventory_item_id={item_id}"


def parse_gid(value: str, kind: str) -> int:
    """The number inside a GID of `kind`; raises InvalidGid for anything else."""
    match = _GID.match(value or "")
    if match is None or match["kind"] != kind:
        raise InvalidGid(f"Invalid global id '{value}' (expected gid://shopify/{kind}/<id>)")
    return int(match["number"])


def gid_kind(value: str) -> tuple[str, int] | None:
    """(kind, number) of any Shopify GID, or None when it is not one."""
    match = _GID.match(value or "")
    return None if match is None else (match["kind"], int(match["number"]))


class IdSequence:
    """Numeric ids for one shop: large like Shopify's, increasing, never reused."""

    def __init__(self, start: int = 1_000_001) -> None:
        self._next = start

    def next(self) -> int:
        value = self._next
        self._next += 1
        return value
