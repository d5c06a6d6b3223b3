"""A faithful NetSuite emulator: REST records, SuiteQL, TBA, governance and a warehouse."""

from .config import AutoFulfillment, Credentials, LatencyModel, NetSuiteSandboxConfig
from .governance import Fault
from .sandbox import NetSuiteSandbox

__all__ = [
    "AutoFulfillment",
    "Credentials",
    "Fault",
    "LatencyModel",
    "NetSuiteSandbox",
    "NetSuiteSandboxConfig",
]
