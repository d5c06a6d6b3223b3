"""Run the process's main coroutine until SIGTERM/SIGINT, then drain and stop cleanly.

First signal: the root drain domain starts draining (children can see `draining`), open
`drain_shield()` scopes get `grace_period` to finish their in-flight work, and `main` is
cancelled — a Supervisor then stops its children in reverse order. A second signal forces the
exit: every drain scope is cancelled at once.
"""

from __future__ import annotations

import signal
from collections.abc import Awaitable, Callable, Sequence

import anyio
import structlog

from supervisors.drain import DrainDomain, entered_domain

log = structlog.get_logger(__name__)

DEFAULT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


async def run_until_signalled(
    main: Callable[[], Awaitable[None]],
    signals: Sequence[signal.Signals] = DEFAULT_SIGNALS,
    grace_period: float = 10.0,
) -> None:
    """Run `main` until it ends or a signal arrives; drain for up to `grace_period`, then stop."""
    if not grace_period >= 0:
        raise ValueError(f"grace_period must be >= 0 seconds, got {grace_period}")
    if not signals:
        raise ValueError("run_until_signalled needs at least one signal to listen for")
    root = DrainDomain()
    main_scope = anyio.CancelScope()
    failure: list[Exception] = []

    async def run_main(listener: anyio.CancelScope) -> None:
        try:
            with main_scope, entered_domain(root):
                await main()
        except Exception as error:  # re-raised below, unwrapped from the task group's group
            failure.append(error)
        finally:
            listener.cancel()  # main is over: stop listening for signals

    with anyio.open_signal_receiver(*signals) as received:
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(run_main, task_group.cancel_scope)
            async for signum in received:
                _on_signal(signal.Signals(signum), root, main_scope, grace_period)
    if failure:
        raise failure[0]


def _on_signal(
    signum: signal.Signals, root: DrainDomain, main_scope: anyio.CancelScope, grace_period: float
) -> None:
    if root.draining.is_set():
        log.warning("shutdown.forced", signal=signum.name)
        root.force()
        return
    log.info("shutdown.draining", signal=signum.name, grace_period=grace_period)
    root.begin(anyio.current_time() + grace_period)
    main_scope.cancel()
