"""Process settings from the environment (secrets and endpoints come from outside, never from code)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from bus.connection import NatsSettings
from cli.gateways import GatewaySettings

DEFAULT_EMBEDDED_PORT = 4222


class RunSettings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path
    nats: NatsSettings
    embedded_port: int
    log_level: str
    log_json: bool | None
    contract_path: Path | None
    ack_wait: float = 30.0
    idle_after: float = 60.0
    max_deliver: int = 5
    http_host: str = "127.0.0.1"
    http_port: int = 8080

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RunSettings:
        json_env = env.get("TANDEM_LOG_JSON")
        contract = env.get("TANDEM_CONTRACT")
        return cls(
            data_dir=Path(env.get("TANDEM_DATA_DIR", ".tandem")),
            nats=NatsSettings.from_env(env),
            embedded_port=_int(env, "TANDEM_NATS_PORT", DEFAULT_EMBEDDED_PORT),
            log_level=env.get("TANDEM_LOG_LEVEL", "INFO").upper(),
            log_json=None if json_env is None else json_env.lower() in ("1", "true", "yes"),
            contract_path=Path(contract) if contract else None,
            ack_wait=_float(env, "TANDEM_ACK_WAIT", 30.0),
            idle_after=_float(env, "TANDEM_IDLE_AFTER", 60.0),
            max_deliver=_int(env, "TANDEM_MAX_DELIVER", 5),
            http_host=env.get("TANDEM_HTTP_HOST", "127.0.0.1"),
            http_port=_int(env, "TANDEM_HTTP_PORT", 8080),
        )

    def gateways(self) -> GatewaySettings:
        return GatewaySettings(http_host=self.http_host, http_port=self.http_port)

    def secrets(self) -> list[str]:
        """Values that must never appear in logs or spans (also a password inside NATS_URL)."""
        url_password = urlsplit(self.nats.url).password if self.nats.url else None
        return [s for s in (self.nats.password, self.nats.token, url_password) if s]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}: expected an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}: expected a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise SystemExit(f"{name}: expected a positive number of seconds, got {raw!r}")
    return value
