"""NetSuite's REST error body (reference/netsuite.md §1.4) as a typed exception."""

from __future__ import annotations

from typing import Any

# NetSuite still sends RFC 2616 section links in `type`; clients must not key on it (§1.4).
_TYPES = {
    400: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1", "Bad Request"),
    401: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2", "Unauthorized"),
    403: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4", "Forbidden"),
    404: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5", "Record Not Found"),
    405: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6", "Method Not Allowed"),
    429: ("https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"),
    500: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1", "Internal Server Error"),
    503: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4", "Service Unavailable"),
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI "
    "at Setup > Users/Roles > User Management > View Login Audit Trail."
)


class NetSuiteApiError(Exception):
    """An error the emulator answers with NetSuite's `o:errorDetails` body."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        path: str | None = None,
        query_param: str | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path
        self.query_param = query_param
        self.title = title

    def body(self) -> dict[str, Any]:
        """The JSON body NetSuite sends for this error."""
        type_url, default_title = _TYPES.get(self.status, _TYPES[400])
        detail: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path is not None:
            detail["o:errorPath"] = self.path
        if self.query_param is not None:
            detail["o:errorQueryParam"] = self.query_param
        return {
            "type": type_url,
            "title": self.title or default_title,
            "status": self.status,
            "o:errorDetails": [detail],
        }


def invalid_login() -> NetSuiteApiError:
    """The one 401 every TBA failure turns into; the reason only reaches the audit trail."""
    return NetSuiteApiError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def invalid_field_value(value: object, field: str, path: str) -> NetSuiteApiError:
    return NetSuiteApiError(
        400,
        "INVALID_CONTENT",
        f"Error while accessing resource: You have entered an Invalid Field Value {value} "
        f"for the following field: {field}",
        path=path,
    )


def user_error(detail: str, path: str | None = None) -> NetSuiteApiError:
    return NetSuiteApiError(400, "USER_ERROR", f"Error while accessing resource: {detail}", path=path)


def missing_field(field: str, path: str | None = None) -> NetSuiteApiError:
    return NetSuiteApiError(
        400,
        "USER_ERROR",
        f"Error while accessing resource: Please enter value(s) for: {field}",
        path=path or field,
    )


def record_not_found() -> NetSuiteApiError:
    return NetSuiteApiError(
        404, "NONEXISTENT_ID", "The record instance does not exist. Provide a valid record instance ID."
    )


def invalid_parameter(detail: str, query_param: str | None = None) -> NetSuiteApiError:
    return NetSuiteApiError(400, "INVALID_PARAMETER", detail, query_param=query_param)
