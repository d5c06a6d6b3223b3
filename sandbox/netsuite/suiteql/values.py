"""SQL value semantics: NULL-aware comparison with Oracle's implicit conversions, LIKE, arithmetic."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from .datetimes import parse_user_date, user_format
from .lexer import syntax_error


def is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def to_number(value: Any) -> Decimal:
    if is_number(value):
        return Decimal(value)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise syntax_error(f"Invalid number '{value}'.") from None


def as_datetime(value: Any, zone: ZoneInfo, date_preference: str) -> datetime:
    """Dates become local midnight in the account zone; strings are read in the user's format."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone)
    parsed = parse_user_date(str(value), zone, date_preference)
    if parsed is None:
        raise syntax_error(f"Unparseable date '{value}'.")
    return parsed


def compare(left: Any, right: Any, zone: ZoneInfo, date_preference: str) -> int | None:
    """-1/0/1, or None when either side is NULL (SQL's unknown)."""
    if left is None or right is None:
        return None
    a: Any
    b: Any
    if is_number(left) or is_number(right):
        a, b = to_number(left), to_number(right)
    elif isinstance(left, date) or isinstance(right, date):
        a, b = as_datetime(left, zone, date_preference), as_datetime(right, zone, date_preference)
    else:
        a, b = str(left), str(right)
    return int(a > b) - int(a < b)


def like(value: Any, pattern: Any) -> bool | None:
    if value is None or pattern is None:
        return None
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(pattern))
    return re.fullmatch(regex, str(value), re.DOTALL) is not None


def arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "||":
        return ("" if left is None else str(left)) + ("" if right is None else str(right))
    if left is None or right is None:
        return None
    if isinstance(left, datetime | date) and op in "+-" and not isinstance(right, datetime | date):
        days = timedelta(days=float(to_number(right)))
        return left + days if op == "+" else left - days
    if isinstance(left, datetime) and isinstance(right, datetime) and op == "-":
        return Decimal((left - right).total_seconds()) / Decimal(86400)
    a, b = to_number(left), to_number(right)
    if op == "/" and b == 0:
        raise syntax_error("Division by zero.")
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op]


def sort_key(value: Any) -> tuple[int, Any]:
    """A total order for ORDER BY over mixed, possibly NULL values (NULL handled by the caller)."""
    if is_number(value):
        return (0, Decimal(value))
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, date):
        return (1, datetime.combine(value, time()).timestamp())
    return (2, str(value))


def render(value: Any, zone: ZoneInfo, date_preference: str) -> str | None:
    """Every SuiteQL value travels as a JSON string (reference §2)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, Decimal):
        normal = value.normalize()
        return format(normal, "f") if normal != normal.to_integral_value() else str(int(normal))
    if isinstance(value, datetime | date):
        return user_format(value, zone, date_preference)
    return str(value)
