"""Shopify's search `query:` strings (`updated_at:>'2026-04-01T00:00:00Z' status:open sku:ABC`). Pure.

Terms are ANDed (an explicit `AND` is accepted, `OR` between two terms too); a term is `field:value`
with an optional comparator `>`, `>=`, `<`, `<=`; values may be quoted; `-field:value` negates; a bare
word searches the resource's default text. Unknown fields match nothing, so a typo is visible in tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError

_TOKEN = re.compile(r"""(-?)(?:([A-Za-z_]+):(>=|<=|>|<)?("[^"]*"|'[^']*'|\S+)|("[^"]*"|'[^']*'|\S+))""")

Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Term:
    field: str | None  # None: free text
    comparator: str  # ":" ">" ">=" "<" "<="
    value: str
    negated: bool = False


def parse(query: str) -> list[list[Term]]:
    """The query as OR-groups of AND-ed terms."""
    groups: list[list[Term]] = [[]]
    for match in _TOKEN.finditer(query or ""):
        negated, field, comparator, value, bare = match.groups()
        word = (bare or "").strip("'\"")
        if field is None and word == "AND":
            continue
        if field is None and word == "OR":
            groups.append([])
            continue
        raw = value if field is not None else bare
        groups[-1].append(Term(field, comparator or ":", raw.strip("'\""), bool(negated)))
    return [group for group in groups if group]


def _as_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(actual: Any, term: Term) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list):
        return any(_compare(item, term) for item in actual)
    if isinstance(actual, datetime):
        try:
            expected: Any = _as_datetime(term.value)
        except ValueError as error:
            raise GraphQLError(
                f"Invalid date in search query: {term.value}", extensions={"code": "BAD_REQUEST"}
            ) from error
    elif isinstance(actual, bool):
        expected, actual = term.value.lower(), str(actual).lower()
    elif isinstance(actual, int):
        expected = int(term.value) if term.value.lstrip("-").isdigit() else term.value
    else:
        actual, expected = str(actual).lower(), term.value.lower()
        if term.comparator == ":" and expected.endswith("*"):
            return actual.startswith(expected[:-1])
    if type(actual) is not type(expected) and not isinstance(actual, datetime):
        return False
    return {
        ":": actual == expected,
        ">": actual > expected,
        ">=": actual >= expected,
        "<": actual < expected,
        "<=": actual <= expected,
    }[term.comparator]


def matches(item: Any, groups: list[list[Term]], fields: Mapping[str, Getter], text: Getter) -> bool:
    """Whether `item` satisfies the parsed query, reading fields through `fields` getters."""
    if not groups:
        return True

    def term_ok(term: Term) -> bool:
        if term.field is None:
            ok = term.value.lower() in str(text(item)).lower()
        else:
            getter = fields.get(term.field)
            ok = getter is not None and _compare(getter(item), term)
        return ok != term.negated

    return any(all(term_ok(term) for term in group) for group in groups)


def search(items: list[Any], query: str | None, fields: Mapping[str, Getter], text: Getter) -> list[Any]:
    groups = parse(query or "")
    return [item for item in items if matches(item, groups, fields, text)]
