"""Which units of a web order Shopify still has to ship from where: its open fulfillment orders.

The REST order webhook does not say which location fills a web order; `Order.fulfillmentOrders`
does (reference/shopify.md §4): one fulfillment order per assigned location, each listing the
order lines it fills. The answer is `LineLocations` (contract/shopify_orders.py): REST line id →
Shopify location GID → `remainingQuantity`, the units not shipped yet and not cancelled. Shipped
units are in the webhook body itself (its `fulfillments`), so they are not read here; neither is
`totalQuantity`, whose cancelled units Shopify may or may not keep in it (the emulator keeps them).
Closed and cancelled fulfillment orders have nothing left to ship and are skipped.

Transport, cost throttle and retries are the shop's `ShopifyGraphQL` client's; its ShopifyError
reaches the caller (the router naks the webhook, see gateways/shopify/router.py).
"""

from __future__ import annotations

from typing import Any

from contract.shopify_orders import LineLocations
from gateways.shopify.errors import ShopifyError
from gateways.shopify.graphql import ShopifyGraphQL

ORDERS_PER_PAGE = 4  # fulfillment orders per request: one or two per order is usual
LINES_PER_PAGE = 25  # their lines per request; a longer one is read on with FULFILLMENT_ORDER_LINES
ORDER_GID = "gid://shopify/Order/{}"

_LINE_NODES = "nodes { remainingQuantity lineItem { id } } pageInfo { hasNextPage endCursor }"
DONE = frozenset({"CLOSED", "CANCELLED"})  # fulfillment order statuses with nothing left to ship
ORDER_FULFILLMENT_ORDERS = f"""
query TandemOrderFulfillmentOrders($id: ID!, $after: String) {{
  order(id: $id) {{
    fulfillmentOrders(first: {ORDERS_PER_PAGE}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id status
        assignedLocation {{ location {{ id }} }}
        lineItems(first: {LINES_PER_PAGE}) {{ {_LINE_NODES} }}
      }}
    }}
  }}
}}"""
FULFILLMENT_ORDER_LINES = f"""
query TandemFulfillmentOrderLines($id: ID!, $after: String) {{
  fulfillmentOrder(id: $id) {{
    status
    assignedLocation {{ location {{ id }} }}
    lineItems(first: {LINES_PER_PAGE}, after: $after) {{ {_LINE_NODES} }}
  }}
}}"""
# Shopify's calculator: an object 1, a connection 2 + first × (1 + its node's objects) (reference §1).
_LINES_COST = 2 + LINES_PER_PAGE * (1 + 1)
ORDER_QUERY_COST = 1 + 2 + ORDERS_PER_PAGE * (1 + 2 + _LINES_COST)
LINES_QUERY_COST = 1 + 2 + _LINES_COST


def legacy_id(gid: str) -> str:
    """`gid://shopify/LineItem/123` → `123`: the id REST bodies use."""
    return gid.rsplit("/", 1)[-1]


async def fulfillment_line_locations(client: ShopifyGraphQL, order_id: str) -> LineLocations:
    """Units still to ship per order line per assigned location, over every page; {} for an order
    Shopify does not know. Raises ShopifyError."""
    assigned: dict[str, dict[str, int]] = {}
    after: str | None = None
    while True:
        variables = {"id": ORDER_GID.format(order_id), "after": after}
        data = await client.execute(
            "orderFulfillmentOrders", ORDER_FULFILLMENT_ORDERS, variables, cost=ORDER_QUERY_COST
        )
        try:
            page = data["order"]["fulfillmentOrders"] if data.get("order") is not None else None
            if page is None:
                return assigned
            for node in page["nodes"]:
                await _add_lines(client, assigned, node)
            if not page["pageInfo"]["hasNextPage"]:
                return assigned
            after = page["pageInfo"]["endCursor"]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ShopifyError("BAD_RESPONSE", f"fulfillment orders of order {order_id}: {exc!r}") from exc


async def _add_lines(client: ShopifyGraphQL, assigned: dict[str, dict[str, int]], node: Any) -> None:
    """Add one fulfillment order's lines, reading on while its line list has more pages."""
    while node is not None:
        location = (node["assignedLocation"] or {}).get("location")
        lines = node["lineItems"]
        # A location since deleted has nothing to map to: the line keeps the default rule.
        if location is not None and node["status"] not in DONE:
            for row in lines["nodes"]:
                per_location = assigned.setdefault(legacy_id(row["lineItem"]["id"]), {})
                units = per_location.get(location["id"], 0) + row["remainingQuantity"]
                per_location[location["id"]] = units
        if not lines["pageInfo"]["hasNextPage"]:
            return
        variables = {"id": node["id"], "after": lines["pageInfo"]["endCursor"]}
        data = await client.execute(
            "fulfillmentOrderLines", FULFILLMENT_ORDER_LINES, variables, cost=LINES_QUERY_COST
        )
        more = data.get("fulfillmentOrder")
        node = None if more is None else {**more, "id": node["id"]}
