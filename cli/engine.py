"""`tandem run`: the engine's supervision tree on one bus (DESIGN §4).

root (one_for_all)
└── actors (one_for_one): one ActorHost per actor kind

The bus sits outside the tree: the embedded nats-server starts first and stops last, and the
client reconnects forever, so a NATS hiccup is not a process restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import structlog

from actors.behaviour import Behaviour
from actors.counter import CounterBehaviour
from actors.runtime.host import ActorHost, HostConfig
from bus.bus import Bus
from bus.connection import connect
from bus.embedded import embedded_nats
from bus.streams import provision
from bus.tracing import BusTracer
from cli.settings import RunSettings
from observability.tracing import ashutdown_tracing, configure_tracing
from supervisors.policy import Backoff, RestartIntensity
from supervisors.spec import ChildSpec
from supervisors.supervisor import Supervisor

log = structlog.get_logger(__name__)


async def _shielded(close: Callable[[], Awaitable[object]], timeout: float = 15.0) -> None:
    """Closing must run to the end even when the scope around it was cancelled (a SIGTERM)."""
    with anyio.CancelScope(shield=True), anyio.move_on_after(timeout):
        await close()


@asynccontextmanager
async def open_bus(settings: RunSettings, service_name: str = "tandem") -> AsyncIterator[Bus]:
    """Start (or reach) NATS, connect, provision streams and buckets; close all in reverse."""
    provider = configure_tracing(service_name)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(_shielded, lambda: ashutdown_tracing(provider))
        url = settings.nats.url
        if url is None:
            url = await stack.enter_async_context(
                embedded_nats(settings.data_dir / "nats", port=settings.embedded_port)
            )
        nc = await connect(url, settings.nats)
        bus = Bus(nc, BusTracer(provider))
        stack.push_async_callback(_shielded, bus.close)
        created = await provision(bus.js)
        log.info("bus.ready", url=url, created=created)
        yield bus


def host_child(bus: Bus, behaviour: Behaviour[Any, Any], config: HostConfig) -> ChildSpec:
    """An actor kind as a supervised child; each restart is a fresh host rebuilt from durable state."""

    async def start() -> None:
        await ActorHost(bus, behaviour, config).run()

    return ChildSpec(id=f"actors.{behaviour.kind}", start=start, restart="permanent", shutdown_timeout=30.0)


def engine_tree(bus: Bus, behaviours: Sequence[Behaviour[Any, Any]], config: HostConfig) -> Supervisor:
    actors = Supervisor(
        "actors",
        [host_child(bus, b, config) for b in behaviours],
        strategy="one_for_one",
        intensity=RestartIntensity(max_restarts=5, period=30.0),
        backoff=Backoff(min_delay=0.5, max_delay=30.0),
    )
    return Supervisor(
        "root",
        [actors.as_child()],
        strategy="one_for_all",
        intensity=RestartIntensity(max_restarts=1, period=60.0),
    )


def default_behaviours(settings: RunSettings) -> list[Behaviour[Any, Any]]:
    return [CounterBehaviour()]


async def run_engine(
    settings: RunSettings,
    behaviours: Callable[[RunSettings], list[Behaviour[Any, Any]]] = default_behaviours,
) -> None:
    """Run until cancelled (SIGTERM/SIGINT drain through supervisors.signals)."""
    async with open_bus(settings) as bus:
        config = HostConfig(
            ack_wait=settings.ack_wait, idle_after=settings.idle_after, max_deliver=settings.max_deliver
        )
        tree = engine_tree(bus, behaviours(settings), config)
        log.info("engine.ready", kinds=[b.kind for b in behaviours(settings)])
        await tree.run()
