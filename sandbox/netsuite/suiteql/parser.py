"""Recursive-descent parser for the SuiteQL SELECT subset."""

from __future__ import annotations

from .lexer import Token, number_value, syntax_error, tokenize
from .syntax import (
    Between,
    Binary,
    Call,
    Case,
    Column,
    Expr,
    InList,
    IsNull,
    Join,
    Like,
    Literal,
    OrderItem,
    Select,
    SelectItem,
    Star,
    TableRef,
    Unary,
)

_COMPARISONS = {"=", "<>", "!=", "<", "<=", ">", ">="}
# Oracle niladic functions written without parentheses.
_NILADIC = {"SYSDATE", "CURRENT_DATE", "CURRENT_TIMESTAMP", "SYSTIMESTAMP"}


def parse(text: str) -> Select:
    """Parse one SELECT statement; anything else is NetSuite's INVALID_PARAMETER."""
    parser = _Parser(tokenize(text))
    statement = parser.select()
    parser.expect_end()
    return statement


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    # -- token helpers --------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def at(self, *values: str) -> bool:
        return self.current.kind in {"keyword", "op"} and self.current.value in values

    def accept(self, *values: str) -> bool:
        if self.at(*values):
            self.advance()
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            raise syntax_error(f"Expected {value} but found '{self.current.value or 'end of query'}'.")

    def expect_end(self) -> None:
        if self.current.kind != "end":
            raise syntax_error(f"Unexpected '{self.current.value}' at position {self.current.position}.")

    def identifier(self) -> str:
        token = self.advance()
        if token.kind != "ident":
            raise syntax_error(f"Expected an identifier but found '{token.value or 'end of query'}'.")
        return token.value

    def integer(self) -> int:
        token = self.advance()
        if token.kind != "number" or not token.value.isdigit():
            raise syntax_error(f"Expected a whole number but found '{token.value}'.")
        return int(token.value)

    # -- statement -------------------------------------------------------------------------------

    def select(self) -> Select:
        self.expect("SELECT")
        distinct = self.accept("DISTINCT")
        items = [self.select_item()]
        while self.accept(","):
            items.append(self.select_item())
        self.expect("FROM")
        statement = Select(items=items, source=self.table_ref(), distinct=distinct)
        while True:
            if self.accept(","):
                statement.joins.append(Join("CROSS", self.table_ref(), None))
            elif self.at("JOIN", "INNER", "LEFT", "CROSS", "RIGHT"):
                statement.joins.append(self.join())
            else:
                break
        if self.accept("WHERE"):
            statement.where = self.expression()
        if self.accept("GROUP"):
            self.expect("BY")
            statement.group_by = self.expression_list()
        if self.accept("HAVING"):
            statement.having = self.expression()
        if self.accept("ORDER"):
            self.expect("BY")
            statement.order_by = [self.order_item()]
            while self.accept(","):
                statement.order_by.append(self.order_item())
        self.paging(statement)
        return statement

    def paging(self, statement: Select) -> None:
        if self.accept("OFFSET"):
            statement.offset = self.integer()
            if not self.accept("ROWS"):
                self.expect("ROW")
        if self.accept("FETCH"):
            if not self.accept("FIRST"):
                self.expect("NEXT")
            statement.fetch_first = self.integer()
            if not self.accept("ROWS"):
                self.expect("ROW")
            self.expect("ONLY")
        if self.current.kind == "ident" and self.current.value.upper() == "LIMIT":
            raise syntax_error("LIMIT is not supported; use FETCH FIRST n ROWS ONLY.")

    def select_item(self) -> SelectItem:
        if self.accept("*"):
            return SelectItem(Star(None), None)
        expr = self.expression()
        if self.accept("AS"):
            return SelectItem(expr, self.identifier())
        if self._alias_follows():
            return SelectItem(expr, self.identifier())
        return SelectItem(expr, None)

    def _alias_follows(self) -> bool:
        # LIMIT is no SuiteQL keyword, but reading it as an alias would hide the real mistake.
        return self.current.kind == "ident" and self.current.value.upper() != "LIMIT"

    def table_ref(self) -> TableRef:
        name = self.identifier()
        self.accept("AS")
        alias = self.identifier() if self._alias_follows() else name
        return TableRef(name.lower(), alias.lower())

    def join(self) -> Join:
        kind = "INNER"
        if self.accept("LEFT"):
            kind = "LEFT"
            self.accept("OUTER")
        elif self.accept("RIGHT"):
            raise syntax_error(
                "RIGHT JOIN is not supported by the emulator; swap the tables and use LEFT JOIN."
            )
        elif self.accept("CROSS"):
            kind = "CROSS"
        else:
            self.accept("INNER")
        self.expect("JOIN")
        table = self.table_ref()
        if kind == "CROSS":
            return Join(kind, table, None)
        self.expect("ON")
        return Join(kind, table, self.expression())

    def order_item(self) -> OrderItem:
        expr = self.expression()
        descending = self.accept("DESC")
        if not descending:
            self.accept("ASC")
        nulls_first = None
        if self.accept("NULLS"):
            nulls_first = self.accept("FIRST")
            if not nulls_first:
                self.expect("LAST")
        return OrderItem(expr, descending, nulls_first)

    def expression_list(self) -> list[Expr]:
        items = [self.expression()]
        while self.accept(","):
            items.append(self.expression())
        return items

    # -- expressions, lowest precedence first ----------------------------------------------------

    def expression(self) -> Expr:
        left = self.conjunction()
        while self.accept("OR"):
            left = Binary("OR", left, self.conjunction())
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.accept("AND"):
            left = Binary("AND", left, self.negation())
        return left

    def negation(self) -> Expr:
        if self.accept("NOT"):
            return Unary("NOT", self.negation())
        return self.predicate()

    def predicate(self) -> Expr:
        left = self.additive()
        if self.current.kind == "op" and self.current.value in _COMPARISONS:
            op = self.advance().value
            return Binary("<>" if op == "!=" else op, left, self.additive())
        if self.accept("IS"):
            negated = self.accept("NOT")
            self.expect("NULL")
            return IsNull(left, negated)
        negated = self.accept("NOT")
        if self.accept("IN"):
            self.expect("(")
            items = self.expression_list()
            self.expect(")")
            return InList(left, items, negated)
        if self.accept("LIKE"):
            return Like(left, self.additive(), negated)
        if self.accept("BETWEEN"):
            low = self.additive()
            self.expect("AND")
            return Between(left, low, self.additive(), negated)
        if negated:
            raise syntax_error(f"Unexpected '{self.current.value}' after NOT.")
        return left

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.at("+", "-", "||"):
            left = Binary(self.advance().value, left, self.multiplicative())
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.at("*", "/"):
            left = Binary(self.advance().value, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.accept("-"):
            return Unary("-", self.unary())
        self.accept("+")
        return self.primary()

    def primary(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(number_value(token.value))
        if token.kind == "string":
            self.advance()
            return Literal(token.value)
        if self.accept("NULL"):
            return Literal(None)
        if self.accept("("):
            inner = self.expression()
            self.expect(")")
            return inner
        if self.accept("CASE"):
            return self.case()
        if token.kind == "ident":
            return self.name_or_call()
        raise syntax_error(f"Unexpected '{token.value or 'end of query'}' at position {token.position}.")

    def name_or_call(self) -> Expr:
        parts = [self.identifier()]
        while self.accept("."):
            if self.accept("*"):
                return Star(parts[0].lower())
            parts.append(self.identifier())
        if self.accept("("):
            return self.call(".".join(parts).upper())
        if len(parts) == 1 and parts[0].upper() in _NILADIC:
            return Call(parts[0].upper(), [])
        if len(parts) > 2:
            raise syntax_error(f"Unknown identifier '{'.'.join(parts)}'.")
        table = parts[0].lower() if len(parts) == 2 else None
        return Column(table, parts[-1].lower())

    def call(self, name: str) -> Call:
        if self.accept("*"):
            self.expect(")")
            return Call(name, [], star=True)
        distinct = self.accept("DISTINCT")
        args: list[Expr] = [] if self.at(")") else self.expression_list()
        self.expect(")")
        return Call(name, args, distinct=distinct)

    def case(self) -> Case:
        operand = None if self.at("WHEN") else self.expression()
        whens: list[tuple[Expr, Expr]] = []
        while self.accept("WHEN"):
            condition = self.expression()
            self.expect("THEN")
            whens.append((condition, self.expression()))
        default = self.expression() if self.accept("ELSE") else None
        self.expect("END")
        return Case(operand, whens, default)
