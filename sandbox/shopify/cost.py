"""Query cost as Shopify's calculator sees it: scalars 0, objects 1, connections 2 + page size × node,
mutations 10 [reference §1]. The requested cost is computed before execution from `first`/`last`;
the actual cost afterwards from the rows really returned.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    value_from_ast,
)
from graphql.utilities import get_operation_ast

MUTATION_COST = 10
MAX_QUERY_COST = 1000
_NOT_RUN = object()  # marks "requested" mode: no data, sizes come from arguments


class _Calculator:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selection(self, selection_set: SelectionSetNode | None, parent: Any, data: Any) -> int:
        if selection_set is None or data is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent, data)
            elif isinstance(node, InlineFragmentNode):
                target = (
                    self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                )
                total += self.selection(node.selection_set, target, data)
            elif isinstance(node, FragmentSpreadNode) and node.name.value in self.fragments:
                fragment = self.fragments[node.name.value]
                total += self.selection(
                    fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value), data
                )
        return total

    def field(self, node: FieldNode, parent: Any, data: Any) -> int:
        fields = getattr(parent, "fields", {})
        if node.name.value not in fields:
            return 0
        named = get_named_type(fields[node.name.value].type)
        if is_leaf_type(named):
            return 0
        value = (
            data
            if data is _NOT_RUN
            else (
                data.get(node.alias.value if node.alias else node.name.value)
                if isinstance(data, dict)
                else None
            )
        )
        if named.name.endswith("Connection") and isinstance(named, GraphQLObjectType):
            return self.connection(node, named, value)
        if isinstance(value, list):
            return sum(1 + self.selection(node.selection_set, named, item) for item in value)
        return 1 + self.selection(node.selection_set, named, value)

    def connection(self, node: FieldNode, connection_type: GraphQLObjectType, value: Any) -> int:
        node_type = get_named_type(connection_type.fields["nodes"].type)
        per_node = [s for s in _node_selections(node)]
        if value is _NOT_RUN:
            size = self.page_size(node)
            return 2 + size * (1 + sum(self.selection(s, node_type, _NOT_RUN) for s in per_node))
        if not isinstance(value, dict):
            return 2
        rows = [edge.get("node") for edge in value.get("edges") or []] or list(value.get("nodes") or [])
        return 2 + sum(1 + sum(self.selection(s, node_type, row) for s in per_node) for row in rows)

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments:
            if argument.name.value in ("first", "last"):
                size = value_from_ast(argument.value, GraphQLInt, self.variables)
                return int(size) if isinstance(size, int) else 0
        return 0


def _node_selections(node: FieldNode) -> list[SelectionSetNode]:
    """The selection sets that apply to each node of a connection: edges { node {…} } and nodes {…}."""
    found = []
    for child in node.selection_set.selections if node.selection_set else []:
        if not isinstance(child, FieldNode) or child.selection_set is None:
            continue
        if child.name.value == "nodes":
            found.append(child.selection_set)
        elif child.name.value == "edges":
            found += [
                grandchild.selection_set
                for grandchild in child.selection_set.selections
                if isinstance(grandchild, FieldNode)
                and grandchild.name.value == "node"
                and grandchild.selection_set is not None
            ]
    return found


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    return get_operation_ast(document, operation_name)


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    data: Any = _NOT_RUN,
) -> int:
    """Requested cost (no `data`) or actual cost (with the response `data`)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))
    calculator = _Calculator(schema, document, variables or {})
    return calculator.selection(operation.selection_set, schema.query_type, data)
