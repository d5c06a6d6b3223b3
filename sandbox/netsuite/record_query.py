"""The `q` filter of record collections: `GET record/v1/customer?q=email IS "a@b.c"` (reference §1.2).

It runs on N/query in NetSuite, so date literals follow the user's date-format preference
(`lastModifiedDate AFTER "03/15/2026"`); a date in another format is 400 INVALID_PARAMETER
"Unparseable date". Date-only values are whole days in the account's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from .errors import NetSuiteApiError
from .store import StoredRecord

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"[^"]*")|(?P<list>\[[^\]]*\])|(?P<paren>[()])|(?P<word>[^\s()"\[\]]+))'
)
_DATE_OPS = {
    "AFTER",
    "BEFORE",
    "ON",
    "ON_OR_AFTER",
    "ON_OR_BEFORE",
    "AFTER_NOT",
    "BEFORE_NOT",
    "ON_NOT",
    "ON_OR_AFTER_NOT",
    "ON_OR_BEFORE_NOT",
}
_UNARY_OPS = {"EMPTY", "EMPTY_NOT"}
Predicate = Callable[[StoredRecord], bool]


def bad_query(detail: str) -> NetSuiteApiError:
    return NetSuiteApiError(400, "INVALID_PARAMETER", f"Invalid search query: {detail}", query_param="q")


def compile_query(text: str, zone: ZoneInfo, date_format: str) -> Predicate:
    """Parse a `q` expression into a predicate over records."""
    tokens = [m.group(m.lastgroup or "word") for m in _TOKEN.finditer(text) if m.lastgroup]
    parser = _QueryParser(tokens, zone, date_format)
    predicate = parser.disjunction()
    if parser.position != len(tokens):
        raise bad_query(f"unexpected '{tokens[parser.position]}'.")
    return predicate


class _QueryParser:
    def __init__(self, tokens: list[str], zone: ZoneInfo, date_format: str) -> None:
        self.tokens, self.position, self.zone, self.date_format = tokens, 0, zone, date_format

    def take(self) -> str:
        if self.position >= len(self.tokens):
            raise bad_query("the condition is incomplete.")
        self.position += 1
        return self.tokens[self.position - 1]

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda record: any(p(record) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.condition()]
        while self.peek() == "AND":
            self.take()
            parts.append(self.condition())
        return parts[0] if len(parts) == 1 else (lambda record: all(p(record) for p in parts))

    def condition(self) -> Predicate:
        if self.peek() == "(":
            self.take()
            inner = self.disjunction()
            if self.take() != ")":
                raise bad_query("missing ')'.")
            return inner
        field, operator = self.take(), self.take().upper()
        if operator in _UNARY_OPS:
            empty = operator == "EMPTY"
            return lambda record: (_field(record, field) in (None, "")) == empty
        negated = operator.endswith("_NOT") and operator not in {"IS_NOT"}
        base = operator.removesuffix("_NOT") if negated else operator
        test = self.comparison(base, self.take(), field)
        return (lambda record: not test(record)) if negated else test

    def comparison(self, operator: str, literal: str, field: str) -> Predicate:
        if operator in {op.removesuffix("_NOT") for op in _DATE_OPS}:
            start, end = self.day_range(literal)
            tests: dict[str, Callable[[datetime], bool]] = {
                "AFTER": lambda v: v >= end,
                "BEFORE": lambda v: v < start,
                "ON": lambda v: start <= v < end,
                "ON_OR_AFTER": lambda v: v >= start,
                "ON_OR_BEFORE": lambda v: v < end,
            }
            check = tests[operator]
            return lambda record: (
                (value := _moment(_field(record, field), self.zone)) is not None and check(value)
            )
        text = literal.strip('"')
        strings: dict[str, Callable[[str], bool]] = {
            "IS": lambda v: v == text,
            "IS_NOT": lambda v: v != text,
            "CONTAIN": lambda v: text in v,
            "START_WITH": lambda v: v.startswith(text),
            "END_WITH": lambda v: v.endswith(text),
        }
        if operator in strings:
            string_test = strings[operator]
            return lambda record: string_test(
                "" if _field(record, field) is None else str(_field(record, field))
            )
        return self.numeric(operator, literal, field)

    def numeric(self, operator: str, literal: str, field: str) -> Predicate:
        values = (
            [_number(v) for v in literal.strip("[]").split(",")]
            if literal.startswith("[")
            else [_number(literal)]
        )
        tests: dict[str, Callable[[Decimal], bool]] = {
            "EQUAL": lambda v: v == values[0],
            "GREATER": lambda v: v > values[0],
            "GREATER_OR_EQUAL": lambda v: v >= values[0],
            "LESS": lambda v: v < values[0],
            "LESS_OR_EQUAL": lambda v: v <= values[0],
            "ANY_OF": lambda v: v in values,
            "BETWEEN": lambda v: values[0] <= v <= values[-1],
        }
        if operator not in tests:
            raise bad_query(f"unknown operator {operator}.")
        check = tests[operator]
        return lambda record: (value := _number_or_none(_field(record, field))) is not None and check(value)

    def day_range(self, literal: str) -> tuple[datetime, datetime]:
        """A date literal in the user's format, as the local day [start, end)."""
        text = literal.strip('"')
        order = {"M/D/YYYY": "%m/%d/%Y", "D/M/YYYY": "%d/%m/%Y", "YYYY-MM-DD": "%Y-%m-%d"}[self.date_format]
        try:
            day = datetime.strptime(text, order).date()
        except ValueError:
            raise bad_query(f'Unparseable date: "{text}"') from None
        start = datetime.combine(day, time(), tzinfo=self.zone)
        return start, start + timedelta(days=1)


def _field(record: StoredRecord, name: str) -> Any:
    special = {
        "id": record.id,
        "lastModifiedDate": record.last_modified,
        "createdDate": record.created,
        "dateCreated": record.created,
    }
    if name in special:
        return special[name]
    value = record.body.get(name)
    return value.get("id") if isinstance(value, dict) else value


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=zone)
    return None


def _number(text: str) -> Decimal:
    try:
        return Decimal(text.strip().strip('"'))
    except InvalidOperation:
        raise bad_query(f"'{text}' is not a number.") from None


def _number_or_none(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        return None
