"""Typed errors of the Shopify Admin GraphQL edge (reference/shopify.md §1, §2.4)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec


class UserError(msgspec.Struct, frozen=True):
    """One entry of a mutation payload's `userErrors` (`code` is absent on some mutations)."""

    message: str
    field: list[str] | None = None
    code: str | None = None


class MissingToken(ValueError):
    """A shop's access token env var (named by the contract) is not set: a start-up error."""


class ShopifyError(Exception):
    """A call Shopify refused or could not answer: `code` (GraphQL extensions.code or HTTP status),
    `message`, and `path` (GraphQL path or input field) when Shopify names one."""

    def __init__(self, code: str, message: str, path: Sequence[str | int] | None = None) -> None:
        self.code = code
        self.message = message
        self.path = tuple(path) if path else ()
        where = f" at {'.'.join(str(p) for p in self.path)}" if self.path else ""
        super().__init__(f"{code}: {message}{where}")


class ShopifyAuthError(ShopifyError):
    """401: the access token is missing, wrong or revoked; retrying cannot help."""


class ShopifyUnavailable(ShopifyError):
    """5xx, 429, timeouts or connection failures that outlasted the retries: try again later."""


class ShopifyThrottled(ShopifyError):
    """THROTTLED answers that outlasted the retries (the throttle model should make this rare)."""


class ShopifyUserErrors(ShopifyError):
    """A mutation answered with userErrors; `errors` holds every one of them."""

    def __init__(self, operation: str, errors: Sequence[UserError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0] if self.errors else UserError("no detail")
        super().__init__(first.code or "USER_ERROR", f"{operation}: {first.message}", first.field)
