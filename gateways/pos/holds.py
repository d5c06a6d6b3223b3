"""`POST /pos/holds` and `DELETE /pos/holds/{hold_id}`: POS/checkout holds, stored before the 202.

    POST /pos/holds   {"hold_id", "shop", "location", "sku", "quantity",
                       "expires_at" (epoch seconds or ISO 8601) | "expires_in_seconds"}
    DELETE /pos/holds/{hold_id}?shop=…&sku=…[&location=…][&order_id=…]

A release with `order_id` (the Shopify order, numeric id or Order GID) says the checkout turned the
hold into that order: the SKU actor keeps counting the held units until the order's own lines arrive
by webhook, so nothing is sold twice in between. Without it the units are free at once.

`location` is a NetSuite location id or the shop's Shopify location GID. A location the contract
cannot map is still accepted and stored: the SKU actor parks the hold and reports it, so nothing is
lost. Bad input is a 400 naming the field, and nothing is published. The hold is published to
`evt.pos.<location>.hold` (`hold_release` for a release) and answered 202 only after the JetStream
ack (503 when NATS cannot store it: the device retries; the same request dedupes).
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Annotated, Any

import anyio
import msgspec
import nats.errors
import structlog
from aiohttp import web

from bus.bus import Bus, Outgoing
from bus.envelope import make_envelope
from bus.subjects import pos_event
from contract.config import Contract
from contract.shopify_orders import resolve_location
from gateways.pos.messages import HOLD_KIND, HOLD_RELEASE_KIND, PosHoldPlaced, PosHoldReleased

log = structlog.get_logger(__name__)

HOLDS_PATH = "/pos/holds"
STORE_FAILURES = (nats.errors.Error, TimeoutError, ConnectionError)
STORE_TIMEOUT = 4.0
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class HoldRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    hold_id: NonEmpty
    shop: NonEmpty
    location: NonEmpty
    sku: NonEmpty
    quantity: Annotated[int, msgspec.Meta(gt=0)]
    expires_at: float | str | None = None
    expires_in_seconds: Annotated[float, msgspec.Meta(gt=0)] | None = None


class BadHold(ValueError):
    """Input the endpoint refuses; the message starts with the field it is about."""


_AT = re.compile(r"^(?P<what>.*) - at `\$\.?(?P<path>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")


def _field_message(error: msgspec.ValidationError) -> str:
    """msgspec's `Expected int >= 1 - at `$.quantity`` as `quantity: expected int >= 1`."""
    text = str(error)
    match = _AT.match(text)
    what, path = (match["what"], match["path"]) if match else (text, "")
    for pattern, problem in ((_MISSING, "is required"), (_UNKNOWN, "is not a known field")):
        found = pattern.match(what)
        if found:
            field = f"{path}.{found['field']}" if path else found["field"]
            return f"{field}: {problem}"
    return f"{path or 'body'}: {what[0].lower()}{what[1:]}" if what else f"{path}: invalid"


def _expiry(request: HoldRequest, now: float) -> tuple[float, str]:
    """(expires_at in epoch seconds, the part of the dedupe id that identifies it)."""
    if (request.expires_at is None) == (request.expires_in_seconds is None):
        raise BadHold("expires_at: give exactly one of expires_at or expires_in_seconds")
    if request.expires_in_seconds is not None:
        # A retried request must dedupe even though `now` moved: key it on the relative expiry.
        return now + request.expires_in_seconds, f"in{request.expires_in_seconds:g}"
    value = request.expires_at
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise BadHold(f"expires_at: not an ISO 8601 time: {value!r}") from exc
        if moment.tzinfo is None:
            raise BadHold(f"expires_at: needs a UTC offset: {value!r}")
        value = moment.timestamp()
    assert value is not None
    return float(value), f"at{float(value):.3f}"


def parse_hold(contract: Contract, raw: Any, now: float) -> tuple[PosHoldPlaced, str]:
    """Validate a hold request: (the message, its dedupe id); raises BadHold naming the field."""
    try:
        request = msgspec.convert(raw, HoldRequest, strict=False)
    except msgspec.ValidationError as exc:
        raise BadHold(_field_message(exc)) from exc
    if request.shop not in {shop.name for shop in contract.shops}:
        raise BadHold(f"shop: unknown shop {request.shop!r}")
    expires_at, expiry_key = _expiry(request, now)
    hold = PosHoldPlaced(
        hold_id=request.hold_id,
        shop=request.shop,
        location=request.location,
        sku=request.sku,
        quantity=request.quantity,
        expires_at=expires_at,
    )
    return hold, f"pos:{request.shop}:hold:{request.hold_id}:{request.sku}:{request.quantity}:{expiry_key}"


def parse_release(contract: Contract, hold_id: str, query: Any) -> tuple[PosHoldReleased, str]:
    for field in ("shop", "sku"):
        if not query.get(field):
            raise BadHold(f"{field}: required as a query parameter")
    if query["shop"] not in {shop.name for shop in contract.shops}:
        raise BadHold(f"shop: unknown shop {query['shop']!r}")
    release = PosHoldReleased(
        hold_id=hold_id,
        shop=query["shop"],
        sku=query["sku"],
        location=query.get("location") or None,
        order_id=_order_id(query.get("order_id")),
    )
    return release, f"pos:{release.shop}:hold_release:{hold_id}:{release.sku}"


ORDER_GID = "gid://shopify/Order/"


def _order_id(raw: str | None) -> str | None:
    """A Shopify order id as the order webhooks carry it (numeric), from the number or the GID."""
    if not raw:
        return None
    number = raw.removeprefix(ORDER_GID)
    if not number.isdigit():
        raise BadHold(f"order_id: not a Shopify order id or Order GID: {raw!r}")
    return number


class HoldEndpoint:
    """Request handlers for holds; stores each one durably before answering."""

    def __init__(self, bus: Bus, contract: Contract, *, store_timeout: float = STORE_TIMEOUT) -> None:
        self.bus = bus
        self.contract = contract
        self.store_timeout = store_timeout

    async def place(self, request: web.Request) -> web.Response:
        try:
            raw = msgspec.json.decode(await request.read())
        except msgspec.DecodeError as exc:
            return web.json_response({"error": f"body: not JSON ({exc})"}, status=400)
        try:
            hold, msg_id = parse_hold(self.contract, raw, time.time())
        except BadHold as exc:
            return web.json_response({"error": str(exc)}, status=400)
        location = resolve_location(self.contract, hold.shop, hold.location)
        return await self._store(pos_event(location, HOLD_KIND), hold, msg_id, hold.sku)

    async def release(self, request: web.Request) -> web.Response:
        try:
            release, msg_id = parse_release(self.contract, request.match_info["hold_id"], request.query)
        except BadHold as exc:
            return web.json_response({"error": str(exc)}, status=400)
        location = (
            resolve_location(self.contract, release.shop, release.location) if release.location else "any"
        )
        return await self._store(pos_event(location, HOLD_RELEASE_KIND), release, msg_id, release.sku)

    async def _store(
        self, subject: str, payload: PosHoldPlaced | PosHoldReleased, msg_id: str, sku: str
    ) -> web.Response:
        attributes = {"tandem.flow": "pos.hold", "tandem.sku": sku}
        with self.bus.tracer.process(
            subject,
            None,
            msg_id=msg_id,
            consumer="pos-holds",
            template="evt.pos.{location}.{kind}",
            attributes=attributes,
        ):
            envelope = make_envelope(payload, key=sku, id=msg_id)
            try:
                with anyio.fail_after(self.store_timeout):
                    ack = await self.bus.publish(
                        Outgoing(
                            subject=subject,
                            envelope=envelope,
                            msg_id=msg_id,
                            template="evt.pos.{location}.{kind}",
                            attributes=attributes,
                        )
                    )
            except STORE_FAILURES as exc:
                log.error("pos.hold_not_stored", hold_id=payload.hold_id, error=repr(exc))
                return web.json_response({"error": "could not store the hold; retry later"}, status=503)
        log.info(
            "pos.hold_stored",
            hold_id=payload.hold_id,
            sku=sku,
            subject=subject,
            duplicate=bool(ack.duplicate),
        )
        return web.json_response(
            {"hold_id": payload.hold_id, "subject": subject, "duplicate": bool(ack.duplicate)}, status=202
        )


def add_pos_routes(app: web.Application, bus: Bus, contract: Contract) -> None:
    """Mount the hold endpoints on an existing app (the engine's one HTTP server)."""
    endpoint = HoldEndpoint(bus, contract)
    app.router.add_post(HOLDS_PATH, endpoint.place)
    app.router.add_delete(HOLDS_PATH + "/{hold_id}", endpoint.release)


def pos_app(bus: Bus, contract: Contract) -> web.Application:
    app = web.Application()
    add_pos_routes(app, bus, contract)
    return app
