"""The `/_sandbox/` control API over HTTP: seeding, ground truth, transfers, faults, governance, clock."""

from __future__ import annotations

from typing import Any

import aiohttp

from sandbox.netsuite.sandbox import NetSuiteSandbox

from .tba_client import TbaClient


async def _call(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with session.request(method, url, json=body) as reply:
        text = await reply.text()
        return reply.status, (await reply.json(content_type=None)) if text else None


async def test_seeding_and_ground_truth_over_http(sandbox: NetSuiteSandbox) -> None:
    control = f"{sandbox.base_url}/_sandbox"
    async with aiohttp.ClientSession() as session:
        status, ids = await _call(session, "POST", f"{control}/seed/demo")
        assert status == 201 and ids["items"]["KIT-STARTER"]
        status, created = await _call(
            session,
            "POST",
            f"{control}/records/salesOrder",
            {
                "entity": {"id": str(ids["customer"])},
                "externalId": "SHOP-77",
                "otherRefNum": "#77",
                "location": {"externalId": "WH-WEST"},
                "item": {"items": [{"item": {"id": str(ids["items"]["CAP-01"])}, "quantity": 2, "rate": 18}]},
            },
        )
        assert status == 201 and created["type"] == "salesOrder"
        status, clash = await _call(
            session,
            "POST",
            f"{control}/records/salesOrder",
            {
                "entity": {"id": str(ids["customer"])},
                "externalId": "SHOP-77",
                "item": {"items": [{"item": {"id": str(ids["items"]["CAP-01"])}}]},
            },
        )
        assert status == 400 and clash["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"
        _, counts = await _call(session, "GET", f"{control}/external-ids/salesOrder")
        assert counts == {"counts": {"SHOP-77": 1}, "duplicates": {}}
        _, totals = await _call(session, "GET", f"{control}/orders/totals")
        assert [(t["externalId"], t["total"]) for t in totals] == [("SHOP-77", "36.00")]
        _, records = await _call(session, "GET", f"{control}/records/salesOrder?externalId=SHOP-77")
        assert records[0]["location"]["refName"] == "West Warehouse"
        _, state = await _call(session, "GET", f"{control}/state")
        assert state["records"]["salesOrder"] == 1 and state["invariants"] == []


async def test_transfers_and_fulfillment_schedule_over_http(
    sandbox: NetSuiteSandbox, demo: dict[str, Any]
) -> None:
    control = f"{sandbox.base_url}/_sandbox"
    async with aiohttp.ClientSession() as session:
        status, transfer = await _call(
            session,
            "POST",
            f"{control}/transfers",
            {"item": "WATCH-01", "source": "East Warehouse", "destination": "STORE-SOHO", "quantity": 2},
        )
        assert status == 201
        status, _ = await _call(session, "POST", f"{control}/transfers/{transfer['id']}/ship", {})
        assert status == 201
        watch, soho = demo["items"]["WATCH-01"], demo["locations"]["SoHo Store"]
        assert sandbox.stock(watch, soho).in_transit == 2
        status, _ = await _call(session, "POST", f"{control}/transfers/{transfer['id']}/receive")
        assert status == 201
        assert sandbox.stock(watch, soho).on_hand == 2
        assert sorted(sandbox.account.warehouse.numbers.counts(watch, soho)) == ["SN-0001", "SN-0002"]
        status, schedule = await _call(
            session, "PUT", f"{control}/fulfillment/schedule", {"interval_seconds": 60, "carrier": "FedEx"}
        )
        assert status == 200 and schedule["carrier"] == "FedEx"
        order = sandbox.create(
            "salesOrder",
            {
                "entity": {"id": str(demo["customer"])},
                "location": {"id": str(soho)},
                "item": {"items": [{"item": {"id": str(watch)}, "quantity": 1}]},
            },
        )
        _, run = await _call(session, "POST", f"{control}/fulfillment/run")
        assert len(run["fulfillments"]) == 1
        assert sandbox.get("salesOrder", order)["orderStatus"]["id"] == "F"
        assert (await _call(session, "DELETE", f"{control}/fulfillment/schedule"))[0] == 204
        status, problem = await _call(session, "POST", f"{control}/stock/receive", {"item": "MUG-01"})
        assert status == 400 and "location" in problem["error"]


async def test_faults_governance_audit_and_clock_over_http(
    sandbox: NetSuiteSandbox, client: TbaClient
) -> None:
    control = f"{sandbox.base_url}/_sandbox"
    async with aiohttp.ClientSession() as session:
        status, _ = await _call(
            session, "POST", f"{control}/faults", {"kind": "error", "status": 500, "count": 1}
        )
        assert status == 201
        assert (await client.request("GET", "/record/v1/customer")).status == 500
        assert (await client.request("GET", "/record/v1/customer")).status == 200
        await _call(session, "POST", f"{control}/faults", {"kind": "throttle"})
        assert (await client.request("GET", "/record/v1/customer")).status == 429
        assert (await _call(session, "DELETE", f"{control}/faults"))[0] == 204
        assert (await client.request("GET", "/record/v1/customer")).status == 200
        _, governance = await _call(session, "PUT", f"{control}/governance", {"concurrency_limit": 9})
        assert governance["limit"] == 9 and sandbox.governor.limit == 9
        await client.request("GET", "/record/v1/customer", consumer_secret="wrong")
        _, audit = await _call(session, "GET", f"{control}/login-audit")
        assert audit[-1] == {**audit[-1], "status": "Failure", "detail": "InvalidSignature"}
        before = sandbox.account.clock.now()
        _, moved = await _call(session, "POST", f"{control}/clock/advance", {"seconds": 3600})
        assert (sandbox.account.clock.now() - before).total_seconds() >= 3600
        assert moved["now"]
        # Signed requests still work: TBA timestamps are checked against real time, not the shifted clock.
        assert (await client.request("GET", "/record/v1/customer")).status == 200
