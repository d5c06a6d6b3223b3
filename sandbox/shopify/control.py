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
    CancelSpec, CustomerSpec, DiscountCodeSpec, EditSpec, FaultSpec, GiftCardSpec, HoldSpec, LocationSpec,
    OrderSpec, ProductSpec, RefundSpec, ShopSpec, StockSpec,
)
from .user_errors import DomainRefusal

if TYPE_CHECKING:
    from .sandbox import ShopifySandbox

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.Response]]


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


def control_routes(sandbox: ShopifySandbox) -> list[web.RouteDef]:
    def shop(request: web.Request) -> str:
        return request.match_info["shop"]

    async def list_shops(request: web.Request) -> web.Response:
        return _encode(200, [sandbox.shop_info(name) for name in sandbox.shops])

    async def create_shop(request: web.Request) -> web.Response:
        return _encode(201, sandbox.add_shop(await _body(request, ShopSpec)))

    async def get_shop(request: web.Request) -> web.Response:
        return _encode(200, sandbox.shop_info(sandbox.runtime(shop(request)).name))

    def seeding(method: Callable[[str, Any], Any], kind: type[Any]) -> Handler:
        async def seed(request: web.Request) -> web.Response:
            return _encode(201, method(shop(request), await _body(request, kind)))
        return seed

    def order_action(method: Callable[[str, str, Any], Any], kind: type[Any]) -> Handler:
        async def act(request: web.Request) -> web.Response:
            return _encode(200, method(shop(request), request.match_info["order_id"], await _body(request, kind)))
        return act

    def reading(method: Callable[[str], Any]) -> Handler:
        async def read(request: web.Request) -> web.Response:
            return _encode(200, method(shop(request)))
        return read

    async def inventory(request: web.Request) -> web.Response:
        return _encode(200, sandbox.inventory(shop(request), request.query.get("sku")))

    async def release_hold(request: web.Request) -> web.Response:
        return _encode(200, sandbox.release_hold(shop(request), request.match_info["hold_id"]))

    async def faults(request: web.Request) -> web.Response:
        spec = await _body(request, FaultSpec)
        sandbox.set_faults(shop(request), spec)
        return _encode(200, spec)

    async def throttle(request: web.Request) -> web.Response:
        spec = await _body(request, ThrottleSpec)
        runtime = sandbox.runtime(shop(request))
        sandbox.configure_throttle(runtime.name, spec.bucket_size or runtime.bucket.maximum,
                                   spec.restore_rate or runtime.bucket.restore_rate)
        if spec.drain:
            sandbox.drain_bucket(runtime.name)
        return _encode(200, runtime.bucket.status())

    base = "/_sandbox/shops/{shop}"
    routes = [
        web.get("/_sandbox/shops", list_shops), web.post("/_sandbox/shops", create_shop), web.get(base, get_shop),
        web.post(f"{base}/locations", seeding(sandbox.add_location, LocationSpec)),
        web.post(f"{base}/products", seeding(sandbox.add_product, ProductSpec)),
        web.post(f"{base}/stock", seeding(sandbox.set_stock, StockSpec)),
        web.post(f"{base}/discount_codes", seeding(sandbox.add_discount_code, DiscountCodeSpec)),
        web.post(f"{base}/gift_cards", seeding(sandbox.add_gift_card, GiftCardSpec)),
        web.post(f"{base}/customers", seeding(sandbox.add_customer, CustomerSpec)),
        web.post(f"{base}/orders", seeding(sandbox.place_order, OrderSpec)),
        web.get(f"{base}/orders", reading(sandbox.orders)),
        web.post(f"{base}/orders/{{order_id}}/cancel", order_action(sandbox.cancel_order, CancelSpec)),
        web.post(f"{base}/orders/{{order_id}}/edit", order_action(sandbox.edit_order, EditSpec)),
        web.post(f"{base}/orders/{{order_id}}/refunds", order_action(sandbox.refund_order, RefundSpec)),
        web.post(f"{base}/holds", seeding(sandbox.create_hold, HoldSpec)),
        web.delete(f"{base}/holds/{{hold_id}}", release_hold),
        web.get(f"{base}/inventory", inventory),
        web.get(f"{base}/units_sold", reading(sandbox.units_sold)),
        web.get(f"{base}/movements", reading(sandbox.unit_movements)),
        web.get(f"{base}/quantity_writes", reading(sandbox.quantity_writes)),
        web.get(f"{base}/seeded_stock", reading(sandbox.seeded_stock)),
        web.get(f"{base}/webhook_attempts", reading(sandbox.webhook_attempts)),
        web.put(f"{base}/faults", faults), web.put(f"{base}/throttle", throttle),
    ]
    return [web.RouteDef(r.method, r.path, _guarded(r.handler), r.kwargs) for r in routes]  # type: ignore[arg-type]
