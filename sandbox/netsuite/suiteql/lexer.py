"""Tokens of SuiteQL text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..errors import NetSuiteApiError


@dataclass(frozen=True)
class Token:
    kind: str  # "ident", "keyword", "number", "string", "op", "end"
    value: str
    position: int


KEYWORDS = frozenset(
    {
        "SELECT",
        "DISTINCT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "IS",
        "NULL",
        "BETWEEN",
        "JOIN",
        "INNER",
        "LEFT",
        "RIGHT",
        "OUTER",
        "CROSS",
        "ON",
        "AS",
        "GROUP",
        "BY",
        "HAVING",
        "ORDER",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "FETCH",
        "NEXT",
        "ROWS",
        "ROW",
        "ONLY",
        "OFFSET",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "ESCAPE",
    }
)

_PATTERN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*)
  | (?P<number>\d+(\.\d+)?|\.\d+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"[^"]+")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_$#]*)
  | (?P<op><>|!=|<=|>=|\|\||[=<>+\-*/(),.])
""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _PATTERN.match(text, position)
        if match is None:
            raise syntax_error(f"Unexpected character '{text[position]}' at position {position}.")
        kind = match.lastgroup or "space"
        value = match.group()
        if kind == "string":
            tokens.append(Token("string", value[1:-1].replace("''", "'"), position))
        elif kind == "quoted":
            tokens.append(Token("ident", value[1:-1], position))
        elif kind == "ident":
            upper = value.upper()
            tokens.append(
                Token("keyword", upper, position) if upper in KEYWORDS else Token("ident", value, position)
            )
        elif kind != "space":
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def number_value(text: str) -> int | Decimal:
    return Decimal(text) if "." in text else int(text)


def syntax_error(detail: str) -> NetSuiteApiError:
    return NetSuiteApiError(
        400,
        "INVALID_PARAMETER",
        f"Invalid search query. Detailed unprocessed description follows. Search error occurred: {detail}",
        query_param="q",
    )
