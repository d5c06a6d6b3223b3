"""The SuiteQL syntax tree: expressions and the SELECT statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Expr:
    """Base of every expression node."""


@dataclass(eq=False)
class Literal(Expr):
    value: Any


@dataclass(eq=False)
class Column(Expr):
    table: str | None
    name: str
    # Filled in by name resolution: the alias of the table the column lives in.
    resolved_alias: str | None = None


@dataclass(eq=False)
class Star(Expr):
    table: str | None


@dataclass(eq=False)
class Call(Expr):
    name: str  # upper case, dotted for BUILTIN.DF
    args: list[Expr]
    distinct: bool = False
    star: bool = False  # COUNT(*)


@dataclass(eq=False)
class Unary(Expr):
    op: str  # "-", "NOT"
    operand: Expr


@dataclass(eq=False)
class Binary(Expr):
    op: str  # arithmetic, comparison, AND, OR, ||
    left: Expr
    right: Expr


@dataclass(eq=False)
class InList(Expr):
    operand: Expr
    items: list[Expr]
    negated: bool


@dataclass(eq=False)
class Like(Expr):
    operand: Expr
    pattern: Expr
    negated: bool


@dataclass(eq=False)
class IsNull(Expr):
    operand: Expr
    negated: bool


@dataclass(eq=False)
class Between(Expr):
    operand: Expr
    low: Expr
    high: Expr
    negated: bool


@dataclass(eq=False)
class Case(Expr):
    operand: Expr | None
    whens: list[tuple[Expr, Expr]]
    default: Expr | None


@dataclass
class SelectItem:
    expr: Expr
    alias: str | None


@dataclass
class TableRef:
    name: str
    alias: str


@dataclass
class Join:
    kind: str  # "INNER" | "LEFT" | "CROSS"
    table: TableRef
    condition: Expr | None


@dataclass
class OrderItem:
    expr: Expr
    descending: bool
    nulls_first: bool | None


@dataclass
class Select:
    items: list[SelectItem]
    source: TableRef
    joins: list[Join] = field(default_factory=list)
    where: Expr | None = None
    group_by: list[Expr] = field(default_factory=list)
    having: Expr | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    distinct: bool = False
    offset: int = 0
    fetch_first: int | None = None


AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG"})


def walk(expr: Expr) -> list[Expr]:
    """The expression and all its sub-expressions."""
    found: list[Expr] = [expr]
    children: list[Expr] = []
    if isinstance(expr, Call):
        children = list(expr.args)
    elif isinstance(expr, Unary):
        children = [expr.operand]
    elif isinstance(expr, Binary):
        children = [expr.left, expr.right]
    elif isinstance(expr, InList):
        children = [expr.operand, *expr.items]
    elif isinstance(expr, Like):
        children = [expr.operand, expr.pattern]
    elif isinstance(expr, IsNull):
        children = [expr.operand]
    elif isinstance(expr, Between):
        children = [expr.operand, expr.low, expr.high]
    elif isinstance(expr, Case):
        children = [e for pair in expr.whens for e in pair]
        children += [e for e in (expr.operand, expr.default) if e is not None]
    for child in children:
        found += walk(child)
    return found


def has_aggregate(expr: Expr) -> bool:
    return any(isinstance(e, Call) and e.name in AGGREGATES for e in walk(expr))
