"""The `/_sandbox/` control API: warehouse actions, ground truth, faults, governance, clock.

No authentication (it stands for the people and the physical world around the account, not an API).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from . import ground_truth
from .config import AutoFulfillment
from .errors import NetSuiteApiError
from .governance import Fault
from .http_common import json_body, json_response
from .operations import LineShipment
from .record_types import Family, kind_named
from .rendering import render_record
from .seed import seed_demo_account
from .state import STATE, SandboxState

T = TypeVar("T")


class StockChange(msgspec.Struct, frozen=True):
    item: int | str  # id or SKU (itemId)
    location: int | str  # id, name or external id
    quantity: Decimal
    numbers: list[str] | None = None


class Shipment(msgspec.Struct, frozen=True):
    order_line: int
    quantity: Decimal


class FulfillRequest(msgspec.Struct, frozen=True):
    lines: list[Shipment] | None = None
    carrier: str = "UPS"
    tracking_numbers: list[str] | None = None


class TransferRequest(msgspec.Struct, frozen=True):
    item: int | str
    source: int | str
    destination: int | str
    quantity: Decimal


class ShipTransferRequest(msgspec.Struct, frozen=True):
    lines: list[Shipment] | None = None


class ClockAdvance(msgspec.Struct, frozen=True):
    seconds: float


class GovernanceUpdate(msgspec.Struct, frozen=True):
    concurrency_limit: int


async def _payload(request: web.Request, kind: type[T]) -> T:
    raw = await request.read()
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except msgspec.ValidationError as problem:
        raise web.HTTPBadRequest(
            text=msgspec.json.encode({"error": str(problem)}).decode(), content_type="application/json"
        ) from None


def _state(request: web.Request) -> SandboxState:
    return request.app[STATE]


def resolve_item(state: SandboxState, ref: int | str) -> int:
    if isinstance(ref, int) or ref.isdigit():
        return int(ref)
    match = next((r for r in state.account.store.of_family(Family.ITEM) if r.body.get("itemId") == ref), None)
    if match is None:
        raise NetSuiteApiError(404, "NONEXISTENT_ID", f"No item with itemId {ref}.")
    return match.id


def resolve_location(state: SandboxState, ref: int | str) -> int:
    if isinstance(ref, int) or ref.isdigit():
        return int(ref)
    for location in state.account.store.of_kind("location"):
        if ref in (location.body.get("name"), location.external_id):
            return location.id
    raise NetSuiteApiError(404, "NONEXISTENT_ID", f"No location named {ref}.")


def _shipments(lines: list[Shipment] | None) -> list[LineShipment] | None:
    return None if lines is None else [LineShipment(line.order_line, line.quantity) for line in lines]


def _created(record: Any) -> web.Response:
    return json_response(
        {"id": record.id, "type": record.kind.name, "tranId": record.body.get("tranId")}, status=201
    )


async def receive_stock(request: web.Request) -> web.Response:
    state, change = _state(request), await _payload(request, StockChange)
    return _created(
        state.operations.receive_stock(
            resolve_item(state, change.item),
            resolve_location(state, change.location),
            change.quantity,
            change.numbers,
        )
    )


async def adjust_stock(request: web.Request) -> web.Response:
    state, change = _state(request), await _payload(request, StockChange)
    return _created(
        state.operations.adjust_stock(
            resolve_item(state, change.item),
            resolve_location(state, change.location),
            change.quantity,
            change.numbers,
        )
    )


async def create_transfer(request: web.Request) -> web.Response:
    state, order = _state(request), await _payload(request, TransferRequest)
    return _created(
        state.operations.create_transfer(
            resolve_item(state, order.item),
            resolve_location(state, order.source),
            resolve_location(state, order.destination),
            order.quantity,
        )
    )


async def ship_transfer(request: web.Request) -> web.Response:
    state, ship = _state(request), await _payload(request, ShipTransferRequest)
    return _created(state.operations.ship_transfer(int(request.match_info["id"]), _shipments(ship.lines)))


async def receive_transfer(request: web.Request) -> web.Response:
    return _created(_state(request).operations.receive_transfer(int(request.match_info["id"])))


async def fulfill_order(request: web.Request) -> web.Response:
    state, order = _state(request), await _payload(request, FulfillRequest)
    return _created(
        state.operations.fulfill_order(
            int(request.match_info["id"]), _shipments(order.lines), order.carrier, order.tracking_numbers
        )
    )


async def run_fulfillment(request: web.Request) -> web.Response:
    state = _state(request)
    schedule = state.auto_fulfillment or AutoFulfillment()
    shipped = state.operations.fulfill_due_orders(schedule)
    return json_response({"fulfillments": [record.id for record in shipped]})


async def set_schedule(request: web.Request) -> web.Response:
    state = _state(request)
    state.auto_fulfillment = await _payload(request, AutoFulfillment)
    return json_response(msgspec.to_builtins(state.auto_fulfillment))


async def stop_schedule(request: web.Request) -> web.Response:
    _state(request).auto_fulfillment = None
    return web.Response(status=204)


async def stock(request: web.Request) -> web.Response:
    return json_response(ground_truth.stock_snapshot(_state(request).account))


async def sales_summary(request: web.Request) -> web.Response:
    return json_response(ground_truth.sales_summary(_state(request).account))


async def movements(request: web.Request) -> web.Response:
    item = request.query.get("item")
    return json_response(ground_truth.stock_movements(_state(request).account, int(item) if item else None))


async def records(request: web.Request) -> web.Response:
    """Ground truth: every record of a type, fully expanded (optionally one external id)."""
    state = _state(request)
    kind = kind_named(request.match_info["type"])
    wanted = request.query.get("externalId")
    base = f"{request.scheme}://{request.host}/services/rest/record/v1"
    return json_response(
        [
            render_record(state.account, base, record, expand=True)
            for record in state.account.store.of_kind(kind.name)
            if wanted is None or record.external_id == wanted
        ]
    )


async def create_record(request: web.Request) -> web.Response:
    """Direct seeding: create a record with the same rules as POST, without signing a request."""
    body = await json_body(request)
    return _created(_state(request).service.create(request.match_info["type"], body))


async def seed_demo(request: web.Request) -> web.Response:
    return json_response(seed_demo_account(_state(request).service), status=201)


async def external_ids(request: web.Request) -> web.Response:
    counts = ground_truth.external_id_counts(_state(request).account, request.match_info["type"])
    return json_response({"counts": counts, "duplicates": {k: v for k, v in counts.items() if v > 1}})


async def order_totals(request: web.Request) -> web.Response:
    return json_response(ground_truth.order_totals(_state(request).account))


async def summary(request: web.Request) -> web.Response:
    state = _state(request)
    return json_response(
        {
            "account": state.account.config.credentials.account,
            "records": ground_truth.record_counts(state.account),
            "governance": _governance(state),
            "faults": [msgspec.to_builtins(f) for f in state.faults.active()],
            "autoFulfillment": msgspec.to_builtins(state.auto_fulfillment),
            "invariants": state.account.warehouse.check_invariants(),
        }
    )


def _governance(state: SandboxState) -> dict[str, int]:
    governor = state.governor
    return {
        "limit": governor.limit,
        "inFlight": governor.in_flight,
        "peak": governor.peak,
        "refused": governor.refused,
        "served": governor.served,
    }


async def governance(request: web.Request) -> web.Response:
    return json_response(_governance(_state(request)))


async def set_governance(request: web.Request) -> web.Response:
    state = _state(request)
    state.governor.limit = (await _payload(request, GovernanceUpdate)).concurrency_limit
    return json_response(_governance(state))


async def add_fault(request: web.Request) -> web.Response:
    _state(request).faults.add(await _payload(request, Fault))
    return json_response([msgspec.to_builtins(f) for f in _state(request).faults.active()], status=201)


async def clear_faults(request: web.Request) -> web.Response:
    _state(request).faults.clear()
    return web.Response(status=204)


async def login_audit(request: web.Request) -> web.Response:
    return json_response(
        [
            {"at": a.at.isoformat(), "status": "Success" if a.succeeded else "Failure", "detail": a.detail}
            for a in _state(request).verifier.audit_trail
        ]
    )


async def advance_clock(request: web.Request) -> web.Response:
    state = _state(request)
    state.account.clock.advance((await _payload(request, ClockAdvance)).seconds)
    return json_response({"now": state.account.clock.now().isoformat()})


@web.middleware
async def control_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except NetSuiteApiError as error:
        if not request.path.startswith("/_sandbox/"):
            raise
        return json_response(error.body(), status=error.status)


def add_routes(app: web.Application) -> None:
    app.middlewares.append(control_errors)
    route = app.router
    route.add_get("/_sandbox/state", summary)
    route.add_post("/_sandbox/stock/receive", receive_stock)
    route.add_post("/_sandbox/stock/adjust", adjust_stock)
    route.add_get("/_sandbox/stock", stock)
    route.add_get("/_sandbox/stock/movements", movements)
    route.add_get("/_sandbox/stock/sales", sales_summary)
    route.add_post("/_sandbox/transfers", create_transfer)
    route.add_post("/_sandbox/transfers/{id}/ship", ship_transfer)
    route.add_post("/_sandbox/transfers/{id}/receive", receive_transfer)
    route.add_post("/_sandbox/orders/{id}/fulfill", fulfill_order)
    route.add_post("/_sandbox/fulfillment/run", run_fulfillment)
    route.add_put("/_sandbox/fulfillment/schedule", set_schedule)
    route.add_delete("/_sandbox/fulfillment/schedule", stop_schedule)
    route.add_get("/_sandbox/records/{type}", records)
    route.add_post("/_sandbox/records/{type}", create_record)
    route.add_post("/_sandbox/seed/demo", seed_demo)
    route.add_get("/_sandbox/external-ids/{type}", external_ids)
    route.add_get("/_sandbox/orders/totals", order_totals)
    route.add_get("/_sandbox/governance", governance)
    route.add_put("/_sandbox/governance", set_governance)
    route.add_post("/_sandbox/faults", add_fault)
    route.add_delete("/_sandbox/faults", clear_faults)
    route.add_get("/_sandbox/login-audit", login_audit)
    route.add_post("/_sandbox/clock/advance", advance_clock)
