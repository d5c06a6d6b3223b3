"""Where Shopify holds a web order's units: its fulfillment orders and fulfillments, over Admin GraphQL.

The REST order webhook does not say which location fills a web order; `Order.fulfillmentOrders`
does (reference/shopify.md §4): one fulfillment order per assigned location, each listing the order
lines it fills. The answer is `LineLocations` (contract/shopify_orders.py): REST line id → Shopify
location GID → units Shopify holds taken for the line there:

- not shipped yet: `remainingQuantity` of the open fulfillment orders (closed and cancelled ones
  have nothing left to ship). Not `totalQuantity`: whether it keeps cancelled units is not
  documented (the emulator keeps them), and those are back on the shelf;
- shipped: the fulfillments of a fulfillment order (from its location), read only where some line
  has fewer units left than it had (`totalQuantity` > `remainingQuantity`: shipped or cancelled),
  so an order nothing happened to since it was placed costs one request. Both come from here, not
  from the webhook body, so a webhook and the reconciler's synthetic body (which carries no
  fulfillments) of one order version translate alike.

Units returned to stock are not read: their refunds name the line, and the actor takes them off its
main part (exact for a line at one location; see contract/shopify_orders.py, "Split lines").

Transport, cost throttle and retries are the shop's `ShopifyGraphQL` client's; its ShopifyError
reaches the caller (the router naks the webhook, see gateways/shopify/router.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple

from contract.shopify_orders import LineLocations
from gateways.shopify.errors import ShopifyError
from gateways.shopify.graphql import ShopifyGraphQL

ORDERS_PER_PAGE = 4  # fulfillment orders per request: one or two per order is usual
LINES_PER_PAGE = 25  # lines per page of a fulfillment order; longer ones are read on
SHIPMENTS_PER_PAGE = 5  # fulfillments of a fulfillment order per request
SHIPPED_PER_PAGE = 10  # lines per page of a fulfillment
ORDER_GID = "gid://shopify/Order/{}"
DONE = frozenset({"CLOSED", "CANCELLED"})  # fulfillment orders with nothing left to ship
NOT_SHIPPED = frozenset({"CANCELLED", "ERROR", "FAILURE"})  # fulfillments that shipped nothing

_PAGE = "pageInfo { hasNextPage endCursor }"
_FO_LINES = f"nodes {{ totalQuantity remainingQuantity lineItem {{ id }} }} {_PAGE}"
_SHIPPED_LINES = f"nodes {{ quantity lineItem {{ id }} }} {_PAGE}"
_SHIPPED = f"fulfillmentLineItems(first: {SHIPPED_PER_PAGE}) {{ {_SHIPPED_LINES} }}"
ORDER_FULFILLMENT_ORDERS = f"""
query TandemOrderFulfillmentOrders($id: ID!, $after: String) {{
  order(id: $id) {{
    fulfillmentOrders(first: {ORDERS_PER_PAGE}, after: $after) {{
      {_PAGE}
      nodes {{
        id status assignedLocation {{ location {{ id }} }}
        lineItems(first: {LINES_PER_PAGE}) {{ {_FO_LINES} }}
      }}
    }}
  }}
}}"""
FULFILLMENT_ORDER_LINES = f"""
query TandemFulfillmentOrderLines($id: ID!, $after: String) {{
  fulfillmentOrder(id: $id) {{ lineItems(first: {LINES_PER_PAGE}, after: $after) {{ {_FO_LINES} }} }}
}}"""
FULFILLMENT_ORDER_SHIPMENTS = f"""
query TandemFulfillmentOrderShipments($id: ID!, $after: String) {{
  fulfillmentOrder(id: $id) {{
    fulfillments(first: {SHIPMENTS_PER_PAGE}, after: $after) {{ {_PAGE} nodes {{ id status {_SHIPPED} }} }}
  }}
}}"""
FULFILLMENT_LINES = f"""
query TandemFulfillmentLines($id: ID!, $after: String) {{
  fulfillment(id: $id) {{
    fulfillmentLineItems(first: {SHIPPED_PER_PAGE}, after: $after) {{ {_SHIPPED_LINES} }}
  }}
}}"""
# Shopify's calculator: an object 1, a connection 2 + first × (1 + its node's objects) (reference §1).
_LINES_COST = 2 + LINES_PER_PAGE * (1 + 1)
_SHIPPED_COST = 2 + SHIPPED_PER_PAGE * (1 + 1)
ORDER_QUERY_COST = 1 + 2 + ORDERS_PER_PAGE * (1 + 2 + _LINES_COST)
LINES_QUERY_COST = 1 + _LINES_COST
SHIPMENTS_QUERY_COST = 1 + 2 + SHIPMENTS_PER_PAGE * (1 + _SHIPPED_COST)
SHIPPED_QUERY_COST = 1 + _SHIPPED_COST


class PageQuery(NamedTuple):
    """How to read on a node's line connection from a cursor."""

    operation: str
    query: str
    node: str  # the root field the query asks for
    connection: str
    cost: int


FO_LINES_PAGE = PageQuery(
    "fulfillmentOrderLines", FULFILLMENT_ORDER_LINES, "fulfillmentOrder", "lineItems", LINES_QUERY_COST
)
SHIPPED_LINES_PAGE = PageQuery(
    "fulfillmentLines", FULFILLMENT_LINES, "fulfillment", "fulfillmentLineItems", SHIPPED_QUERY_COST
)
Taken = dict[str, dict[str, int]]
NextPage = Callable[[str], Awaitable[Any]]  # endCursor -> the connection's next page (None: gone)


def legacy_id(gid: str) -> str:
    """`gid://shopify/LineItem/123` → `123`: the id REST bodies use."""
    return gid.rsplit("/", 1)[-1]


async def fulfillment_line_locations(client: ShopifyGraphQL, order_id: str) -> LineLocations:
    """Units Shopify holds taken per order line per location (module docstring); {} for an order
    Shopify does not know. Raises ShopifyError."""
    taken: Taken = {}
    try:
        shipped_from = await _read_unshipped(client, order_id, taken)
        seen: set[str] = set()  # a fulfillment of lines of two fulfillment orders is listed by both
        for fulfillment_order, location in shipped_from:
            await _read_shipped(client, fulfillment_order, location, taken, seen)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ShopifyError("BAD_RESPONSE", f"fulfillment orders of order {order_id}: {exc!r}") from exc
    return taken


async def _read_unshipped(client: ShopifyGraphQL, order_id: str, taken: Taken) -> list[tuple[str, str]]:
    """Add the units still to ship; returns the (fulfillment order, location) that may have shipped
    some: a line there has fewer units left than it had (shipped, or cancelled)."""
    shipped_from: list[tuple[str, str]] = []
    after = None
    while True:
        variables = {"id": ORDER_GID.format(order_id), "after": after}
        data = await client.execute(
            "orderFulfillmentOrders", ORDER_FULFILLMENT_ORDERS, variables, cost=ORDER_QUERY_COST
        )
        if data.get("order") is None:
            return shipped_from
        page = data["order"]["fulfillmentOrders"]
        for node in page["nodes"]:
            location = (node["assignedLocation"] or {}).get("location")
            if location is None:  # deleted since: nothing to map to, the line keeps the default rule
                continue
            lines = _rows(node["lineItems"], _next_page(client, FO_LINES_PAGE, node["id"]))
            changed = False
            async for row in lines:
                changed |= row["totalQuantity"] > row["remainingQuantity"]
                if node["status"] not in DONE:
                    _add(taken, row["lineItem"]["id"], location["id"], row["remainingQuantity"])
            if changed:
                shipped_from.append((node["id"], location["id"]))
        if not page["pageInfo"]["hasNextPage"]:
            return shipped_from
        after = page["pageInfo"]["endCursor"]


async def _read_shipped(
    client: ShopifyGraphQL, fulfillment_order: str, location: str, taken: Taken, seen: set[str]
) -> None:
    """Add the units a fulfillment order's fulfillments shipped (from its location)."""
    after = None
    while True:
        variables = {"id": fulfillment_order, "after": after}
        data = await client.execute(
            "fulfillmentOrderShipments", FULFILLMENT_ORDER_SHIPMENTS, variables, cost=SHIPMENTS_QUERY_COST
        )
        page = (data.get("fulfillmentOrder") or {}).get("fulfillments")
        if page is None:
            return
        for shipment in page["nodes"]:
            if shipment["id"] in seen or shipment["status"] in NOT_SHIPPED:
                continue
            seen.add(shipment["id"])
            lines = _rows(
                shipment["fulfillmentLineItems"], _next_page(client, SHIPPED_LINES_PAGE, shipment["id"])
            )
            async for row in lines:
                _add(taken, row["lineItem"]["id"], location, row["quantity"])
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def _next_page(client: ShopifyGraphQL, how: PageQuery, node_id: str) -> NextPage:
    async def more(cursor: str) -> Any:
        data = await client.execute(how.operation, how.query, {"id": node_id, "after": cursor}, cost=how.cost)
        return (data.get(how.node) or {}).get(how.connection)

    return more


async def _rows(connection: Any, more: NextPage) -> AsyncIterator[Any]:
    """Every node of a connection, reading on page by page."""
    while connection is not None:
        for row in connection["nodes"]:
            yield row
        if not connection["pageInfo"]["hasNextPage"]:
            return
        connection = await more(connection["pageInfo"]["endCursor"])


def _add(taken: Taken, line_gid: str, location_gid: str, units: int) -> None:
    per_location = taken.setdefault(legacy_id(line_gid), {})
    per_location[location_gid] = per_location.get(location_gid, 0) + units
