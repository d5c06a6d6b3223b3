"""Runs a parsed SELECT over the tables: names resolved first, then scan, join, filter, group, sort."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import NetSuiteApiError
from .expressions import ROWNUM, Env, QueryContext, evaluate
from .lexer import syntax_error
from .syntax import (
    Binary,
    Column,
    Expr,
    Literal,
    Select,
    Star,
    has_aggregate,
    walk,
)
from .table_model import Row
from .tables import TABLES, DataView, TableDef
from .values import sort_key


def unknown_identifier(name: str, scope: dict[str, TableDef]) -> NetSuiteApiError:
    available = ", ".join(f"{alias}={table.name}" for alias, table in scope.items())
    return syntax_error(f"Unknown identifier '{name}'. Available identifiers are: {{{available}}}.")


def execute(
    select: Select, view: DataView, zone: ZoneInfo, date_preference: str, now: datetime
) -> tuple[list[str], list[list[Any]]]:
    """Column names (lower case) and rows of typed values."""
    scope = _scope(select)
    context = QueryContext(view, zone, date_preference, scope, now)
    outputs = _expand_items(select, scope)
    _resolve_all(select, outputs, scope)
    pushed, remaining = _push_down(select)
    envs = _number_rows(_scan(select, context, pushed), remaining, context)
    grouped = bool(select.group_by) or any(has_aggregate(expr) for _, expr in outputs)
    groups: list[list[Env]] = _group(select, envs, context) if grouped else [[env] for env in envs]
    if select.having is not None:
        groups = [g for g in groups if evaluate(select.having, g[0] if g else {}, context, g) is True]
    rows = [
        ([evaluate(expr, g[0] if g else {}, context, g if grouped else None) for _, expr in outputs], g)
        for g in groups
    ]
    if select.distinct:
        seen: set[tuple[Any, ...]] = set()
        rows = [r for r in rows if not (tuple(r[0]) in seen or seen.add(tuple(r[0])))]  # type: ignore[func-returns-value]
    rows = _order(select, rows, [name for name, _ in outputs], context, grouped)
    end = None if select.fetch_first is None else select.offset + select.fetch_first
    return [name for name, _ in outputs], [values for values, _ in rows[select.offset : end]]


def _scope(select: Select) -> dict[str, TableDef]:
    scope: dict[str, TableDef] = {}
    for ref in [select.source, *[join.table for join in select.joins]]:
        table = TABLES.get(ref.name)
        if table is None:
            raise syntax_error(f"Invalid search type: {ref.name}.")
        scope[ref.alias] = table
    return scope


def _expand_items(select: Select, scope: dict[str, TableDef]) -> list[tuple[str, Expr]]:
    """Output names: the alias, else the column name, else exprN as NetSuite names unnamed expressions."""
    outputs: list[tuple[str, Expr]] = []
    unnamed = 0
    for item in select.items:
        if isinstance(item.expr, Star):
            aliases = [item.expr.table] if item.expr.table else list(scope)
            for alias in aliases:
                if alias not in scope:
                    raise unknown_identifier(f"{alias}.*", scope)
                outputs += [(column, Column(alias, column)) for column in scope[alias].columns]
            continue
        if item.alias:
            name = item.alias.lower()
        elif isinstance(item.expr, Column):
            name = item.expr.name
        else:
            unnamed += 1
            name = f"expr{unnamed}"
        outputs.append((name, item.expr))
    return outputs


def _resolve_all(select: Select, outputs: list[tuple[str, Expr]], scope: dict[str, TableDef]) -> None:
    expressions = [expr for _, expr in outputs] + list(select.group_by)
    expressions += [e for e in (select.where, select.having) if e is not None]
    expressions += [join.condition for join in select.joins if join.condition is not None]
    for expr in expressions:
        _resolve(expr, scope)
    output_names = {name for name, _ in outputs}
    for order in select.order_by:
        if isinstance(order.expr, Column) and order.expr.table is None and order.expr.name in output_names:
            continue  # ORDER BY a select-list alias
        _resolve(order.expr, scope)


def _resolve(expr: Expr, scope: dict[str, TableDef]) -> None:
    for node in walk(expr):
        if not isinstance(node, Column):
            continue
        if node.table is not None:
            table = scope.get(node.table)
            if table is None or not table.has_column(node.name):
                raise unknown_identifier(f"{node.table}.{node.name}", scope)
            node.resolved_alias = node.table
            continue
        owners = [alias for alias, table in scope.items() if table.has_column(node.name)]
        if not owners and node.name == "rownum":
            node.resolved_alias = ROWNUM
            continue
        if not owners:
            raise unknown_identifier(node.name, scope)
        if len(owners) > 1:
            raise syntax_error(f"Column ambiguously defined: '{node.name}'.")
        node.resolved_alias = owners[0]


def _number_rows(envs: list[Env], where: Expr | None, context: QueryContext) -> list[Env]:
    """Filter by WHERE, giving each surviving row its ROWNUM as it passes.

    Like Oracle, ROWNUM is assigned here, before ORDER BY: `WHERE ROWNUM <= 10 ORDER BY x` sorts ten
    arbitrary rows, it does not return the top ten (reference §2, the top-N trap).
    """
    kept: list[Env] = []
    for env in envs:
        candidate = {**env, ROWNUM: {"rownum": len(kept) + 1}}
        if where is None or evaluate(where, candidate, context, None) is True:
            kept.append(candidate)
    return kept


def _push_down(select: Select) -> tuple[dict[str, list[Expr]], Expr | None]:
    """Split WHERE into filters on one inner table each (applied before joining) and the rest.

    Only tables whose missing rows cannot turn into NULL rows (the FROM table and inner joins) take
    filters early; conditions on ROWNUM stay late, since it counts rows passing the whole WHERE.
    """
    inner = {select.source.alias} | {j.table.alias for j in select.joins if j.kind in {"INNER", "CROSS"}}
    pushed: dict[str, list[Expr]] = {}
    remaining: list[Expr] = []
    for conjunct in _conjuncts(select.where):
        aliases = {c.resolved_alias for c in walk(conjunct) if isinstance(c, Column)}
        if len(aliases) == 1 and aliases <= inner:
            pushed.setdefault(aliases.pop() or "", []).append(conjunct)
        else:
            remaining.append(conjunct)
    rest: Expr | None = None
    for conjunct in remaining:
        rest = conjunct if rest is None else Binary("AND", rest, conjunct)
    return pushed, rest


def _conjuncts(expr: Expr | None) -> list[Expr]:
    if expr is None:
        return []
    if isinstance(expr, Binary) and expr.op == "AND":
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def _scan(select: Select, context: QueryContext, pushed: dict[str, list[Expr]]) -> list[Env]:
    def rows_of(alias: str) -> list[Row]:
        filters = pushed.get(alias, [])
        return [
            row
            for row in context.scope[alias].rows(context.view)
            if all(evaluate(f, {alias: row}, context, None) is True for f in filters)
        ]

    base = select.source.alias
    envs: list[Env] = [{base: row} for row in rows_of(base)]
    for join in select.joins:
        alias = join.table.alias
        envs = _join(envs, alias, rows_of(alias), join.kind, join.condition, context)
    return envs


def _join(
    envs: list[Env], alias: str, rows: list[Row], kind: str, condition: Expr | None, context: QueryContext
) -> list[Env]:
    """Nested-loop join, with a hash index when the condition is `new.col = earlier.col`."""
    probe = _equi_join_columns(condition, alias)
    index: dict[str, list[Row]] = {}
    if probe is not None:
        for row in rows:
            key = row.get(probe[0].name)
            if key is not None:
                index.setdefault(str(key), []).append(row)
    joined: list[Env] = []
    for env in envs:
        if probe is not None:
            key = evaluate(probe[1], env, context, None)
            candidates = index.get(str(key), []) if key is not None else []
        else:
            candidates = rows
        matched = False
        for row in candidates:
            candidate = {**env, alias: row}
            if condition is None or evaluate(condition, candidate, context, None) is True:
                joined.append(candidate)
                matched = True
        if kind == "LEFT" and not matched:
            joined.append({**env, alias: None})
    return joined


def _equi_join_columns(condition: Expr | None, alias: str) -> tuple[Column, Expr] | None:
    if not (isinstance(condition, Binary) and condition.op == "="):
        return None
    for mine, other in ((condition.left, condition.right), (condition.right, condition.left)):
        other_aliases = {c.resolved_alias for c in walk(other) if isinstance(c, Column)}
        if isinstance(mine, Column) and mine.resolved_alias == alias and alias not in other_aliases:
            return mine, other
    return None


def _group(select: Select, envs: list[Env], context: QueryContext) -> list[list[Env]]:
    if not select.group_by:
        return [envs]
    groups: dict[tuple[Any, ...], list[Env]] = {}
    for env in envs:
        key = tuple(evaluate(expr, env, context, None) for expr in select.group_by)
        groups.setdefault(key, []).append(env)
    return list(groups.values())


def _order(
    select: Select,
    rows: list[tuple[list[Any], list[Env]]],
    names: list[str],
    context: QueryContext,
    grouped: bool,
) -> list[tuple[list[Any], list[Env]]]:
    for order in reversed(select.order_by):  # stable sorts, last key first

        def key(row: tuple[list[Any], list[Env]], order: Any = order) -> tuple[int, Any]:
            value = _order_value(order.expr, row, names, context, grouped)
            nulls_first = order.nulls_first if order.nulls_first is not None else order.descending
            if value is None:
                return (0, 0) if nulls_first != order.descending else (2, 0)
            return (1, sort_key(value))

        rows = sorted(rows, key=key, reverse=order.descending)
    return rows


def _order_value(
    expr: Expr, row: tuple[list[Any], list[Env]], names: list[str], context: QueryContext, grouped: bool
) -> Any:
    values, group = row
    if isinstance(expr, Literal) and isinstance(expr.value, int):
        if not 1 <= expr.value <= len(values):
            raise syntax_error(f"ORDER BY position {expr.value} is not in the select list.")
        return values[expr.value - 1]
    if isinstance(expr, Column) and expr.resolved_alias is None and expr.name in names:
        return values[names.index(expr.name)]
    return evaluate(expr, group[0] if group else {}, context, group if grouped else None)
