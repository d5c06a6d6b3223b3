"""What every resolver of one GraphQL request sees: the shop, the request time, and the events it causes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from graphql import GraphQLError, GraphQLResolveInfo

from ..events import EventLog
from ..idempotency import IdempotencyStore
from ..ids import InvalidGid, gid_kind, parse_gid
from ..model import LineItem, Order
from ..store import ShopState


@dataclass
class RequestContext:
    state: ShopState
    now: datetime
    app: str
    api_version: str
    idempotency: IdempotencyStore
    events: EventLog = field(default_factory=EventLog)

    def line(self, line_id: int) -> tuple[Order, LineItem]:
        """The order and line item for a line id (ShopState.order_line)."""
        return self.state.order_line(line_id)


def ctx(info: GraphQLResolveInfo) -> RequestContext:
    context: RequestContext = info.context
    return context


def number_or_none(value: str | None, kind: str) -> int | None:
    """The number of a GID of `kind`, or None (callers turn None into their own not-found error)."""
    if value is None:
        return None
    try:
        return parse_gid(value, kind)
    except InvalidGid:
        return None


def require_number(value: str, kind: str) -> int:
    """For query arguments: a malformed id is a top-level error, as in Shopify."""
    if gid_kind(value) is None:
        raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "INVALID_FIELD_ARGUMENTS"})
    number = number_or_none(value, kind)
    return -1 if number is None else number
