"""The `@idempotent(key:)` directive: required on inventory writes and refundCreate in 2026-04
[reference §2.3].

A key replays the first outcome when the same mutation comes again with the same arguments, and is
refused when reused with different ones, so a client retrying a timed-out call never applies it twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, get_directive_values

from .user_errors import UserError

MISSING_DIRECTIVE = "The @idempotent directive is required for this mutation but was not provided."


def idempotency_key(info: GraphQLResolveInfo) -> str:
    """The key of the field's @idempotent directive; a missing directive is a top-level BAD_REQUEST."""
    directive = info.schema.get_directive("idempotent")
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values) if directive else None
    if not values or not values.get("key"):
        raise GraphQLError(MISSING_DIRECTIVE, extensions={"code": "BAD_REQUEST"})
    return str(values["key"])


class IdempotencyStore:
    """One shop's keys and the payload each first produced."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, str, Any]] = {}

    def run(
        self,
        key: str,
        mutation: str,
        arguments: dict[str, Any],
        empty_payload: dict[str, Any],
        perform: Callable[[], Any],
    ) -> Any:
        fingerprint = json.dumps(arguments, sort_keys=True, default=str)
        if key in self._seen:
            seen_mutation, seen_fingerprint, payload = self._seen[key]
            if (seen_mutation, seen_fingerprint) == (mutation, fingerprint):
                return payload
            error = UserError(
                None,
                "The same idempotency key was used with different parameters.",
                "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            )
            return {**empty_payload, "userErrors": [error]}
        payload = perform()
        self._seen[key] = (mutation, fingerprint, payload)
        return payload
