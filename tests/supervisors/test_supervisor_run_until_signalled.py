"""run_until_signalled in-process: what happens when main ends on its own, or fails."""

from __future__ import annotations

import os
import signal

import anyio
import anyio.lowlevel
import pytest

from supervisors import SupervisorEscalation, current_domain, drain_shield, run_until_signalled


async def test_it_returns_when_main_returns() -> None:
    seen = []

    async def main() -> None:
        domain = current_domain()
        seen.append(domain is not None and not domain.is_draining())

    with anyio.fail_after(5):
        await run_until_signalled(main)
    assert seen == [True]


async def test_a_failure_of_main_is_raised_as_itself_not_as_a_group() -> None:
    async def main() -> None:
        raise SupervisorEscalation("root", "bus", "ConnectionError: refused")

    with anyio.fail_after(5), pytest.raises(SupervisorEscalation, match="root"):
        await run_until_signalled(main)


async def test_a_signal_drains_then_cancels_main() -> None:
    events: list[str] = []

    async def main() -> None:
        with drain_shield():
            os.kill(os.getpid(), signal.SIGUSR1)
            domain = current_domain()
            assert domain is not None
            with anyio.fail_after(5):
                await domain.draining.wait()  # the handler runs while this turn is in flight
            events.append("turn finished")
        await anyio.lowlevel.checkpoint()  # the next await after a drain is where cancellation lands
        events.append("not reached: cancelled after the drain")

    with anyio.fail_after(5):
        await run_until_signalled(main, signals=[signal.SIGUSR1], grace_period=5)
    assert events == ["turn finished"]


@pytest.mark.parametrize(("grace_period", "signals"), [(-1.0, [signal.SIGTERM]), (1.0, [])])
async def test_bad_arguments_are_rejected(grace_period: float, signals: list[signal.Signals]) -> None:
    async def main() -> None:
        return None

    with pytest.raises(ValueError):
        await run_until_signalled(main, signals=signals, grace_period=grace_period)
