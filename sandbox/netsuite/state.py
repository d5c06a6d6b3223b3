"""Everything one running emulator holds, shared by its HTTP handlers and its Python API."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import anyio
from aiohttp import web

from .account import Account
from .async_jobs import AsyncJobs
from .auth import TokenVerifier
from .config import AutoFulfillment, NetSuiteSandboxConfig
from .governance import ConcurrencyGovernor, FaultInjector
from .operations import WarehouseOperations
from .record_service import RecordService
from .store import RecordStore
from .suiteql.tables import DataView


@dataclass
class SandboxState:
    account: Account
    service: RecordService
    operations: WarehouseOperations
    verifier: TokenVerifier
    governor: ConcurrencyGovernor
    faults: FaultInjector
    rng: random.Random
    auto_fulfillment: AutoFulfillment | None = None
    jobs: AsyncJobs = field(default_factory=AsyncJobs)
    auto_fulfilled: list[int] = field(default_factory=list)
    last_round: list[int] = field(default_factory=list)
    _round_event: anyio.Event | None = None

    def round_finished(self) -> anyio.Event:
        """Set when the running fulfillment round ends (created lazily: events need a running loop)."""
        if self._round_event is None:
            self._round_event = anyio.Event()
        return self._round_event

    def finish_round(self, fulfillment_ids: list[int]) -> None:
        self.last_round = fulfillment_ids
        self.auto_fulfilled.extend(fulfillment_ids)
        self.round_finished().set()
        self._round_event = anyio.Event()

    @classmethod
    def create(cls, config: NetSuiteSandboxConfig, seed: int | None = None) -> SandboxState:
        account = Account.create(config)
        service = RecordService(account)
        rng = random.Random(seed)
        return cls(
            account=account,
            service=service,
            operations=WarehouseOperations(account, service),
            verifier=TokenVerifier(config.credentials, account.clock, config.timestamp_tolerance_seconds),
            governor=ConcurrencyGovernor(config.concurrency_limit),
            faults=FaultInjector(rng),
            rng=rng,
            auto_fulfillment=config.auto_fulfillment,
        )

    def view(self, stale_seconds: float = 0.0) -> DataView:
        """What reads see: the live account, or the account as it was `stale_seconds` ago."""
        if stale_seconds <= 0:
            return DataView(self.account.store, self.account.warehouse.level)
        moment = self.account.clock.now() - timedelta(seconds=stale_seconds)
        warehouse = self.account.warehouse
        return DataView(
            self.account.store.as_of(moment), lambda item, loc: warehouse.level_at(item, loc, moment)
        )

    def store_for(self, stale_seconds: float) -> RecordStore:
        return self.view(stale_seconds).store


STATE = web.AppKey("netsuite_sandbox_state", SandboxState)
# Set by the gateway when a stale-reads fault hits the request: how far in the past reads look.
STALE_SECONDS = web.RequestKey("netsuite_stale_seconds", float)
