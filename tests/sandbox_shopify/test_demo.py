"""`python -m sandbox.shopify` serves the seeded demo shops standalone."""

from __future__ import annotations

import signal
import sys

import aiohttp
import anyio
import anyio.abc

from sandbox.shopify import ShopifySandbox
from sandbox.shopify.demo import demo_shops


def test_demo_catalog_seeds_two_shops_with_pos_stores() -> None:
    sandbox = ShopifySandbox()
    for spec in demo_shops():
        sandbox.add_shop(spec)
    assert sorted(sandbox.shops) == ["tandem-demo-eu", "tandem-demo-us"]
    sale = sandbox.place_order(
        "tandem-demo-us",
        {"lines": [{"sku": "TOTE-NAT", "quantity": 2}], "source": "pos", "location": "SoHo Store"},
    )
    assert sale["source_name"] == "pos" and sale["fulfillment_status"] == "fulfilled"
    web = sandbox.place_order(
        "tandem-demo-eu",
        {
            "lines": [{"sku": "MUG-12OZ", "quantity": 1}],
            "discount_code": "WILLKOMMEN",
            "presentment_currency": "GBP",
        },
    )
    assert (web["currency"], web["presentment_currency"]) == ("EUR", "GBP")


async def _first_line(process: anyio.abc.Process) -> str:
    assert process.stdout is not None
    buffer = b""
    while b"\n" not in buffer:
        buffer += await process.stdout.receive()
    return buffer.split(b"\n")[0].decode()


async def test_module_entry_point_serves_until_interrupted() -> None:
    command = [sys.executable, "-m", "sandbox.shopify", "--port", "0", "--fast-retries"]
    async with await anyio.open_process(command) as process:
        try:
            with anyio.fail_after(15):
                base_url = (await _first_line(process)).split()[3]
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"{base_url}/_sandbox/shops") as response,
                ):
                    shops = await response.json()
        finally:
            process.send_signal(signal.SIGINT)
            with anyio.fail_after(15):
                returncode = await process.wait()
    assert base_url.startswith("http://127.0.0.1:")
    assert {shop["name"] for shop in shops} == {"tandem-demo-us", "tandem-demo-eu"}
    assert returncode == 0  # Ctrl-C is a clean stop
