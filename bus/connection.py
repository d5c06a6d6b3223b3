"""Connecting to NATS: settings from the environment, and a client that never stops reconnecting."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec
import nats
import structlog
from nats.aio.client import Client

log = structlog.get_logger(__name__)


class NatsSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str | None  # None: start the embedded server
    creds_file: str | None = None
    user: str | None = None
    password: str | None = None
    token: str | None = None
    name: str = "tandem"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> NatsSettings:
        return cls(
            url=env.get("NATS_URL") or None,
            creds_file=env.get("NATS_CREDS") or None,
            user=env.get("NATS_USER") or None,
            password=env.get("NATS_PASSWORD") or None,
            token=env.get("NATS_TOKEN") or None,
            name=env.get("TANDEM_INSTANCE", "tandem"),
        )


async def connect(url: str, settings: NatsSettings | None = None) -> Client:
    """Connect with reconnects forever (nats-py gives up after ~2 min by default; see reference §3.6)."""
    settings = settings or NatsSettings(url=url)

    async def on_error(exc: Exception) -> None:
        log.warning("nats.error", error=repr(exc))

    async def on_disconnected() -> None:
        log.info("nats.disconnected")  # also on a deliberate close; reconnects are logged as they happen

    async def on_reconnected() -> None:
        log.info("nats.reconnected")

    options: dict[str, object] = {
        "servers": [url],
        "name": settings.name,
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "allow_reconnect": True,
        "error_cb": on_error,
        "disconnected_cb": on_disconnected,
        "reconnected_cb": on_reconnected,
        "pending_size": 32 * 1024 * 1024,
        "drain_timeout": 5,
    }
    if settings.creds_file:
        options["user_credentials"] = settings.creds_file
    if settings.user:
        options["user"] = settings.user
        options["password"] = settings.password or ""
    if settings.token:
        options["token"] = settings.token
    return await nats.connect(**options)  # type: ignore[arg-type]
