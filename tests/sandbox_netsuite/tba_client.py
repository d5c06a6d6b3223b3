"""A minimal TBA-signing HTTP client for the tests (oauthlib signs; aiohttp sends the exact URL)."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client
from yarl import URL

from sandbox.netsuite.config import Credentials


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def error_code(self) -> str:
        return str(self.body["o:errorDetails"][0]["o:errorCode"])

    @property
    def location_id(self) -> int:
        return int(self.headers["Location"].rsplit("/", 1)[1])


class TbaClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, credentials: Credentials) -> None:
        self.session = session
        self.base_url = base_url
        self.credentials = credentials

    def sign(
        self,
        method: str,
        url: str,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        consumer_secret: str | None = None,
        realm: str | None = None,
    ) -> str:
        c = self.credentials
        client = Client(
            c.consumer_key,
            client_secret=consumer_secret or c.consumer_secret,
            resource_owner_key=c.token_id,
            resource_owner_secret=c.token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=realm or c.account,
            timestamp=str(timestamp or int(time.time())),
            nonce=nonce or secrets.token_hex(10),
        )
        _, headers, _ = client.sign(url, method)
        return str(headers["Authorization"])

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        unsigned_params: dict[str, Any] | None = None,
        **sign_options: Any,
    ) -> Reply:
        url = f"{self.base_url}/services/rest{path}"
        signed_url = f"{url}?{urlencode(params, quote_via=quote)}" if params else url
        authorization = self.sign(method, signed_url, **sign_options)
        sent_url = signed_url
        if unsigned_params:
            joiner = "&" if "?" in sent_url else "?"
            sent_url += joiner + urlencode(unsigned_params, quote_via=quote)
        all_headers = {"Authorization": authorization, **(headers or {})}
        data = None
        if json_body is not None:
            data = json.dumps(json_body, default=str)
            all_headers["Content-Type"] = "application/json"
        async with self.session.request(
            method, URL(sent_url, encoded=True), data=data, headers=all_headers
        ) as response:
            text = await response.text()
            body = json.loads(text, parse_float=Decimal) if text else None
            return Reply(response.status, dict(response.headers), body)

    async def suiteql(self, query: str, limit: int = 1000, offset: int = 0, **options: Any) -> Reply:
        return await self.request(
            "POST",
            "/query/v1/suiteql",
            params={"limit": limit, "offset": offset},
            json_body={"q": query},
            headers={"Prefer": "transient"},
            **options,
        )
