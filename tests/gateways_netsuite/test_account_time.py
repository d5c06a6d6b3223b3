"""SuiteQL datetimes in the account's zone: non-UTC offsets, the repeated hour and the skipped hour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateways.netsuite.account_time import SUITEQL_FORMAT, AccountTime

LA = AccountTime("America/Los_Angeles")


def _epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def _literal_text(literal: str) -> str:
    assert literal.startswith("TO_TIMESTAMP('") and literal.endswith(f"', '{SUITEQL_FORMAT}')")
    return literal.split("'")[1]


def test_a_moment_is_rendered_in_account_local_time_with_milliseconds() -> None:
    assert LA.render(_epoch(2026, 7, 1, 12, 0, 0) + 0.1239) == "2026-07-01 05:00:00.123"  # PDT, truncated
    assert LA.render(_epoch(2026, 12, 1, 12, 0, 0)) == "2026-12-01 04:00:00.000"  # PST
    assert AccountTime("Asia/Kolkata").render(_epoch(2026, 1, 1, 0, 0, 0)) == "2026-01-01 05:30:00.000"


def test_local_text_is_read_back_in_the_account_zone_not_as_utc() -> None:
    kolkata = AccountTime("Asia/Kolkata")
    assert kolkata.interpretations("2026-01-01 05:30:00.000") == (_epoch(2026, 1, 1), _epoch(2026, 1, 1))
    assert LA.earliest("2026-07-01 05:00:00.250") == _epoch(2026, 7, 1, 12) + 0.25
    assert LA.earliest("2026-07-01 05:00:00") == _epoch(2026, 7, 1, 12)  # no fraction is accepted too


def test_the_repeated_hour_has_two_readings_an_hour_apart() -> None:
    # 2026-11-01: Los Angeles goes from 01:59:59 PDT back to 01:00:00 PST.
    earliest, latest = LA.interpretations("2026-11-01 01:30:00.000")
    assert earliest == _epoch(2026, 11, 1, 8, 30)  # 01:30 PDT
    assert latest == _epoch(2026, 11, 1, 9, 30)  # 01:30 PST
    assert LA.render(earliest) == LA.render(latest) == "2026-11-01 01:30:00.000"


@pytest.mark.parametrize(
    "moment",
    [
        _epoch(2026, 11, 1, 8, 30),  # first 01:30 (PDT): any reading of "01:30" but the first is too late
        _epoch(2026, 11, 1, 9, 30),  # second 01:30 (PST)
        _epoch(2026, 11, 1, 8, 0),  # the first instant of the repeated hour
        _epoch(2026, 11, 1, 7, 59, 59) + 0.999,
        _epoch(2026, 3, 8, 10, 0),  # 03:00 PDT just after the skipped hour
        _epoch(2026, 7, 1, 0, 0),
    ],
)
def test_a_window_bound_is_never_later_than_the_cursor_whatever_reading_the_server_picks(
    moment: float,
) -> None:
    text = _literal_text(LA.at_or_before(moment))
    earliest, latest = LA.interpretations(text)
    assert latest <= moment
    assert moment - earliest <= 3600 + 1  # and widened by at most the repeated hour


def test_outside_the_repeated_hour_the_bound_is_the_cursor_itself() -> None:
    moment = _epoch(2026, 7, 1, 12) + 0.5
    assert _literal_text(LA.at_or_before(moment)) == "2026-07-01 05:00:00.500"


def test_an_unknown_zone_names_the_contract_key() -> None:
    with pytest.raises(ValueError, match=r"netsuite\.time_zone"):
        AccountTime("Mars/Olympus_Mons")


def test_text_in_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="not a SuiteQL datetime"):
        LA.earliest("11/25/2026 7:06 pm")
