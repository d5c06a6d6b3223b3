"""NetSuite token-based authentication: OAuth 1.0a HMAC-SHA256 signing (reference/netsuite.md §3.1).

The signature covers every `oauth_*` parameter and every URL query parameter (`limit`, `offset`, `q`):
leaving the query out is the classic SuiteQL-paging 401 (§7.2). The realm is the account id in its own
case (`1234567_SB1`) and is not part of the base string. A JSON body is never signed.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Mapping

import msgspec
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER
from oauthlib.oauth1 import Client as OAuth1Client

from contract.config import NetSuiteAccount

_NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 20  # NetSuite rejects nonces under 6 characters and advises 20 (§3.1)


class MissingCredentials(ValueError):
    """An environment variable the contract names for a NetSuite secret is unset or empty."""


class TokenCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """The four TBA secrets plus the account id (the OAuth realm)."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    def __repr__(self) -> str:  # secrets never reach logs or spans through a repr
        return f"TokenCredentials(account_id={self.account_id!r}, <secrets hidden>)"

    __str__ = __repr__

    @classmethod
    def from_env(cls, account: NetSuiteAccount, env: Mapping[str, str]) -> TokenCredentials:
        """Read the secrets from the variables the contract names; a missing one is named in the error."""
        names = {
            "consumer_key": account.consumer_key_env,
            "consumer_secret": account.consumer_secret_env,
            "token_id": account.token_id_env,
            "token_secret": account.token_secret_env,
        }
        missing = [f"netsuite.{field}_env → ${var}" for field, var in names.items() if not env.get(var)]
        if missing:
            raise MissingCredentials("NetSuite secrets not set in the environment: " + ", ".join(missing))
        return cls(account_id=account.account_id, **{field: env[var] for field, var in names.items()})


def new_nonce() -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


class TokenSigner:
    """Builds the `Authorization: OAuth realm=…` header for one request (fresh nonce and timestamp)."""

    def __init__(
        self,
        credentials: TokenCredentials,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        # `clock` is the time NetSuite will compare with its own (±300 s); injectable for tests whose
        # emulated account clock has been moved forward.
        self._credentials = credentials
        self._clock = clock
        self._nonce = nonce

    def authorization(self, method: str, url: str) -> str:
        """The header value for `method url` (the URL with its query string, exactly as sent)."""
        credentials = self._credentials
        client = OAuth1Client(
            credentials.consumer_key,
            client_secret=credentials.consumer_secret,
            resource_owner_key=credentials.token_id,
            resource_owner_secret=credentials.token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            realm=credentials.account_id,
            timestamp=str(int(self._clock())),
            nonce=self._nonce(),
        )
        # No body and no content type: oauthlib then signs only the oauth and URL query parameters.
        _, headers, _ = client.sign(url, http_method=method.upper())
        return str(headers["Authorization"])
