"""Configuration of one emulated NetSuite account: credentials, time zone, governance, faults."""

from __future__ import annotations

import secrets
from typing import Literal

import msgspec


class Credentials(msgspec.Struct, frozen=True):
    """Token-based-auth secrets: an integration record (consumer) and an access token."""

    account: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    @classmethod
    def generate(cls, account: str = "1234567_SB1") -> Credentials:
        """Fresh random secrets in NetSuite's 64-hex-character style."""
        return cls(
            account=account,
            consumer_key=secrets.token_hex(32),
            consumer_secret=secrets.token_hex(32),
            token_id=secrets.token_hex(32),
            token_secret=secrets.token_hex(32),
        )


class LatencyModel(msgspec.Struct, frozen=True):
    """Server-side time per request kind, spent while holding a concurrency slot."""

    record_read_ms: float = 0.0
    record_write_ms: float = 0.0
    transform_ms: float = 0.0
    suiteql_ms: float = 0.0
    jitter_ms: float = 0.0


class AutoFulfillment(msgspec.Struct, frozen=True):
    """The warehouse's habit: ship open sales orders older than `delay_seconds`, every interval."""

    interval_seconds: float = 5.0
    delay_seconds: float = 0.0
    carrier: str = "UPS"
    # Fraction of each open line shipped per pass; 1.0 ships everything at once.
    fraction: float = 1.0


class NetSuiteSandboxConfig(msgspec.Struct, frozen=True):
    """Everything configurable about the emulated account; the unverified behaviours are switches."""

    credentials: Credentials = msgspec.field(default_factory=Credentials.generate)
    time_zone: str = "America/Los_Angeles"
    # The user's date-format preference: how SuiteQL renders dates selected without TO_CHAR.
    date_format: Literal["M/D/YYYY", "D/M/YYYY", "YYYY-MM-DD"] = "M/D/YYYY"
    base_currency: str = "USD"
    concurrency_limit: int = 5
    # Over the limit NetSuite REST answers 429; the field also reports a ~60 s delayed 401.
    overload_response: Literal["429", "delayed_401"] = "429"
    overload_401_delay_seconds: float = 60.0
    overload_error_code: str = "CONCURRENCY_LIMIT_EXCEEDED"
    timestamp_tolerance_seconds: int = 300
    latency: LatencyModel = LatencyModel()
    suiteql_row_cap: int = 100_000
    suiteql_omit_nulls: bool = True
    suiteql_require_transient: bool = False
    # POST with an external id already in use: NetSuite's REST code is unverified (§1.5).
    duplicate_external_id: Literal["reject", "allow"] = "reject"
    auto_fulfillment: AutoFulfillment | None = None
    # `Prefer: respond-async` jobs report "pending" for this long on the account clock.
    async_job_seconds: float = 0.0
