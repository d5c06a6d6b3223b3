"""`/_sandbox/` control API: seed shops, act as storefront and POS, read ground truth, inject faults.

JSON in and out; request bodies are the msgspec Structs of requests.py, so a bad field is named in a 400.
A refused action (out of stock, unknown SKU...) is a 409 (404 for unknown records) with
`{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from aiohttp import web

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
from .user_errors import DomainRefusal

if TYPE_CHECKING:
    from .sandbox import ShopifySandbox

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.Response]]


class OversoldQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    physical: dict[str, int]  # sku -> units that physically existed
    shops: list[str] | None = None


class ThrottleSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    bucket_size: int | None = None
    restore_rate: int | None = None
    drain: bool = False


def _encode(status: int, body: Any) -> web.Response:
    return web.Response(status=status, body=msgspec.json.encode(body), content_type="application/json")


def _error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> web.Response:
    return _encode(status, {"error": {"code": code, "message": message, "details": details or {}}})


async def _body(request: web.Request, kind: type[T]) -> T:
    raw = await request.read()
    return msgspec.json.decode(raw or b"{}", type=kind)


def _guarded(handler: Handler) -> Handler:
    """Turns refusals and bad input into clear JSON errors."""

    async def run(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except DomainRefusal as refusal:
            status = 404 if refusal.code.startswith("UNKNOWN_") else 409
            return _error(status, refusal.code, refusal.message, refusal.details)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            return _error(400, "INVALID_REQUEST", str(error))
        except ValueError as error:
            return _error(400, "INVALID_REQUEST", str(error))

    return run


def _shop(request: web.Request) -> str:
    return request.match_info["shop"]


def _creating(method: Callable[[str, Any], Any], kind: type[Any]) -> Handler:
    """POST a Struct body to a per-shop sandbox method; 201 with what it returns."""

    async def create(request: web.Request) -> web.Response:
        return _encode(201, method(_shop(request), await _body(request, kind)))

    return create


def _order_action(method: Callable[[str, str, Any], Any], kind: type[Any]) -> Handler:
    async def act(request: web.Request) -> web.Response:
        body = await _body(request, kind)
        return _encode(200, method(_shop(request), request.match_info["order_id"], body))

    return act


def _reading(method: Callable[[str], Any]) -> Handler:
    async def read(request: web.Request) -> web.Response:
        return _encode(200, method(_shop(request)))

    return read


class _Handlers:
    """The endpoints that are more than a method call with a body."""

    def __init__(self, sandbox: ShopifySandbox) -> None:
        self.sandbox = sandbox

    async def list_shops(self, request: web.Request) -> web.Response:
        return _encode(200, [self.sandbox.shop_info(name) for name in self.sandbox.shops])

    async def create_shop(self, request: web.Request) -> web.Response:
        return _encode(201, self.sandbox.add_shop(await _body(request, ShopSpec)))

    async def get_shop(self, request: web.Request) -> web.Response:
        return _encode(200, self.sandbox.shop_info(self.sandbox.runtime(_shop(request)).name))

    async def edit_variant(self, request: web.Request) -> web.Response:
        spec = await _body(request, VariantEditSpec)
        return _encode(200, self.sandbox.edit_variant(_shop(request), request.match_info["sku"], spec))

    async def edit_customer(self, request: web.Request) -> web.Response:
        spec = await _body(request, CustomerEditSpec)
        return _encode(
            200, self.sandbox.edit_customer(_shop(request), request.match_info["customer_id"], spec)
        )

    async def mark_paid(self, request: web.Request) -> web.Response:
        return _encode(200, self.sandbox.mark_paid(_shop(request), request.match_info["order_id"]))

    async def oversold(self, request: web.Request) -> web.Response:
        query = await _body(request, OversoldQuery)
        return _encode(200, self.sandbox.oversold(query.physical, query.shops))

    async def inventory(self, request: web.Request) -> web.Response:
        return _encode(200, self.sandbox.inventory(_shop(request), request.query.get("sku")))

    async def release_hold(self, request: web.Request) -> web.Response:
        return _encode(200, self.sandbox.release_hold(_shop(request), request.match_info["hold_id"]))

    async def faults(self, request: web.Request) -> web.Response:
        spec = await _body(request, FaultSpec)
        self.sandbox.set_faults(_shop(request), spec)
        return _encode(200, spec)

    async def throttle(self, request: web.Request) -> web.Response:
        spec = await _body(request, ThrottleSpec)
        runtime = self.sandbox.runtime(_shop(request))
        bucket = runtime.bucket
        self.sandbox.configure_throttle(
            runtime.name, spec.bucket_size or bucket.maximum, spec.restore_rate or bucket.restore_rate
        )
        if spec.drain:
            self.sandbox.drain_bucket(runtime.name)
        return _encode(200, bucket.status())


def control_routes(sandbox: ShopifySandbox) -> list[web.RouteDef]:
    """Every /_sandbox/ route; README.md in this folder documents them."""
    handlers, base = _Handlers(sandbox), "/_sandbox/shops/{shop}"
    routes = [
        web.get("/_sandbox/shops", handlers.list_shops),
        web.post("/_sandbox/shops", handlers.create_shop),
        web.get(base, handlers.get_shop),
        web.post("/_sandbox/oversold", handlers.oversold),
        web.post(f"{base}/locations", _creating(sandbox.add_location, LocationSpec)),
        web.post(f"{base}/products", _creating(sandbox.add_product, ProductSpec)),
        web.post(f"{base}/stock", _creating(sandbox.set_stock, StockSpec)),
        web.post(f"{base}/discount_codes", _creating(sandbox.add_discount_code, DiscountCodeSpec)),
        web.post(f"{base}/gift_cards", _creating(sandbox.add_gift_card, GiftCardSpec)),
        web.post(f"{base}/customers", _creating(sandbox.add_customer, CustomerSpec)),
        web.put(f"{base}/customers/{{customer_id}}", handlers.edit_customer),
        web.put(f"{base}/variants/{{sku}}", handlers.edit_variant),
        web.post(f"{base}/orders", _creating(sandbox.place_order, OrderSpec)),
        web.get(f"{base}/orders", _reading(sandbox.orders)),
        web.post(f"{base}/orders/{{order_id}}/cancel", _order_action(sandbox.cancel_order, CancelSpec)),
        web.post(f"{base}/orders/{{order_id}}/edit", _order_action(sandbox.edit_order, EditSpec)),
        web.post(f"{base}/orders/{{order_id}}/refunds", _order_action(sandbox.refund_order, RefundSpec)),
        web.post(f"{base}/orders/{{order_id}}/mark_paid", handlers.mark_paid),
        web.post(f"{base}/holds", _creating(sandbox.create_hold, HoldSpec)),
        web.delete(f"{base}/holds/{{hold_id}}", handlers.release_hold),
        web.get(f"{base}/inventory", handlers.inventory),
        web.get(f"{base}/units_sold", _reading(sandbox.units_sold)),
        web.get(f"{base}/movements", _reading(sandbox.unit_movements)),
        web.get(f"{base}/quantity_writes", _reading(sandbox.quantity_writes)),
        web.get(f"{base}/seeded_stock", _reading(sandbox.seeded_stock)),
        web.get(f"{base}/webhook_attempts", _reading(sandbox.webhook_attempts)),
        web.put(f"{base}/faults", handlers.faults),
        web.put(f"{base}/throttle", handlers.throttle),
    ]
    return [web.RouteDef(r.method, r.path, _guarded(r.handler), r.kwargs) for r in routes]  # type: ignore[arg-type]
