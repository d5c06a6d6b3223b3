"""Datetimes in SuiteQL: rendered and parsed in the account's time zone (reference/netsuite.md §2, §7.5).

TO_CHAR and TO_TIMESTAMP work in account-local time, even around a literal "Z". Local time is
ambiguous once a year (the repeated hour when DST ends), so every conversion says which way it errs:
a window's lower bound may only move earlier (re-reading is harmless, missing is not), and the
creation time of a sales order may only move later (see `latest`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Milliseconds: NetSuite keeps timestamps to the millisecond; fewer digits would merge distinct moments.
SUITEQL_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF3"
_PY_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class AccountTime:
    """Conversions between epoch seconds (UTC) and the account's local SuiteQL datetime text."""

    def __init__(self, time_zone: str) -> None:
        try:
            self.zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"netsuite.time_zone: unknown IANA time zone {time_zone!r}") from None

    def select(self, column: str, alias: str) -> str:
        """A select-list entry that returns `column` as account-local text with milliseconds."""
        return f"TO_CHAR({column}, '{SUITEQL_FORMAT}') AS {alias}"

    def at_or_before(self, epoch: float) -> str:
        """`TO_TIMESTAMP(…)` for a moment no later than `epoch`, however the server reads a repeated hour."""
        moment = epoch
        for _ in range(4):
            text = self.render(moment)
            earliest, latest = self.interpretations(text)
            if latest <= epoch:
                return f"TO_TIMESTAMP('{text}', '{SUITEQL_FORMAT}')"
            moment -= latest - earliest  # inside the repeated hour: step back before it
        raise AssertionError(f"no unambiguous local time at or before {epoch}")  # zones repeat an hour once

    def render(self, epoch: float) -> str:
        """Local text of `epoch`, truncated (never rounded up) to the millisecond."""
        local = datetime.fromtimestamp(epoch, UTC).astimezone(self.zone)
        return local.strftime(_PY_FORMAT)[:-3]

    def interpretations(self, text: str) -> tuple[float, float]:
        """(earliest, latest) epoch seconds that local `text` can mean; equal outside the DST switch."""
        try:
            naive = datetime.strptime(text.strip(), _PY_FORMAT if "." in text else _PY_FORMAT[:-3])
        except ValueError:
            raise ValueError(f"not a SuiteQL datetime in {SUITEQL_FORMAT}: {text!r}") from None
        candidates = [naive.replace(tzinfo=self.zone, fold=fold).timestamp() for fold in (0, 1)]
        return min(candidates), max(candidates)

    def earliest(self, text: str) -> float:
        return self.interpretations(text)[0]

    def latest(self, text: str) -> float:
        return self.interpretations(text)[1]


def utc_text(epoch: float) -> str:
    """A readable UTC rendering for logs and cursors (never sent to NetSuite)."""
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch)).isoformat(timespec="milliseconds")
