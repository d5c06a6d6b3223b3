"""The app's background work (the warehouse's fulfillment routine), in a task group the app owns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import anyio
import structlog
from aiohttp import web

from .state import SandboxState

log = structlog.get_logger(__name__)
_IDLE_POLL_SECONDS = 0.1


def background_context(state: SandboxState) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: starts the task group with the app, cancels and awaits it on stop."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        stopping = asyncio.Event()
        # aiohttp runs startup and cleanup in different tasks, so the task group lives in one owner
        # task that this context starts and always awaits: nothing outlives the app.
        owner = asyncio.get_running_loop().create_task(_run(state, stopping))
        try:
            yield
        finally:
            stopping.set()
            await owner

    return context


async def _run(state: SandboxState, stopping: asyncio.Event) -> None:
    async with anyio.create_task_group() as group:
        group.start_soon(auto_fulfillment_loop, state)
        await stopping.wait()
        group.cancel_scope.cancel()


async def auto_fulfillment_loop(state: SandboxState) -> None:
    """Every interval, ship what is due (the schedule can be changed or removed at any time)."""
    while True:
        schedule = state.auto_fulfillment
        if schedule is None:
            await anyio.sleep(_IDLE_POLL_SECONDS)
            continue
        await anyio.sleep(schedule.interval_seconds)
        if state.auto_fulfillment is None:
            continue
        shipped = state.operations.fulfill_due_orders(state.auto_fulfillment)
        state.finish_round([record.id for record in shipped])
        if shipped:
            log.info("netsuite_sandbox.auto_fulfilled", fulfillments=[record.id for record in shipped])
