"""Oracle date formats (TO_CHAR / TO_TIMESTAMP / TO_DATE) and the user's date-format preference.

SuiteQL renders and parses datetimes in the account's time zone, even when the format appends a
literal "Z" (reference §2, "time-zone trap"): a poller that round-trips TO_CHAR output through
TO_TIMESTAMP stays consistent, one that assumes UTC is off by the zone offset.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..errors import NetSuiteApiError
from .lexer import syntax_error

_TOKENS = (
    "YYYY",
    "MONTH",
    "MON",
    "HH24",
    "HH12",
    "FF3",
    "FF6",
    "A.M.",
    "P.M.",
    "YY",
    "MM",
    "DD",
    "HH",
    "MI",
    "SS",
    "FF",
    "AM",
    "PM",
    "DY",
    "DAY",
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@functools.lru_cache(maxsize=256)
def _format_tokens(fmt: str) -> tuple[tuple[str, str], ...]:
    """Split an Oracle format into ("token", "YYYY") and ("text", "-") pieces (cached: a query
    applies the same format to every row it scans)."""
    pieces: list[tuple[str, str]] = []
    position = 0
    while position < len(fmt):
        if fmt[position] == '"':
            end = fmt.find('"', position + 1)
            if end < 0:
                raise syntax_error(f"Unterminated quoted text in date format '{fmt}'.")
            pieces.append(("text", fmt[position + 1 : end]))
            position = end + 1
            continue
        token = next((t for t in _TOKENS if fmt.upper().startswith(t, position)), None)
        if token is not None:
            pieces.append(("token", token))
            position += len(token)
        elif fmt[position].isalpha():
            raise syntax_error(f"Invalid date format '{fmt}'.")
        else:
            pieces.append(("text", fmt[position]))
            position += 1
    return tuple(pieces)


def to_char(moment: datetime | date, fmt: str, zone: ZoneInfo) -> str:
    """TO_CHAR of a datetime (shown in the account zone) or a date."""
    local = (
        moment.astimezone(zone)
        if isinstance(moment, datetime)
        else datetime(moment.year, moment.month, moment.day)
    )
    out: list[str] = []
    for kind, value in _format_tokens(fmt):
        out.append(value if kind == "text" else _render_token(local, value))
    return "".join(out)


_RENDERS: dict[str, Callable[[datetime], str]] = {
    "YYYY": lambda t: f"{t.year:04d}",
    "YY": lambda t: f"{t.year % 100:02d}",
    "MM": lambda t: f"{t.month:02d}",
    "MON": lambda t: _MONTHS[t.month - 1],
    "MONTH": lambda t: t.strftime("%B").upper(),
    "DD": lambda t: f"{t.day:02d}",
    "HH24": lambda t: f"{t.hour:02d}",
    "HH12": lambda t: f"{t.hour % 12 or 12:02d}",
    "HH": lambda t: f"{t.hour % 12 or 12:02d}",
    "MI": lambda t: f"{t.minute:02d}",
    "SS": lambda t: f"{t.second:02d}",
    "FF": lambda t: f"{t.microsecond:06d}",
    "FF6": lambda t: f"{t.microsecond:06d}",
    "FF3": lambda t: f"{t.microsecond // 1000:03d}",
    "AM": lambda t: "AM" if t.hour < 12 else "PM",
    "PM": lambda t: "AM" if t.hour < 12 else "PM",
    "A.M.": lambda t: "A.M." if t.hour < 12 else "P.M.",
    "P.M.": lambda t: "A.M." if t.hour < 12 else "P.M.",
    "DY": lambda t: t.strftime("%a").upper(),
    "DAY": lambda t: t.strftime("%A").upper(),
}


def _render_token(local: datetime, token: str) -> str:
    return _RENDERS[token](local)


_PARSE_PATTERNS = {
    "YYYY": r"(?P<year>\d{4})",
    "YY": r"(?P<yy>\d{2})",
    "MM": r"(?P<month>\d{1,2})",
    "MON": r"(?P<mon>[A-Za-z]{3})",
    "DD": r"(?P<day>\d{1,2})",
    "HH24": r"(?P<hour>\d{1,2})",
    "HH12": r"(?P<hour12>\d{1,2})",
    "HH": r"(?P<hour12>\d{1,2})",
    "MI": r"(?P<minute>\d{1,2})",
    "SS": r"(?P<second>\d{1,2})",
    "FF": r"(?P<fraction>\d{1,9})",
    "FF3": r"(?P<fraction>\d{1,3})",
    "FF6": r"(?P<fraction>\d{1,6})",
    "AM": r"(?P<meridiem>[AaPp][Mm])",
    "PM": r"(?P<meridiem>[AaPp][Mm])",
}


@functools.lru_cache(maxsize=4096)  # a query's TO_TIMESTAMP constant is read once, not once per row
def parse_datetime(text: str, fmt: str, zone: ZoneInfo) -> datetime:
    """TO_TIMESTAMP: read `text` as local time in the account zone; returns an aware UTC datetime."""
    pattern = ""
    for kind, value in _format_tokens(fmt):
        if kind == "text":
            pattern += re.escape(value)
        elif value in _PARSE_PATTERNS:
            pattern += _PARSE_PATTERNS[value]
        else:
            raise syntax_error(f"The format element {value} cannot be used to parse a date.")
    match = re.fullmatch(pattern, text.strip())
    if match is None:
        raise syntax_error(f"The date '{text}' does not match the format '{fmt}'.")
    parts = match.groupdict()
    year = int(parts["year"]) if parts.get("year") else 2000 + int(parts.get("yy") or 0)
    month = (
        int(parts["month"])
        if parts.get("month")
        else (_MONTHS.index(parts["mon"].upper()) + 1 if parts.get("mon") else 1)
    )
    hour = int(parts.get("hour") or 0)
    if parts.get("hour12"):
        hour = int(parts["hour12"]) % 12 + (12 if (parts.get("meridiem") or "am").lower() == "pm" else 0)
    fraction = (parts.get("fraction") or "0").ljust(6, "0")[:6]
    try:
        local = datetime(
            year,
            month,
            int(parts.get("day") or 1),
            hour,
            int(parts.get("minute") or 0),
            int(parts.get("second") or 0),
            int(fraction),
            tzinfo=zone,
        )
    except ValueError as problem:
        raise syntax_error(f"Invalid date '{text}': {problem}.") from None
    return local.astimezone(UTC)


def user_format(value: datetime | date, zone: ZoneInfo, preference: str) -> str:
    """How SuiteQL shows a date or datetime selected without TO_CHAR: the user's preference."""
    local = value.astimezone(zone) if isinstance(value, datetime) else value
    day = {
        "M/D/YYYY": f"{local.month}/{local.day}/{local.year}",
        "D/M/YYYY": f"{local.day}/{local.month}/{local.year}",
        "YYYY-MM-DD": f"{local.year:04d}-{local.month:02d}-{local.day:02d}",
    }[preference]
    if not isinstance(local, datetime):
        return day
    hour12 = local.hour % 12 or 12
    return f"{day} {hour12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"


def parse_user_date(text: str, zone: ZoneInfo, preference: str) -> datetime | None:
    """A string literal compared with a date: read it in the user's date format, else None."""
    fmt = {"M/D/YYYY": "MM/DD/YYYY", "D/M/YYYY": "DD/MM/YYYY", "YYYY-MM-DD": "YYYY-MM-DD"}[preference]
    try:
        return parse_datetime(text, fmt, zone)
    except NetSuiteApiError:  # not a date in the user's format: the caller reports the comparison
        return None
