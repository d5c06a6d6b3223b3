"""RestartIntensity and Backoff driven directly on a fake clock: no sleeping, no I/O."""

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervisors.policy import Backoff, RestartIntensity

# -- RestartIntensity -------------------------------------------------------------------------


def test_restarts_up_to_the_limit_are_allowed_and_the_next_one_is_not() -> None:
    intensity = RestartIntensity(max_restarts=3, period=10.0)
    assert [intensity.record(t) for t in (0.0, 1.0, 2.0)] == [True, True, True]
    assert intensity.record(3.0) is False


def test_restarts_older_than_the_period_stop_counting() -> None:
    intensity = RestartIntensity(max_restarts=1, period=5.0)
    assert intensity.record(0.0)
    assert not intensity.record(4.9)  # two restarts within 5 s
    intensity = RestartIntensity(max_restarts=1, period=5.0)
    assert intensity.record(0.0)
    assert intensity.record(5.0)  # the first one has just left the window
    assert intensity.restarts_in_window(5.0) == 1
    assert intensity.restarts_in_window(10.0) == 0


def test_zero_max_restarts_refuses_the_first_restart() -> None:
    assert RestartIntensity(max_restarts=0, period=1.0).record(0.0) is False


def test_reset_forgets_the_history() -> None:
    intensity = RestartIntensity(max_restarts=1, period=100.0)
    intensity.record(0.0)
    intensity.reset()
    assert intensity.record(1.0)


def test_a_clock_that_goes_backwards_is_an_error() -> None:
    intensity = RestartIntensity(max_restarts=5, period=10.0)
    intensity.record(3.0)
    with pytest.raises(ValueError, match="backwards"):
        intensity.record(2.0)


@pytest.mark.parametrize(("max_restarts", "period"), [(-1, 5.0), (1, 0.0), (1, -2.0), (1, math.inf)])
def test_intensity_rejects_nonsense_settings(max_restarts: int, period: float) -> None:
    with pytest.raises(ValueError):
        RestartIntensity(max_restarts, period)


@given(
    max_restarts=st.integers(min_value=0, max_value=8),
    period=st.floats(min_value=0.1, max_value=100.0),
    gaps=st.lists(st.floats(min_value=0.0, max_value=50.0), min_size=1, max_size=40),
)
def test_intensity_agrees_with_counting_the_window_by_hand(
    max_restarts: int, period: float, gaps: list[float]
) -> None:
    intensity = RestartIntensity(max_restarts, period)
    times = list(itertools.accumulate(gaps))
    for index, now in enumerate(times):
        in_window = [t for t in times[: index + 1] if now - t < period]
        assert intensity.record(now) == (len(in_window) <= max_restarts)


# -- Backoff ----------------------------------------------------------------------------------


def no_jitter_draw() -> float:
    return 0.0


def test_delays_double_from_min_to_max() -> None:
    backoff = Backoff(min_delay=0.5, max_delay=4.0, jitter=0.0, reset_after=1000.0)
    assert [backoff.next_delay(0.0) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_adds_up_to_its_fraction_of_the_delay() -> None:
    backoff = Backoff(min_delay=1.0, max_delay=10.0, jitter=0.2, reset_after=1000.0, rng=lambda: 1.0)
    assert backoff.next_delay(0.0) == pytest.approx(1.2)
    assert backoff.next_delay(0.0) == pytest.approx(2.4)
    half = Backoff(min_delay=1.0, max_delay=10.0, jitter=0.2, reset_after=1000.0, rng=lambda: 0.5)
    assert half.next_delay(0.0) == pytest.approx(1.1)


def test_a_stable_run_resets_the_backoff() -> None:
    backoff = Backoff(min_delay=1.0, max_delay=8.0, jitter=0.0, reset_after=10.0)
    backoff.mark_started(0.0)
    assert [backoff.next_delay(1.0), backoff.next_delay(2.0), backoff.next_delay(3.0)] == [1.0, 2.0, 4.0]
    backoff.mark_started(3.0)
    assert backoff.next_delay(12.9) == 8.0  # ran 9.9 s: not stable yet
    backoff.mark_started(13.0)
    assert backoff.next_delay(23.0) == 1.0  # ran 10 s: stable, back to min
    assert backoff.attempt == 1


def test_reset_after_defaults_to_the_midpoint_of_min_and_max() -> None:
    assert Backoff(min_delay=0.5, max_delay=30.0).reset_after == pytest.approx(15.25)


def test_fresh_copies_the_settings_but_not_the_history() -> None:
    backoff = Backoff(min_delay=1.0, max_delay=8.0, jitter=0.0, reset_after=3.0)
    backoff.next_delay(0.0)
    backoff.next_delay(0.0)
    copy = backoff.fresh()
    assert (copy.min_delay, copy.max_delay, copy.jitter, copy.reset_after) == (1.0, 8.0, 0.0, 3.0)
    assert copy.next_delay(0.0) == 1.0


def test_a_random_source_outside_zero_to_one_is_rejected() -> None:
    backoff = Backoff(min_delay=1.0, max_delay=2.0, rng=lambda: 1.5)
    with pytest.raises(ValueError, match="rng"):
        backoff.next_delay(0.0)


@pytest.mark.parametrize(
    ("min_delay", "max_delay", "jitter", "reset_after"),
    [
        (-1.0, 1.0, 0.2, None),
        (2.0, 1.0, 0.2, None),
        (1.0, math.inf, 0.2, None),
        (1.0, 2.0, -0.1, None),
        (1.0, 2.0, 0.2, -1.0),
    ],
)
def test_backoff_rejects_nonsense_settings(
    min_delay: float, max_delay: float, jitter: float, reset_after: float | None
) -> None:
    with pytest.raises(ValueError):
        Backoff(min_delay, max_delay, jitter, reset_after)


delays = st.floats(min_value=0.0, max_value=1e6)


@given(
    bounds=st.tuples(delays, delays).map(sorted),
    jitter=st.floats(min_value=0.0, max_value=2.0),
    draws=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=60),
)
def test_every_delay_lies_between_min_and_max_plus_jitter(
    bounds: list[float], jitter: float, draws: list[float]
) -> None:
    min_delay, max_delay = bounds
    draw = iter(draws)
    backoff = Backoff(min_delay, max_delay, jitter, reset_after=math.inf, rng=lambda: next(draw))
    for _ in draws:
        delay = backoff.next_delay(0.0)
        assert min_delay <= delay <= max_delay * (1 + jitter) * (1 + 1e-12)


@given(
    bounds=st.tuples(st.floats(min_value=1e-6, max_value=1e6), st.floats(min_value=1e-6, max_value=1e6)).map(
        sorted
    ),
    attempts=st.integers(min_value=1, max_value=3000),
)
def test_base_delays_never_decrease_and_end_at_max(bounds: list[float], attempts: int) -> None:
    backoff = Backoff(bounds[0], bounds[1], jitter=0.0, reset_after=math.inf)
    base = [backoff.base_delay(attempt) for attempt in range(0, attempts, max(1, attempts // 200))]
    assert all(a <= b for a, b in itertools.pairwise(base))
    assert backoff.base_delay(5000) == bounds[1]


@given(
    failures_before=st.integers(min_value=0, max_value=20),
    run_time=st.floats(min_value=0.0, max_value=100.0),
    reset_after=st.floats(min_value=0.0, max_value=100.0),
)
def test_the_backoff_resets_exactly_when_the_last_run_was_long_enough(
    failures_before: int, run_time: float, reset_after: float
) -> None:
    backoff = Backoff(1.0, 1e9, jitter=0.0, reset_after=reset_after)
    for _ in range(failures_before):
        backoff.next_delay(0.0)
    backoff.mark_started(0.0)  # from 0 so that `now - started` is exactly run_time
    delay = backoff.next_delay(run_time)
    expected = 1.0 if run_time >= reset_after else backoff.base_delay(failures_before)
    assert delay == expected
