"""Token-based authentication checked for real: OAuth 1.0a HMAC-SHA256 (reference §3.1).

Every failure reaches the client as the same 401 INVALID_LOGIN; the reason goes only to the login
audit trail, as in NetSuite (Setup > Users/Roles > View Login Audit Trail).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from oauthlib.oauth1.rfc5849 import signature, utils

from .clock import SandboxClock
from .config import Credentials
from .errors import invalid_login

_REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
)


@dataclass(frozen=True)
class LoginAttempt:
    at: datetime
    succeeded: bool
    detail: str  # NetSuite's audit-trail wording: InvalidSignature, NonceUsed, InvalidTimestamp, ...


class LoginRefused(Exception):
    """Internal: why a request failed TBA (never shown to the client)."""


@dataclass
class TokenVerifier:
    credentials: Credentials
    clock: SandboxClock
    tolerance_seconds: int = 300
    # Clients sign with the real time; the sandbox clock may be shifted to age records, so the
    # ±300 s window is checked against the wall clock.
    wall_time: Callable[[], float] = time.time
    audit_trail: deque[LoginAttempt] = field(default_factory=lambda: deque(maxlen=1000))
    # (nonce, timestamp) -> wall time it was used; the deque holds the same keys in the order they
    # were used, so forgetting the old ones looks only at what it drops (amortised O(1) a request).
    _used_nonces: dict[tuple[str, str], float] = field(default_factory=dict)
    _nonces_by_age: deque[tuple[float, tuple[str, str]]] = field(default_factory=deque)

    def verify(self, method: str, uri: str, authorization: str | None, body: bytes) -> None:
        """Accept the request or raise NetSuite's generic 401 INVALID_LOGIN."""
        try:
            nonce_key = self._check(method, uri, authorization or "", body)
        except LoginRefused as refusal:
            self.audit_trail.append(LoginAttempt(self.clock.now(), False, str(refusal)))
            raise invalid_login() from None
        self._remember_nonce(nonce_key, self.wall_time())
        self.audit_trail.append(LoginAttempt(self.clock.now(), True, "Success"))

    def _check(self, method: str, uri: str, authorization: str, body: bytes) -> tuple[str, str]:
        if not authorization.lower().startswith("oauth "):
            raise LoginRefused("MissingTokenPassportRequiredFields")
        try:
            header = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(authorization)}
        except (ValueError, TypeError):
            raise LoginRefused("MissingTokenPassportRequiredFields") from None
        if any(not header.get(name) for name in _REQUIRED):
            raise LoginRefused("MissingTokenPassportRequiredFields")
        # The realm is the account id with its original case: 1234567_SB1, not 1234567-sb1 (§7.3).
        if header.get("realm") != self.credentials.account or not self._host_matches(uri):
            raise LoginRefused("InvalidAccount")
        if header["oauth_signature_method"] != "HMAC-SHA256":
            raise LoginRefused("InvalidSignatureMethod")
        if header.get("oauth_version", "1.0") != "1.0":
            raise LoginRefused("InvalidVersion")
        if header["oauth_consumer_key"] != self.credentials.consumer_key:
            raise LoginRefused("consumer_key_unknown")
        if header["oauth_token"] != self.credentials.token_id:
            raise LoginRefused("InvalidToken")
        self._check_timestamp(header["oauth_timestamp"])
        if len(header["oauth_nonce"]) < 6:
            raise LoginRefused("nonce_rejected")
        nonce_key = (header["oauth_nonce"], header["oauth_timestamp"])
        if nonce_key in self._used_nonces:
            raise LoginRefused("NonceUsed")
        self._check_signature(method, uri, authorization, header["oauth_signature"])
        if "oauth_body_hash" in header:
            digest = base64.b64encode(hashlib.sha1(body).digest()).decode()
            if not signature.safe_string_equals(digest, header["oauth_body_hash"]):
                raise LoginRefused("InvalidSignature")
        return nonce_key

    def _host_matches(self, uri: str) -> bool:
        """On a NetSuite-style host the account slug must be the realm's: 1234567_SB1 → 1234567-sb1."""
        host = (urlsplit(uri).hostname or "").lower()
        suffix = ".suitetalk.api.netsuite.com"
        if not host.endswith(suffix):
            return True  # loopback or another name: nothing to compare
        return host[: -len(suffix)] == self.credentials.account.lower().replace("_", "-")

    def _check_timestamp(self, timestamp: str) -> None:
        if not timestamp.isdigit():
            raise LoginRefused("InvalidTimestamp")
        now = self.wall_time()
        if abs(now - int(timestamp)) > self.tolerance_seconds:
            raise LoginRefused("InvalidTimestamp")
        self._forget_nonces_used_before(now - 2 * self.tolerance_seconds)

    def _remember_nonce(self, key: tuple[str, str], seen: float) -> None:
        self._used_nonces[key] = seen
        self._nonces_by_age.append((seen, key))

    def _forget_nonces_used_before(self, horizon: float) -> None:
        """Drop nonces too old to pair with any timestamp the window still accepts."""
        # If the wall clock steps back, a newer entry can sit ahead of older ones: they are then
        # forgotten a little late, never early, so a reused nonce is still refused.
        by_age = self._nonces_by_age
        while by_age and by_age[0][0] < horizon:
            _, key = by_age.popleft()
            del self._used_nonces[key]

    def _check_signature(self, method: str, uri: str, authorization: str, sent: str) -> None:
        """Recompute the signature: every oauth_* parameter plus every URL query parameter (§3.1)."""
        try:
            params = signature.collect_parameters(
                uri_query=urlsplit(uri).query,
                headers={"Authorization": authorization},
                exclude_oauth_signature=True,
                with_realm=False,
            )
        except ValueError:
            raise LoginRefused("InvalidSignature") from None
        base_string = signature.signature_base_string(
            method.upper(), signature.base_string_uri(uri), signature.normalize_parameters(params)
        )
        key = (
            f"{utils.escape(self.credentials.consumer_secret)}&{utils.escape(self.credentials.token_secret)}"
        )
        digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        if not signature.safe_string_equals(expected, sent):
            raise LoginRefused("InvalidSignature")
