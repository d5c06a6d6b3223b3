"""One Admin GraphQL request against one shop: validate, price, throttle, execute, report the cost.

HTTP-free so that it can be tested directly; admin_api.py wraps it in aiohttp.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLSyntaxError,
    ListValueNode,
    OperationType,
    Visitor,
    execute_sync,
    parse,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

from .cost import MAX_QUERY_COST, query_cost
from .events import ShopEvent
from .resolvers.context import RequestContext
from .runtime import ShopRuntime
from .schema import admin_schema, resolve_field

MAX_INPUT_SIZE = 250
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"


@dataclass
class GraphQLReply:
    status: int
    body: dict[str, Any]
    events: list[ShopEvent] = field(default_factory=list)


def _cost(runtime: ShopRuntime, requested: int, actual: int | None) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": runtime.bucket.status(),
        }
    }


def _errors_reply(runtime: ShopRuntime, errors: list[dict[str, Any]], requested: int = 0) -> GraphQLReply:
    return GraphQLReply(200, {"errors": errors, "extensions": _cost(runtime, requested, None)})


def _inline_list_sizes(document: DocumentNode) -> tuple[int, ...]:
    sizes: list[int] = []

    class ListSizes(Visitor):
        def enter_list_value(self, node: ListValueNode, *_: Any) -> None:
            sizes.append(len(node.values))

    visit(document, ListSizes())
    return tuple(sizes)


def _oversized_inputs(inline: tuple[int, ...], variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Any input list longer than 250, inline (`inline`: the document's list sizes) or in variables
    [reference §1]."""
    sizes: list[tuple[int, list[str]]] = [(size, []) for size in inline]

    def walk(value: Any, path: list[str]) -> None:
        if isinstance(value, list):
            sizes.append((len(value), path))
            for index, item in enumerate(value):
                walk(item, [*path, str(index)])
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, [*path, key])

    walk(variables, [])
    return [
        {
            "message": f"The input array size of {size} is greater than the maximum allowed "
            f"of {MAX_INPUT_SIZE}.",
            "path": path or None,
            "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
        }
        for size, path in sizes
        if size > MAX_INPUT_SIZE
    ]


def _variable_errors(
    document: DocumentNode, operation_name: str | None, variables: dict[str, Any]
) -> list[dict[str, Any]]:
    """Variables that do not fit their declared types: Shopify's INVALID_VARIABLE, before any execution."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    coerced = get_variable_values(admin_schema(), operation.variable_definitions or [], variables)
    if not isinstance(coerced, list):
        return []
    return [
        {
            **error.formatted,
            "extensions": {
                "code": "INVALID_VARIABLE",
                "problems": [{"path": [], "explanation": error.message}],
            },
        }
        for error in coerced
    ]


def _request_parts(body: Any) -> tuple[str, dict[str, Any], str | None] | str:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        return "Required parameter missing or invalid"
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return "Variables must be a JSON object"
    operation = body.get("operationName")
    return body["query"], variables, operation if isinstance(operation, str) else None


@dataclass(frozen=True)
class _Request:
    document: DocumentNode
    variables: dict[str, Any]
    operation_name: str | None


@functools.lru_cache(maxsize=512)
def _parsed(query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...], tuple[int, ...]]:
    """The parsed document, its validation errors against the schema and its inline list sizes;
    None on a syntax error. Cached by query text: a client sends the same few documents with new
    variables each time."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return None, (dict(error.formatted),), ()
    errors = tuple(dict(error.formatted) for error in validate(admin_schema(), document))
    return document, errors, _inline_list_sizes(document)


def _checked_request(runtime: ShopRuntime, body: Any) -> _Request | GraphQLReply:
    """Parse and validate everything Shopify checks before spending any cost."""
    parts = _request_parts(body)
    if isinstance(parts, str):
        return GraphQLReply(400, {"errors": {"query": parts}})
    query, variables, operation_name = parts
    document, syntax_or_schema_errors, inline_sizes = _parsed(query)
    if document is None:
        return _errors_reply(runtime, list(syntax_or_schema_errors))
    errors = list(syntax_or_schema_errors)
    errors = errors or _oversized_inputs(inline_sizes, variables)
    errors = errors or _variable_errors(document, operation_name, variables)
    return _errors_reply(runtime, errors) if errors else _Request(document, variables, operation_name)


def _over_limit_or_throttled(runtime: ShopRuntime, requested: int) -> GraphQLReply | None:
    if requested > MAX_QUERY_COST:
        message = (
            f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST})."
        )
        extensions = {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST}
        return _errors_reply(runtime, [{"message": message, "extensions": extensions}], requested)
    if runtime.faults.forced_throttle():
        runtime.bucket.drain()
    if not runtime.bucket.try_take(requested):
        # Throttled is HTTP 200 with no data [reference §1]: clients must read the body, not the status.
        throttled = {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS},
        }
        return _errors_reply(runtime, [throttled], requested)
    return None


def run_graphql(
    runtime: ShopRuntime, body: Any, *, app: str, api_version: str, now: datetime
) -> GraphQLReply:
    """Executes one request body `{"query", "variables", "operationName"}` for a shop."""
    request = _checked_request(runtime, body)
    if isinstance(request, GraphQLReply):
        return request
    schema, document, variables, name = (
        admin_schema(),
        request.document,
        request.variables,
        request.operation_name,
    )
    requested = query_cost(schema, document, name, variables)
    refusal = _over_limit_or_throttled(runtime, requested)
    if refusal is not None:
        return refusal
    context = RequestContext(runtime.state, now, app, api_version, runtime.idempotency)
    result = execute_sync(
        schema,
        document,
        variable_values=variables,
        operation_name=name,
        context_value=context,
        field_resolver=resolve_field,
    )
    operation = get_operation_ast(document, name)
    is_mutation = operation is not None and operation.operation == OperationType.MUTATION
    # The reservation was the requested cost; what a query did not use goes back to the bucket.
    actual = (
        requested
        if is_mutation or result.data is None
        else query_cost(schema, document, name, variables, result.data)
    )
    runtime.bucket.give_back(requested - actual)
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [dict(error.formatted) for error in result.errors]
    response["data"] = result.data
    response["extensions"] = _cost(runtime, requested, actual)
    return GraphQLReply(200, response, context.events.events)
