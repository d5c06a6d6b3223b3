"""`NetSuiteSandbox`: start/stop the emulator and drive it from Python (tests, `tandem demo`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from . import ground_truth
from .account import Account
from .app import build_app
from .background import background_context
from .config import AutoFulfillment, Credentials, NetSuiteSandboxConfig
from .governance import ConcurrencyGovernor, Fault
from .operations import LineShipment, WarehouseOperations
from .record_service import RecordService
from .record_types import kind_named
from .rendering import render_record
from .seed import seed_demo_account
from .state import SandboxState
from .warehouse import StockLevel


class NetSuiteSandbox:
    """One emulated NetSuite account served over HTTP on a loopback port."""

    def __init__(
        self, config: NetSuiteSandboxConfig | None = None, *, random_seed: int | None = None
    ) -> None:
        self.config = config or NetSuiteSandboxConfig()
        self.state = SandboxState.create(self.config, random_seed)
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the account; returns the base URL (e.g. http://127.0.0.1:54321)."""
        if self._runner is not None:
            raise RuntimeError("The NetSuite sandbox is already running.")
        app = build_app(self.state)
        app.cleanup_ctx.append(background_context(self.state))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]  # the real port when port=0
        self._runner = runner
        self._base_url = f"http://{host}:{bound_port}"
        return self._base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> NetSuiteSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """`http://host:port`; the REST root is `{base_url}/services/rest`."""
        if self._base_url is None:
            raise RuntimeError("The NetSuite sandbox has not been started.")
        return self._base_url

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/services/rest"

    @property
    def credentials(self) -> Credentials:
        """Account id (the OAuth realm), consumer key/secret, token id/secret."""
        return self.config.credentials

    # -- direct access --------------------------------------------------------------------------

    @property
    def account(self) -> Account:
        return self.state.account

    @property
    def records(self) -> RecordService:
        return self.state.service

    @property
    def warehouse(self) -> WarehouseOperations:
        return self.state.operations

    @property
    def governor(self) -> ConcurrencyGovernor:
        return self.state.governor

    def seed_demo(self) -> dict[str, Any]:
        """Currencies, three locations, items (serialized, lot, kit, group, discount, gift card), stock."""
        return seed_demo_account(self.state.service)

    def create(self, record_type: str, body: dict[str, Any]) -> int:
        """Create a record directly (same rules as POST); returns its id."""
        return self.state.service.create(record_type, body).id

    def get(self, record_type: str, record_id: int | str) -> dict[str, Any]:
        """A record as `GET ?expandSubResources=true` shows it (ids accept `eid:`)."""
        kind = kind_named(record_type)
        record = self.state.service.find(kind, str(record_id))
        return render_record(
            self.account, f"{self.rest_url if self._base_url else ''}/record/v1", record, True
        )

    # -- warehouse ------------------------------------------------------------------------------

    def receive_stock(
        self, item: int, location: int, quantity: int | Decimal, numbers: list[str] | None = None
    ) -> int:
        return self.warehouse.receive_stock(item, location, Decimal(quantity), numbers).id

    def adjust_stock(
        self, item: int, location: int, delta: int | Decimal, numbers: list[str] | None = None
    ) -> int:
        return self.warehouse.adjust_stock(item, location, Decimal(delta), numbers).id

    def fulfill_order(
        self,
        order_id: int,
        lines: dict[int, int | Decimal] | None = None,
        carrier: str = "UPS",
        tracking_numbers: list[str] | None = None,
    ) -> int:
        """Ship a sales order; `lines` maps order line → quantity (default: all committed stock)."""
        shipments = None if lines is None else [LineShipment(k, Decimal(v)) for k, v in lines.items()]
        return self.warehouse.fulfill_order(order_id, shipments, carrier, tracking_numbers).id

    def create_transfer(self, item: int, source: int, destination: int, quantity: int | Decimal) -> int:
        return self.warehouse.create_transfer(item, source, destination, Decimal(quantity)).id

    def ship_transfer(self, transfer_id: int) -> int:
        return self.warehouse.ship_transfer(transfer_id).id

    def receive_transfer(self, transfer_id: int) -> int:
        return self.warehouse.receive_transfer(transfer_id).id

    def set_auto_fulfillment(self, schedule: AutoFulfillment | None) -> None:
        self.state.auto_fulfillment = schedule

    async def next_fulfillment_round(self) -> list[int]:
        """Wait for the automatic fulfillment routine to finish its next round; its fulfillment ids."""
        await self.state.round_finished().wait()
        return list(self.state.last_round)

    # -- ground truth ---------------------------------------------------------------------------

    def stock(self, item: int, location: int) -> StockLevel:
        return self.account.warehouse.level(item, location)

    def external_id_counts(self, record_type: str) -> dict[str, int]:
        return ground_truth.external_id_counts(self.account, record_type)

    def order_totals(self) -> list[dict[str, Any]]:
        return ground_truth.order_totals(self.account)

    def stock_movements(self, item: int | None = None) -> list[dict[str, Any]]:
        return ground_truth.stock_movements(self.account, item)

    def sales_summary(self) -> dict[str, dict[str, str]]:
        """Per item id: units shipped, restocked, and backordered (sold beyond stock)."""
        return ground_truth.sales_summary(self.account)

    def check_invariants(self) -> list[str]:
        return self.account.warehouse.check_invariants()

    # -- governance, faults, time ---------------------------------------------------------------

    def set_concurrency_limit(self, limit: int) -> None:
        self.state.governor.limit = limit

    def inject(self, fault: Fault) -> None:
        self.state.faults.add(fault)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def advance_clock(self, seconds: float) -> None:
        self.account.clock.advance(seconds)
