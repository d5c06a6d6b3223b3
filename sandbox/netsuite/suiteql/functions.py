"""SuiteQL's scalar functions (Oracle names): conversions, NVL, string and number helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .datetimes import parse_datetime, to_char
from .lexer import syntax_error
from .values import render, to_number

_CURRENT_TIME = {"SYSDATE", "CURRENT_DATE", "CURRENT_TIMESTAMP", "SYSTIMESTAMP"}


def call_function(name: str, args: list[Any], zone: ZoneInfo, date_preference: str, now: datetime) -> Any:
    if name in _CURRENT_TIME:
        return now
    handler = _FUNCTIONS.get(name)
    if handler is None:
        raise syntax_error(f"Unknown identifier '{name.lower()}'. Unsupported function.")
    try:
        return handler(args, zone, date_preference)
    except (IndexError, TypeError):
        raise syntax_error(f"Wrong number or type of arguments in call to {name}.") from None


def _to_char(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    value = args[0]
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return to_char(value, str(args[1]), zone) if len(args) > 1 else render(value, zone, preference)
    return render(value, zone, preference)


def _to_timestamp(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    if args[0] is None:
        return None
    if isinstance(args[0], datetime):
        return args[0]
    fmt = (
        str(args[1])
        if len(args) > 1
        else {"M/D/YYYY": "MM/DD/YYYY", "D/M/YYYY": "DD/MM/YYYY"}.get(preference, "YYYY-MM-DD")
    )
    return parse_datetime(str(args[0]), fmt, zone)


def _round(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    if args[0] is None:
        return None
    places = int(args[1]) if len(args) > 1 else 0
    return to_number(args[0]).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _trunc(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    value = args[0]
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(zone).date()
    if isinstance(value, date):
        return value
    return Decimal(int(to_number(value)))


def _substr(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    if args[0] is None:
        return None
    text, start = str(args[0]), int(args[1])
    begin = start - 1 if start > 0 else max(len(text) + start, 0)
    return text[begin : begin + int(args[2])] if len(args) > 2 else text[begin:]


def _nvl(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    return args[0] if args[0] is not None else args[1]


def _coalesce(args: list[Any], zone: ZoneInfo, preference: str) -> Any:
    return next((a for a in args if a is not None), None)


def _null_safe(fn: Callable[[Any], Any]) -> Callable[[list[Any], ZoneInfo, str], Any]:
    return lambda args, zone, preference: None if args[0] is None else fn(args[0])


_FUNCTIONS: dict[str, Callable[[list[Any], ZoneInfo, str], Any]] = {
    "TO_CHAR": _to_char,
    "TO_TIMESTAMP": _to_timestamp,
    "TO_DATE": _to_timestamp,
    "TO_NUMBER": _null_safe(to_number),
    "NVL": _nvl,
    "COALESCE": _coalesce,
    "ABS": _null_safe(lambda v: abs(to_number(v))),
    "UPPER": _null_safe(lambda v: str(v).upper()),
    "LOWER": _null_safe(lambda v: str(v).lower()),
    "LENGTH": _null_safe(lambda v: len(str(v))),
    "TRIM": _null_safe(lambda v: str(v).strip()),
    "ROUND": _round,
    "TRUNC": _trunc,
    "SUBSTR": _substr,
}
