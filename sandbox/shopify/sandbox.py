"""ShopifySandbox: hosts emulated shops over HTTP and offers the same operations to Python callers.

async with ShopifySandbox() as sandbox:          # or: url = await sandbox.start(); ...; await sandbox.stop()
    shop = sandbox.add_shop(ShopSpec(name="alpha", locations=[...], products=[...]))
    order = sandbox.place_order("alpha", OrderSpec(lines=[OrderLineSpec("SKU-1", 2)]))
    sandbox.units_sold("alpha"); sandbox.quantity_writes("alpha")
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
import msgspec
from aiohttp import web

from . import checkout, holds, merchant, order_changes, payloads, views
from .events import ShopEvent
from .ids import gid, shop_id_range
from .ledger import QuantityWrite, UnitsMoved, UnitsSold, oversold_units
from .refunds import RefundLineRequest, RefundRequest, create_refund
from .requests import (
    CancelSpec,
    CustomerEditSpec,
    CustomerSpec,
    DiscountCodeSpec,
    EditSpec,
    FaultSpec,
    GiftCardSpec,
    HoldSpec,
    LocationSpec,
    OrderSpec,
    ProductSpec,
    RefundSpec,
    ShopSpec,
    StockSpec,
    VariantEditSpec,
)
from .runtime import ShopRuntime
from .store import ShopState, new_shop, record_number
from .throttle import CostBucket
from .user_errors import DomainRefusal
from .webhooks import DELETE_AFTER_FAILURES, SHOPIFY_RETRY_DELAYS, DeliveryAttempt, WebhookDispatcher

SpecT = TypeVar("SpecT")
DEFAULT_API_VERSION = "2026-04"


class ShopInfo(msgspec.Struct, frozen=True):
    name: str
    domain: str
    access_token: str
    webhook_secret: str
    graphql_url: str  # path-routed URL: works on localhost without DNS
    admin_base_url: str  # what a client appends `/graphql.json` to


def _spec(kind: type[SpecT], value: SpecT | dict[str, Any]) -> SpecT:
    """Accept a Struct or a plain dict, validated either way (Struct constructors do not check types);
    bad input raises msgspec.ValidationError naming the field."""
    return msgspec.convert(msgspec.to_builtins(value), kind, strict=False)


class ShopifySandbox:
    """Emulated Shopify shops, their Admin GraphQL API, webhooks, storefront/POS and ground truth."""

    def __init__(
        self,
        *,
        api_version: str = DEFAULT_API_VERSION,
        webhook_timeout: float = 5.0,
        webhook_retry_delays: Sequence[float] = SHOPIFY_RETRY_DELAYS,
        delete_after_failures: int | None = DELETE_AFTER_FAILURES,
        hold_sweep_interval: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api_version = api_version
        self.clock = clock
        self.hold_sweep_interval = hold_sweep_interval
        self.shops: dict[str, ShopRuntime] = {}
        self.webhooks = WebhookDispatcher(
            api_version=api_version,
            timeout=webhook_timeout,
            retry_delays=webhook_retry_delays,
            delete_after_failures=delete_after_failures,
            clock=clock,
        )
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._host_task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve HTTP on host:port (0 = a free port) and start webhook delivery; returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("this ShopifySandbox is already started")
        from .http_app import build_app  # the HTTP edge depends on this class, not the other way round

        self._runner = web.AppRunner(build_app(self), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.base_url = f"http://{bound[0]}:{bound[1]}"
        started = anyio.Event()
        # One owned task holds the task group of all background work; stop() cancels and awaits it.
        # (A task, not a task group entered here: start() and stop() may run in different tasks,
        # as pytest fixtures do, and a cancel scope must be left in the task that entered it.)
        self._host_task = asyncio.create_task(self._host(started))
        await started.wait()
        if self._host_task.done():  # background work failed to start: report why
            self._host_task.result()
        return self.base_url

    async def _host(self, started: anyio.Event) -> None:
        try:
            async with anyio.create_task_group() as tasks:
                await tasks.start(self.webhooks.run)
                tasks.start_soon(self._sweep_holds)
                started.set()
        finally:
            started.set()

    async def _sweep_holds(self) -> None:
        while True:
            await anyio.sleep(self.hold_sweep_interval)
            for runtime in self.shops.values():
                self._publish(runtime, holds.expire_holds(runtime.state, self.clock()))

    async def stop(self) -> None:
        """Cancel webhook delivery and the hold sweeper (waiting for them), then close the server."""
        if self._host_task is not None:
            task, self._host_task = self._host_task, None
            task.cancel()
            await asyncio.wait([task])  # waits without re-raising the task's own cancellation
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ShopifySandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- shops and seeding -----------------------------------------------------------------------
    def runtime(self, shop: str) -> ShopRuntime:
        if shop not in self.shops:
            raise DomainRefusal("UNKNOWN_SHOP", f"No shop '{shop}' in this sandbox.", shop=shop)
        return self.shops[shop]

    def _state(self, shop: str) -> ShopState:
        return self.runtime(shop).state

    def add_shop(self, spec: ShopSpec | dict[str, Any]) -> ShopInfo:
        spec = _spec(ShopSpec, spec)
        if spec.name in self.shops:
            raise DomainRefusal("DUPLICATE_SHOP", f"Shop '{spec.name}' already exists.")
        ids = shop_id_range(spec.first_id, [runtime.state.ids for runtime in self.shops.values()])
        state = new_shop(spec, self.clock(), ids)
        self.shops[spec.name] = ShopRuntime(state, CostBucket(spec.bucket_size, spec.restore_rate))
        return self.shop_info(spec.name)

    def shop_info(self, shop: str) -> ShopInfo:
        config = self._state(shop).config
        admin = f"{self.base_url}/shops/{shop}/admin/api/{self.api_version}"
        return ShopInfo(
            shop, config.domain, config.access_token, config.webhook_secret, f"{admin}/graphql.json", admin
        )

    def add_location(self, shop: str, spec: LocationSpec | dict[str, Any]) -> dict[str, Any]:
        location = self._state(shop).add_location(_spec(LocationSpec, spec), self.clock())
        return {"id": gid("Location", location.id), "name": location.name}

    def add_product(self, shop: str, spec: ProductSpec | dict[str, Any]) -> dict[str, Any]:
        state = self._state(shop)
        product = state.add_product(_spec(ProductSpec, spec), self.clock())
        return payloads.product_payload(state, product)

    def set_stock(self, shop: str, spec: StockSpec | dict[str, Any]) -> dict[str, Any]:
        """Physical stock put on a shelf (seeded truth), or with `merchant_edit` a hand edit in admin."""
        spec = _spec(StockSpec, spec)
        runtime, now = self.runtime(shop), self.clock()
        if spec.merchant_edit:
            events = merchant.set_available_by_hand(
                runtime.state, spec.sku, spec.location, spec.available, now
            )
        else:
            level = runtime.state.seed_available(spec.sku, spec.location, spec.available, now)
            events = [ShopEvent("inventory_levels/update", level)]
        self._publish(runtime, events)
        return views.level_view(runtime.state, events[0].subject)  # type: ignore[arg-type]

    def edit_variant(self, shop: str, sku: str, spec: VariantEditSpec | dict[str, Any]) -> dict[str, Any]:
        """A merchant's hand edit of a variant in admin (price, policy, ...): products/update fires."""
        runtime = self.runtime(shop)
        events = merchant.edit_variant(runtime.state, sku, _spec(VariantEditSpec, spec), self.clock())
        self._publish(runtime, events)
        return payloads.event_payload(runtime.state, events[0].subject)

    def edit_customer(
        self, shop: str, customer_id: str | int, spec: CustomerEditSpec | dict[str, Any]
    ) -> dict[str, Any]:
        """A merchant's hand edit of a customer in admin: customers/update fires."""
        runtime = self.runtime(shop)
        customer = runtime.state.customers.get(record_number(customer_id, "Customer"))
        if customer is None:
            raise DomainRefusal("UNKNOWN_CUSTOMER", f"No customer {customer_id}.")
        spec = _spec(CustomerEditSpec, spec)
        self._publish(runtime, merchant.edit_customer(runtime.state, customer, spec, self.clock()))
        return payloads.customer_payload(customer)

    def add_discount_code(self, shop: str, spec: DiscountCodeSpec | dict[str, Any]) -> dict[str, Any]:
        code = self._state(shop).add_discount_code(_spec(DiscountCodeSpec, spec), self.clock())
        return {"id": gid("DiscountCodeNode", code.id), "code": code.code}

    def add_gift_card(self, shop: str, spec: GiftCardSpec | dict[str, Any]) -> dict[str, Any]:
        card = self._state(shop).add_gift_card(_spec(GiftCardSpec, spec), self.clock())
        return {"id": gid("GiftCard", card.id), "code": card.code, "balance": str(card.balance)}

    def add_customer(self, shop: str, spec: CustomerSpec | dict[str, Any]) -> dict[str, Any]:
        runtime = self.runtime(shop)
        customer = runtime.state.add_customer(_spec(CustomerSpec, spec), self.clock())
        self._publish(runtime, [ShopEvent("customers/create", customer)])
        return payloads.customer_payload(customer)

    # -- storefront and POS ----------------------------------------------------------------------
    def place_order(self, shop: str, spec: OrderSpec | dict[str, Any]) -> dict[str, Any]:
        """Check out (web) or ring up (POS); raises DomainRefusal e.g. INSUFFICIENT_INVENTORY."""
        runtime = self.runtime(shop)
        now = self.clock()
        self._publish(runtime, holds.expire_holds(runtime.state, now))
        order, events = checkout.place_order(runtime.state, _spec(OrderSpec, spec), now)
        self._publish(runtime, events)
        return payloads.order_payload(runtime.state, order)

    def cancel_order(
        self, shop: str, order_id: str | int, spec: CancelSpec | dict[str, Any] | None = None
    ) -> dict[str, Any]:
        runtime = self.runtime(shop)
        order = runtime.state.order(order_id)
        self._publish(
            runtime,
            order_changes.cancel_order(runtime.state, order, _spec(CancelSpec, spec or {}), self.clock()),
        )
        return payloads.order_payload(runtime.state, order)

    def edit_order(self, shop: str, order_id: str | int, spec: EditSpec | dict[str, Any]) -> dict[str, Any]:
        runtime = self.runtime(shop)
        order = runtime.state.order(order_id)
        self._publish(
            runtime, order_changes.edit_order(runtime.state, order, _spec(EditSpec, spec), self.clock())
        )
        return payloads.order_payload(runtime.state, order)

    def refund_order(
        self, shop: str, order_id: str | int, spec: RefundSpec | dict[str, Any]
    ) -> dict[str, Any]:
        """A merchant/POS refund of lines (+ shipping) for the suggested amount, to the original tenders."""
        from .events import EventLog

        runtime = self.runtime(shop)
        state, spec = runtime.state, _spec(RefundSpec, spec)
        order = state.order(order_id)
        lines = [
            RefundLineRequest(
                record_number(line.line_item_id, "LineItem"),
                line.quantity,
                line.restock_type,
                state.location(line.location).id if line.location else None,
            )
            for line in spec.lines
        ]
        events = EventLog()
        refund, errors = create_refund(
            state,
            order,
            RefundRequest(lines, full_shipping=spec.refund_shipping, note=spec.note),
            self.clock(),
            events,
        )
        if refund is None:
            raise DomainRefusal(
                "REFUND_REFUSED", "; ".join(e.message for e in errors), errors=[e.graphql() for e in errors]
            )
        self._publish(runtime, events.events)
        return payloads.refund_payload(state, refund)

    def mark_paid(self, shop: str, order_id: str | int) -> dict[str, Any]:
        """Receive the outstanding amount of an order placed with `paid: false`: orders/paid fires."""
        runtime = self.runtime(shop)
        order = runtime.state.order(order_id)
        self._publish(runtime, merchant.mark_paid(runtime.state, order, self.clock()))
        return payloads.order_payload(runtime.state, order)

    def create_hold(self, shop: str, spec: HoldSpec | dict[str, Any]) -> dict[str, Any]:
        runtime = self.runtime(shop)
        now = self.clock()
        self._publish(runtime, holds.expire_holds(runtime.state, now))
        hold, events = holds.create_hold(runtime.state, _spec(HoldSpec, spec), now)
        self._publish(runtime, events)
        return views.hold_view(runtime.state, hold)

    def release_hold(self, shop: str, hold_id: str | int) -> dict[str, Any]:
        runtime = self.runtime(shop)
        hold = runtime.state.holds.get(record_number(hold_id, "CheckoutHold"))
        if hold is None:
            raise DomainRefusal("UNKNOWN_HOLD", f"No checkout hold {hold_id}.")
        self._publish(runtime, holds.release(runtime.state, hold, self.clock()))
        return views.hold_view(runtime.state, hold)

    # -- ground truth ----------------------------------------------------------------------------
    def inventory(self, shop: str, sku: str | None = None) -> list[dict[str, Any]]:
        state = self._state(shop)
        return [
            views.level_view(state, level)
            for level in state.levels.values()
            if sku is None or state.sku_of_item(level.item_id) == sku
        ]

    def orders(self, shop: str) -> list[dict[str, Any]]:
        state = self._state(shop)
        return [payloads.order_payload(state, order) for order in state.orders.values()]

    def units_sold(self, shop: str) -> list[UnitsSold]:
        return self._state(shop).ledger.units_sold()

    def unit_movements(self, shop: str) -> list[UnitsMoved]:
        return list(self._state(shop).ledger.movements)

    def quantity_writes(self, shop: str) -> list[QuantityWrite]:
        return list(self._state(shop).ledger.quantity_writes)

    def seeded_stock(self, shop: str) -> dict[str, dict[str, int]]:
        """What set_stock/seeding put on the shelves: sku -> location -> units."""
        seeded: dict[str, dict[str, int]] = {}
        for (sku, location), units in self._state(shop).ledger.seeded_on_hand.items():
            seeded.setdefault(sku, {})[location] = units
        return seeded

    def oversold(self, physical: Mapping[str, int], shops: Sequence[str] | None = None) -> dict[str, int]:
        """Per SKU, units the given shops (default: all) sold beyond `physical` stock."""
        sold = [row for name in (shops or list(self.shops)) for row in self.units_sold(name)]
        return oversold_units(sold, physical)

    def webhook_attempts(self, shop: str) -> list[DeliveryAttempt]:
        return list(self.webhooks.attempts.get(shop, []))

    async def wait_for_webhooks(self) -> None:
        """Wait until no delivery is queued or in flight; wrap it in `anyio.fail_after(...)`."""
        await self.webhooks.wait_until_idle()

    # -- faults and throttle ---------------------------------------------------------------------
    def set_faults(self, shop: str, spec: FaultSpec | dict[str, Any]) -> None:
        self.runtime(shop).faults.configure(_spec(FaultSpec, spec))

    def configure_throttle(self, shop: str, bucket_size: int, restore_rate: int) -> None:
        self.runtime(shop).bucket.configure(bucket_size, restore_rate)

    def drain_bucket(self, shop: str) -> None:
        self.runtime(shop).bucket.drain()

    # -- helpers ---------------------------------------------------------------------------------
    def _publish(self, runtime: ShopRuntime, events: Sequence[ShopEvent]) -> None:
        self.webhooks.publish(runtime, events)
