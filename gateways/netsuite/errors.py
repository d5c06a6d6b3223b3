"""NetSuite's error replies as one typed exception (reference/netsuite.md §1.4)."""

from __future__ import annotations

from typing import Any

import msgspec

# Transient by nature: the request was refused before doing anything (429) or the server failed.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class NetSuiteError(Exception):
    """A failed NetSuite call: HTTP status, `o:errorCode`, the detail text and where it points."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        path: str | None = None,
        *,
        url_path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path  # o:errorPath, or o:errorQueryParam for a bad `q`/`limit`/`offset`
        self.url_path = url_path  # which request failed (no query string: no secrets, no SuiteQL)
        self.retry_after = retry_after  # seconds, from a Retry-After header
        where = f" at {path}" if path else ""
        super().__init__(f"NetSuite {status} {code}{where}: {detail}")

    @property
    def is_throttled(self) -> bool:
        return self.status == 429

    @property
    def is_invalid_login(self) -> bool:
        return self.status == 401


class NetSuiteTimeout(NetSuiteError):
    """No reply in time: the request may or may not have been performed."""

    def __init__(self, url_path: str, seconds: float) -> None:
        super().__init__(0, "TIMEOUT", f"no reply within {seconds:g} s", url_path=url_path)


class NetSuiteConnectionError(NetSuiteError):
    """No HTTP reply at all; `sent` says whether the request may have reached NetSuite."""

    def __init__(self, url_path: str, detail: str, *, sent: bool) -> None:
        super().__init__(0, "CONNECTION_ERROR" if sent else "CONNECT_FAILED", detail, url_path=url_path)
        self.sent = sent


def error_from_reply(
    status: int, body: bytes, url_path: str, retry_after: float | None = None
) -> NetSuiteError:
    """Parse `{"title", "status", "o:errorDetails": [{"detail", "o:errorCode", "o:errorPath"}]}`.

    Clients conventionally surface the first detail (§1.4); `type` is not keyed on because newer
    replies changed its URL. A body that is not NetSuite's JSON still yields a typed error.
    """
    try:
        reply: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        reply = None
    if not isinstance(reply, dict):
        text = body.decode("utf-8", "replace").strip()[:500]
        return NetSuiteError(
            status, f"HTTP_{status}", text or "(empty reply)", url_path=url_path, retry_after=retry_after
        )
    details = reply.get("o:errorDetails")
    first = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
    code = str(first.get("o:errorCode") or f"HTTP_{status}")
    detail = str(first.get("detail") or reply.get("title") or "")
    path = first.get("o:errorPath") or first.get("o:errorQueryParam") or first.get("o:urlPath")
    return NetSuiteError(
        status, code, detail, str(path) if path else None, url_path=url_path, retry_after=retry_after
    )
