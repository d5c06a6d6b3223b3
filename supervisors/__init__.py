"""Supervision tree: child specs, strategies, restart intensity, backoff, escalation, draining."""

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
