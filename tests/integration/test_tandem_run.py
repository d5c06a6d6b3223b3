"""`tandem run` as a process: embedded NATS with a data directory, idempotent restart, credentials."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import nats
import pytest

from bus.embedded import embedded_nats
from tests.runtime.helpers import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "run"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    with anyio.fail_after(40):
        while proc.poll() is None:
            await anyio.sleep(0.05)
    return proc.returncode


def events(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


async def engine_ready(log: Path) -> bool:
    return any(e["event"] == "supervisor.started" and e.get("supervisor") == "actors" for e in events(log))


async def test_embedded_nats_starts_with_the_engine_keeps_its_data_and_stops_with_it(tmp_path: Path) -> None:
    port = free_port()
    env = {"TANDEM_DATA_DIR": str(tmp_path / "data"), "TANDEM_NATS_PORT": str(port), "TANDEM_LOG_JSON": "1"}
    env.pop("NATS_URL", None)
    os.environ.pop("NATS_URL", None)
    for run in (1, 2):
        log = tmp_path / f"run{run}.log"
        proc = spawn(env, log)
        try:
            await eventually(lambda log=log: engine_ready(log), timeout=30, what=f"run {run} ready")
            nc = await nats.connect(f"nats://127.0.0.1:{port}")
            info = await nc.jetstream().stream_info("TANDEM_ACTORS")
            assert info.config.subjects == ["act.>"]
            await nc.close()
            assert await stop(proc) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        ready = next(e for e in events(log) if e["event"] == "bus.ready")
        assert (ready["created"] != []) if run == 1 else (ready["created"] == [])
        # The server stopped last: nothing listens on its port any more.
        with socket.socket() as s, pytest.raises(OSError):
            s.connect(("127.0.0.1", port))
    assert (tmp_path / "data" / "nats" / "jetstream").is_dir()


async def test_with_nats_url_it_connects_there_with_credentials_and_keeps_the_password_out_of_logs(
    tmp_path: Path,
) -> None:
    password = "s3cret-Pa55word"
    async with embedded_nats(tmp_path / "nats", extra_args=("--user", "tandem", "--pass", password)) as url:
        log = tmp_path / "run.log"
        # Credentials inside the URL: the engine logs the URL it connected to, so this proves redaction.
        env = {
            "NATS_URL": url.replace("nats://", f"nats://tandem:{password}@"),
            "TANDEM_DATA_DIR": str(tmp_path / "data"),
            "TANDEM_LOG_JSON": "1",
            "TANDEM_LOG_LEVEL": "DEBUG",
        }
        proc = spawn(env, log)
        try:
            await eventually(lambda: engine_ready(log), timeout=30, what="engine ready")
            assert await stop(proc) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert password not in text
    assert any(e["event"] == "bus.ready" and "***" in str(e["url"]) for e in events(log))
    assert not (tmp_path / "data" / "nats").exists(), "no embedded server when NATS_URL is set"


def test_version_prints_the_package_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("tandem ")


def test_a_contract_whose_secrets_are_missing_stops_at_start_naming_every_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPIFY_", "NETSUITE_"))}
    env.update({"TANDEM_CONTRACT": "tandem.toml", "TANDEM_DATA_DIR": str(tmp_path / "data")})
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "shops[us].access_token_env" in out.stderr and "netsuite.token_secret_env" in out.stderr
    assert not (tmp_path / "data" / "nats").exists(), "nothing started"


def test_an_invalid_contract_stops_at_start_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("version = 1\npolling_interval_s = -1\n")
    env = {**os.environ, "TANDEM_CONTRACT": str(bad), "TANDEM_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "polling_interval_s" in out.stderr
