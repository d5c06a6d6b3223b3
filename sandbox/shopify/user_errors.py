"""`userErrors` rows: what a mutation returns instead of raising when the input is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserError:
    field: list[str] | None
    message: str
    code: str | None = None

    def graphql(self) -> dict[str, object]:
        return {"field": self.field, "message": self.message, "code": self.code}


class DomainRefusal(Exception):
    """A storefront/POS action the shop refuses (out of stock, unknown SKU...), with a code for the caller."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
