"""Independent, well-known clients from PyPI run unchanged against the emulator with real TBA.

* `netsuite` (0.12, async, httpx + authlib): only its host is pointed at the emulator.
* `requests-oauthlib` (OAuth1, HMAC-SHA256, realm) with `requests`, in a worker thread.
"""

from __future__ import annotations

import warnings
from typing import Any

import anyio
import pytest
import requests
from requests_oauthlib import OAuth1

from sandbox.netsuite.sandbox import NetSuiteSandbox

# The netsuite package and its dependencies emit deprecation warnings (authlib's httpx module, httpx's
# `data=` for raw bodies, oauthlib's old sign function): not ours to fix, and pytest makes warnings errors.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:httpx.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:oauthlib.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
]


def _netsuite_client(sandbox: NetSuiteSandbox) -> Any:
    with warnings.catch_warnings():
        import authlib.deprecate  # noqa: F401 - it installs an "always" filter; ours must come after it

        warnings.simplefilter("ignore")  # AuthlibDeprecationWarning at import time
        from netsuite import Config, TokenAuth
        from netsuite.rest_api import NetSuiteRestApi

    rest_url = sandbox.rest_url

    class LocalNetSuiteRestApi(NetSuiteRestApi):  # type: ignore[misc]
        """The library, with the account host swapped for the emulator's loopback URL."""

        def _make_url(self, subpath: str) -> str:
            return f"{rest_url}{subpath}"

    c = sandbox.credentials
    return LocalNetSuiteRestApi(
        Config(
            account=c.account,
            auth=TokenAuth(
                consumer_key=c.consumer_key,
                consumer_secret=c.consumer_secret,
                token_id=c.token_id,
                token_secret=c.token_secret,
            ),
        )
    )


async def test_the_netsuite_package_does_crud_and_suiteql(
    sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    api = _netsuite_client(sandbox)
    assert (
        await api.post("/record/v1/customer", json={"companyName": "Lib Co", "externalId": "LIB-1"}) is None
    )
    customer = await api.get("/record/v1/customer/eid:LIB-1")
    assert customer["companyName"] == "Lib Co"
    await api.patch(f"/record/v1/customer/{customer['id']}", json={"email": "lib@co.test"})
    await api.put(
        "/record/v1/salesOrder/eid:LIB-SO-1",
        json={
            "entity": {"id": customer["id"]},
            "location": {"id": str(demo["locations"]["East Warehouse"])},
            "item": {"items": [{"item": {"id": str(demo["items"]["MUG-01"])}, "quantity": 2}]},
        },
    )
    page = await api.suiteql(
        "SELECT t.externalid, c.email, BUILTIN.DF(t.entity) AS customer FROM transaction t "
        "JOIN customer c ON c.id = t.entity WHERE t.type = 'SalesOrd'",
        limit=10,
        offset=0,
    )
    assert page["items"] == [
        {"links": [], "externalid": "LIB-SO-1", "email": "lib@co.test", "customer": "Lib Co"}
    ]
    await api.delete("/record/v1/salesOrder/eid:LIB-SO-1")
    assert sandbox.external_id_counts("salesOrder") == {}
    assert all(attempt.succeeded for attempt in sandbox.state.verifier.audit_trail)


async def test_requests_oauthlib_does_crud_transform_and_paged_suiteql(
    sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    c = sandbox.credentials
    auth = OAuth1(
        c.consumer_key,
        c.consumer_secret,
        c.token_id,
        c.token_secret,
        signature_method="HMAC-SHA256",
        realm=c.account,
    )
    rest = sandbox.rest_url
    east, cap = demo["locations"]["East Warehouse"], demo["items"]["CAP-01"]

    def run() -> dict[str, Any]:
        with requests.Session() as session:
            session.auth = auth
            created = session.post(
                f"{rest}/record/v1/salesOrder",
                json={
                    "entity": {"id": str(demo["customer"])},
                    "externalId": "REQ-1",
                    "location": {"id": str(east)},
                    "item": {"items": [{"item": {"id": str(cap)}, "quantity": 3}]},
                },
                timeout=10,
            )
            order_url = created.headers["Location"]
            shipped = session.post(f"{order_url}/!transform/itemFulfillment", json={}, timeout=10)
            order = session.get(order_url, params={"expandSubResources": "true"}, timeout=10).json()
            pages = [
                session.post(
                    f"{rest}/query/v1/suiteql",
                    params={"limit": 2, "offset": offset},
                    headers={"Prefer": "transient"},
                    timeout=10,
                    json={"q": "SELECT id FROM item ORDER BY id"},
                ).json()
                for offset in (0, 2)
            ]
            return {
                "created": created.status_code,
                "shipped": shipped.status_code,
                "order": order,
                "pages": pages,
            }

    result = await anyio.to_thread.run_sync(run)
    assert (result["created"], result["shipped"]) == (204, 204)
    assert result["order"]["orderStatus"]["refName"] == "Pending Billing"
    assert result["order"]["item"]["items"][0]["quantityFulfilled"] == 3
    assert [row["id"] for page in result["pages"] for row in page["items"]] == ["1", "2", "3", "4"]
    assert result["pages"][0]["hasMore"] is True
    assert sandbox.stock(cap, east).on_hand == 37
