"""CPU seconds of this process and its children (the engine process, nats-server), from /proc.

Wall-clock rates on a shared 2-core machine say what the machine gave a run; CPU seconds per change
say what the work costs, and so how many changes per second one core could carry.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds `pid` has used so far; None if it is gone (or no /proc here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command (field 2) may hold spaces and parentheses: count fields after its last ')'
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15)


def children(pid: int) -> dict[int, str]:
    """Direct children of `pid`: pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[1]) != pid:
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError, IndexError):
            continue
    return found


def role(command: str) -> str:
    if "nats-server" in command:
        return "nats-server"
    if "cli.main" in command or "tandem" in command:
        return "engine"
    return "other"


def snapshot() -> dict[str, float]:
    """CPU seconds so far by role: this process ("harness"), and its children by role."""
    me = os.getpid()
    used = {"harness": cpu_seconds(me) or 0.0}
    for pid, command in children(me).items():
        seconds = cpu_seconds(pid)
        if seconds is not None:
            name = role(command)
            used[name] = used.get(name, 0.0) + seconds
    return used


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds each role used between two snapshots (a role that started since counts whole)."""
    return {name: after[name] - before.get(name, 0.0) for name in after}
