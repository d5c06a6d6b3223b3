"""Supervision tree: child specs, strategies, restart intensity, backoff, escalation, draining.

    bus = ChildSpec(id="bus", start=run_bus, ready_timeout=10)   # calls child_ready() when connected
    actors = Supervisor("actors", [ChildSpec(id="sku", start=run_sku_host, restart="permanent")],
                        strategy="one_for_one", intensity=RestartIntensity(5, 30.0),
                        backoff=Backoff(0.5, 30.0))
    root = Supervisor("root", [bus, actors.as_child()], strategy="one_for_all")
    anyio.run(run_until_signalled, root.run)        # SIGTERM: drain, stop in reverse order, exit

In-flight work that must finish on shutdown (a turn and its ack) runs in `drain_shield()`.
"""

from supervisors.drain import DrainDomain, current_domain, drain_shield
from supervisors.policy import Backoff, RestartIntensity
from supervisors.readiness import child_ready
from supervisors.signals import run_until_signalled
from supervisors.spec import ChildSpec, ExitReason, RestartType, Shutdown
from supervisors.supervisor import Supervisor
from supervisors.tree import ChildInfo, Strategy, SupervisorEscalation, SupervisorInfo

__all__ = [
    "Backoff",
    "ChildInfo",
    "ChildSpec",
    "DrainDomain",
    "ExitReason",
    "RestartIntensity",
    "RestartType",
    "Shutdown",
    "Strategy",
    "Supervisor",
    "SupervisorEscalation",
    "SupervisorInfo",
    "child_ready",
    "current_domain",
    "drain_shield",
    "run_until_signalled",
]
