"""Shopify global ids (GIDs): `gid://shopify/<Type>/<number>`, with InventoryLevel's query suffix."""

from __future__ import annotations

import re

from .user_errors import DomainRefusal

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


FIRST_ID = 1_000_001
SHOP_ID_SPAN = 1_000_000_000  # ids one shop may hand out; shops' ranges never overlap


class IdSequence:
    """Numeric ids for one shop: large like Shopify's, increasing, never reused, inside its range.

    Real Shopify ids are unique across shops, so each shop of a sandbox owns [start, stop): two
    shops' orders (and the NetSuite external ids made from them) can never share an id.
    """

    def __init__(self, start: int = FIRST_ID, stop: int | None = None) -> None:
        if start < 1 or (stop is not None and stop <= start):
            raise ValueError(f"Invalid id range [{start}, {stop})")
        self.start, self.stop = start, stop
        self._next = start

    def next(self) -> int:
        if self.stop is not None and self._next >= self.stop:
            raise RuntimeError(f"Shop id range [{self.start}, {self.stop}) is used up")
        value = self._next
        self._next += 1
        return value

    def overlaps(self, other: IdSequence) -> bool:
        far = 2**63  # an open-ended range reaches past any id
        return self.start < (other.stop or far) and other.start < (self.stop or far)


def shop_id_range(first_id: int | None, taken: list[IdSequence]) -> IdSequence:
    """The ids of a new shop: from `first_id` when asked for, else the lowest free span."""
    if first_id is not None:
        wanted = IdSequence(first_id, first_id + SHOP_ID_SPAN)
        if any(wanted.overlaps(other) for other in taken):
            last = first_id + SHOP_ID_SPAN - 1
            raise DomainRefusal("ID_RANGE_TAKEN", f"Ids {first_id}..{last} overlap another shop's id range.")
        return wanted
    start = FIRST_ID
    while any(IdSequence(start, start + SHOP_ID_SPAN).overlaps(other) for other in taken):
        start += SHOP_ID_SPAN
    return IdSequence(start, start + SHOP_ID_SPAN)
