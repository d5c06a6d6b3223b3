"""NetSuite's clock from DUAL: offsets, the repeated hour, and rows' times converted to this clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateways.netsuite.account_time import AccountTime
from gateways.netsuite.server_clock import ServerClock, measure

LA = AccountTime("America/Los_Angeles")
FIRST_0130 = datetime(2026, 11, 1, 8, 30, tzinfo=UTC).timestamp()  # 01:30 PDT
SECOND_0130 = FIRST_0130 + 3600  # 01:30 PST


def test_offset_and_conversion_err_towards_later_times() -> None:
    clock = measure(LA, "2026-07-01 05:00:10.000", sent_at=1000.0, received_at=1000.2, previous=None)
    assert clock.now == datetime(2026, 7, 1, 12, 0, 10, tzinfo=UTC).timestamp()
    assert clock.offset == pytest.approx(clock.now - 1000.1)
    # a NetSuite moment equal to "now" may have happened as late as the reply arrived
    assert clock.to_local(clock.now) == pytest.approx(1000.2)
    assert clock.to_local(clock.now - 5) == pytest.approx(995.2)


def test_the_repeated_hour_is_resolved_by_the_previous_offset() -> None:
    before = ServerClock(now=FIRST_0130 - 60, sent_at=100.0, received_at=100.0)  # offset FIRST_0130 - 160
    first = measure(LA, "2026-11-01 01:30:00.000", sent_at=160.0, received_at=160.0, previous=before)
    second = measure(LA, "2026-11-01 01:30:00.000", sent_at=3760.0, received_at=3760.0, previous=first)
    assert (first.now, second.now) == (FIRST_0130, SECOND_0130)


def test_without_an_earlier_measurement_the_earlier_reading_is_taken() -> None:
    clock = measure(LA, "2026-11-01 01:30:00.000", sent_at=0.0, received_at=0.0, previous=None)
    assert clock.now == FIRST_0130


def test_a_rows_time_is_the_latest_reading_not_after_now() -> None:
    in_first_hour = ServerClock(now=FIRST_0130 + 600, sent_at=0.0, received_at=0.0)
    in_second_hour = ServerClock(now=SECOND_0130 + 600, sent_at=0.0, received_at=0.0)
    assert in_first_hour.resolve(LA, "2026-11-01 01:30:00.000") == FIRST_0130
    assert in_second_hour.resolve(LA, "2026-11-01 01:30:00.000") == SECOND_0130
    assert (
        in_second_hour.resolve(LA, "2026-07-01 05:00:00.000")
        == datetime(2026, 7, 1, 12, tzinfo=UTC).timestamp()
    )
