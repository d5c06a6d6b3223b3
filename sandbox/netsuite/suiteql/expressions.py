"""Evaluating one SuiteQL expression against a row (or a group of rows, for aggregates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .functions import call_function
from .lexer import syntax_error
from .syntax import (
    AGGREGATES,
    Between,
    Binary,
    Call,
    Case,
    Column,
    Expr,
    InList,
    IsNull,
    Like,
    Literal,
    Unary,
)
from .table_model import DataView, Row, TableDef
from .values import arithmetic, compare, like, sort_key

Env = dict[str, Row | None]
ROWNUM = "#rownum"  # the pseudo-table holding Oracle's ROWNUM of a row


@dataclass(frozen=True)
class QueryContext:
    view: DataView
    zone: ZoneInfo
    date_preference: str
    scope: dict[str, TableDef]
    now: datetime


def evaluate(expr: Expr, env: Env, context: QueryContext, group: list[Env] | None) -> Any:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Column):
        row = env.get(expr.resolved_alias or "")
        return None if row is None else row.get(expr.name)
    if isinstance(expr, Call):
        if expr.name in AGGREGATES:
            return _aggregate(expr, context, group)
        if expr.name == "BUILTIN.DF":
            return _display(expr, env, context, group)
        return call_function(
            expr.name,
            [evaluate(a, env, context, group) for a in expr.args],
            context.zone,
            context.date_preference,
            context.now,
        )
    if isinstance(expr, Unary):
        value = evaluate(expr.operand, env, context, group)
        if expr.op == "NOT":
            return None if value is None else not value
        return arithmetic("-", Decimal(0), value)
    if isinstance(expr, Binary):
        return _binary(expr, env, context, group)
    if isinstance(expr, InList):
        value = evaluate(expr.operand, env, context, group)
        results = [
            compare(value, evaluate(i, env, context, group), context.zone, context.date_preference)
            for i in expr.items
        ]
        found = True if 0 in results else (None if None in results else False)
        return (None if found is None else not found) if expr.negated else found
    if isinstance(expr, Like):
        matched = like(
            evaluate(expr.operand, env, context, group), evaluate(expr.pattern, env, context, group)
        )
        return (None if matched is None else not matched) if expr.negated else matched
    if isinstance(expr, IsNull):
        return (evaluate(expr.operand, env, context, group) is None) != expr.negated
    if isinstance(expr, Between):
        return _between(expr, env, context, group)
    if isinstance(expr, Case):
        return _case(expr, env, context, group)
    raise syntax_error("Unsupported expression.")


def _binary(expr: Binary, env: Env, context: QueryContext, group: list[Env] | None) -> Any:
    if expr.op in {"AND", "OR"}:
        left = evaluate(expr.left, env, context, group)
        if expr.op == "AND" and left is False:
            return False
        if expr.op == "OR" and left is True:
            return True
        right = evaluate(expr.right, env, context, group)
        if expr.op == "AND":
            return False if right is False else (None if None in (left, right) else True)
        return True if right is True else (None if None in (left, right) else False)
    left, right = evaluate(expr.left, env, context, group), evaluate(expr.right, env, context, group)
    if expr.op in {"=", "<>", "<", "<=", ">", ">="}:
        order = compare(left, right, context.zone, context.date_preference)
        if order is None:
            return None
        return {
            "=": order == 0,
            "<>": order != 0,
            "<": order < 0,
            "<=": order <= 0,
            ">": order > 0,
            ">=": order >= 0,
        }[expr.op]
    return arithmetic(expr.op, left, right)


def _between(expr: Between, env: Env, context: QueryContext, group: list[Env] | None) -> Any:
    value = evaluate(expr.operand, env, context, group)
    low = compare(value, evaluate(expr.low, env, context, group), context.zone, context.date_preference)
    high = compare(value, evaluate(expr.high, env, context, group), context.zone, context.date_preference)
    if low is None or high is None:
        return None
    return (low >= 0 and high <= 0) != expr.negated


def _case(expr: Case, env: Env, context: QueryContext, group: list[Env] | None) -> Any:
    subject = evaluate(expr.operand, env, context, group) if expr.operand is not None else None
    for condition, result in expr.whens:
        value = evaluate(condition, env, context, group)
        hit = (compare(subject, value, context.zone, context.date_preference) == 0) if expr.operand else value
        if hit is True:
            return evaluate(result, env, context, group)
    return evaluate(expr.default, env, context, group) if expr.default is not None else None


def _aggregate(expr: Call, context: QueryContext, group: list[Env] | None) -> Any:
    if group is None:
        raise syntax_error(f"{expr.name} is not allowed here.")
    if expr.star:
        return len(group)
    values = [evaluate(expr.args[0], env, context, None) for env in group]
    values = [v for v in values if v is not None]
    if expr.distinct:
        values = list(dict.fromkeys(values))
    if expr.name == "COUNT":
        return len(values)
    if not values:
        return None
    if expr.name in {"MIN", "MAX"}:
        ordered = sorted(values, key=sort_key)
        return ordered[0] if expr.name == "MIN" else ordered[-1]
    total = sum((Decimal(v) for v in values), Decimal(0))
    return total if expr.name == "SUM" else total / len(values)


def _display(expr: Call, env: Env, context: QueryContext, group: list[Env] | None) -> Any:
    """BUILTIN.DF: the display text of a reference or status column."""
    if len(expr.args) != 1:
        raise syntax_error("BUILTIN.DF takes one argument.")
    argument = expr.args[0]
    value = evaluate(argument, env, context, group)
    if isinstance(argument, Column) and value is not None:
        show = context.scope[argument.resolved_alias or ""].displays.get(argument.name)
        if show is not None:
            return show(context.view, value)
    return value
