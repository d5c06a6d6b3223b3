"""The executable schema: schema.graphql (Shopify's names) bound to the resolvers and scalar formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLAbstractType, GraphQLResolveInfo, GraphQLScalarType, GraphQLSchema, build_schema

from .model import DiscountCode
from .money import graphql_amount
from .resolvers import (
    fields_catalog,
    fields_orders,
    inventory_mutations,
    order_mutations,
    queries,
    shop_mutations,
)

_SDL = Path(__file__).with_name("schema.graphql")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")

FIELD_RESOLVERS: dict[str, dict[str, Any]] = {
    **fields_catalog.FIELD_RESOLVERS,
    **fields_orders.FIELD_RESOLVERS,
    **inventory_mutations.FIELD_RESOLVERS,
    "QueryRoot": queries.QUERY_RESOLVERS,
    "Mutation": {**inventory_mutations.MUTATIONS, **order_mutations.MUTATIONS, **shop_mutations.MUTATIONS},
}
TYPE_NAMES: dict[type, str] = {**fields_catalog.TYPE_NAMES, **fields_orders.TYPE_NAMES}


def snake_case(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Explicit resolvers first; otherwise a dict key or the snake_case attribute of the record."""
    override = FIELD_RESOLVERS.get(info.parent_type.name, {}).get(info.field_name)
    if override is not None:
        return override(source, info, **args)
    if isinstance(source, dict):
        return source.get(info.field_name)
    return getattr(source, snake_case(info.field_name), None)


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: GraphQLAbstractType) -> str:
    if isinstance(value, dict):
        return str(value["__typename"])
    if isinstance(value, DiscountCode) and abstract_type.name == "DiscountCode":
        return "DiscountCodeBasic"  # the same record is the DiscountCodeNode and its codeDiscount
    return TYPE_NAMES[type(value)]


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _parse_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _serialize_amount(value: Any) -> str:
    return graphql_amount(value) if isinstance(value, Decimal) else str(value)


def _set_scalar(schema: GraphQLSchema, name: str, serialize: Any, parse: Any = None) -> None:
    scalar = schema.type_map[name]
    assert isinstance(scalar, GraphQLScalarType)
    scalar.serialize = serialize  # type: ignore[method-assign]
    if parse is not None:
        scalar.parse_value = parse  # type: ignore[method-assign]


@cache
def admin_schema() -> GraphQLSchema:
    """Built once per process; resolvers are looked up per field so the schema itself holds no state."""
    schema = build_schema(_SDL.read_text())
    _set_scalar(schema, "DateTime", _serialize_datetime, _parse_datetime)
    _set_scalar(schema, "Decimal", _serialize_amount, str)
    _set_scalar(schema, "Money", _serialize_amount, str)
    _set_scalar(schema, "UnsignedInt64", str, str)
    for graphql_type in schema.type_map.values():
        if hasattr(graphql_type, "resolve_type") and not graphql_type.name.startswith("__"):
            graphql_type.resolve_type = resolve_type  # type: ignore[union-attr]
    return schema
