"""A real process under run_until_signalled: SIGTERM drains the in-flight turn and exits 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

REPO_ROOT = Path(__file__).resolve().parents[2]

# A supervised worker whose turn (inside drain_shield) lasts until the test creates `release`.
WORKER = """
import sys
from functools import partial
from pathlib import Path

import anyio
import structlog

from observability.logging import configure_logging
from supervisors import ChildSpec, Supervisor, drain_shield, run_until_signalled

release, shutdown_timeout, grace_period = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
log = structlog.get_logger("worker")


async def worker() -> None:
    turn = 0
    while True:
        await anyio.sleep(0.01)  # waiting for the next message: cancellable
        turn += 1
        with drain_shield() as scope:
            log.info("turn.begin", turn=turn)
            while not release.exists():
                await anyio.sleep(0.01)
            log.info("turn.acked", turn=turn)
        if scope.cancelled_caught:
            log.info("turn.abandoned", turn=turn)


async def main() -> None:
    spec = ChildSpec(id="worker", start=worker, shutdown_timeout=shutdown_timeout)
    await Supervisor("root", [spec]).run()


configure_logging(json=True)
anyio.run(partial(run_until_signalled, main, grace_period=grace_period))
log.info("process.exited")
"""


class WorkerProcess:
    """The worker process and its JSON log lines, read with deadlines."""

    def __init__(self, process: Process) -> None:
        assert process.stdout is not None
        self.process = process
        self._stdout = BufferedByteReceiveStream(process.stdout)
        self.lines: list[dict] = []
        self.other_output: list[str] = []

    async def wait_for_event(self, event: str, within: float = 10.0) -> dict:
        with anyio.fail_after(within):
            while True:
                raw = (await self._stdout.receive_until(b"\n", 1 << 20)).decode()
                if not raw.startswith("{"):
                    self.other_output.append(raw)
                    continue
                line = json.loads(raw)
                self.lines.append(line)
                if line["event"] == event:
                    return line

    def events(self) -> list[str]:
        return [line["event"] for line in self.lines]

    async def finish(self, within: float = 10.0) -> int:
        """Read the rest of the output and wait for the exit code."""
        with anyio.fail_after(within):
            with suppress(anyio.EndOfStream):
                await self.wait_for_event("process.exited", within)
            return await self.process.wait()


@asynccontextmanager
async def worker_process(
    tmp_path: Path, shutdown_timeout: float, grace_period: float
) -> AsyncIterator[WorkerProcess]:
    """Start the worker; a test that fails early kills it instead of waiting for it."""
    process = await anyio.open_process(
        [sys.executable, "-c", WORKER, str(tmp_path / "release"), str(shutdown_timeout), str(grace_period)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    async with process:
        try:
            yield WorkerProcess(process)
        finally:
            if process.returncode is None:
                process.kill()


async def test_sigterm_lets_the_in_flight_turn_finish_then_the_process_exits_zero(tmp_path: Path) -> None:
    async with worker_process(tmp_path, shutdown_timeout=30, grace_period=30) as worker:
        await worker.wait_for_event("turn.begin")
        worker.process.send_signal(signal.SIGTERM)
        await worker.wait_for_event("shutdown.draining")
        assert "turn.acked" not in worker.events()
        (tmp_path / "release").touch()  # the in-flight work can now complete
        assert await worker.finish() == 0, worker.other_output
    events = worker.events()
    assert events.count("turn.begin") == events.count("turn.acked") == 1  # drained, no new turn taken
    assert events.index("turn.acked") < events.index("supervisor.stopped") < events.index("process.exited")
    assert worker.lines[-1]["event"] == "process.exited"


async def test_the_grace_period_bounds_how_long_a_turn_may_drain(tmp_path: Path) -> None:
    async with worker_process(tmp_path, shutdown_timeout=30, grace_period=0.3) as worker:
        await worker.wait_for_event("turn.begin")
        worker.process.send_signal(signal.SIGTERM)
        started = anyio.current_time()
        assert await worker.finish() == 0, worker.other_output
        assert anyio.current_time() - started < 5
    assert "turn.acked" not in worker.events()
    assert "turn.abandoned" in worker.events()


@pytest.mark.parametrize("second_signal", [signal.SIGTERM, signal.SIGINT])
async def test_a_second_signal_forces_the_exit_without_waiting_for_the_drain(
    tmp_path: Path, second_signal: signal.Signals
) -> None:
    async with worker_process(tmp_path, shutdown_timeout=60, grace_period=60) as worker:
        await worker.wait_for_event("turn.begin")
        worker.process.send_signal(signal.SIGTERM)
        await worker.wait_for_event("shutdown.draining")
        worker.process.send_signal(second_signal)
        assert await worker.finish(within=10) == 0, worker.other_output
    events = worker.events()
    assert "shutdown.forced" in events and "turn.abandoned" in events and "turn.acked" not in events
