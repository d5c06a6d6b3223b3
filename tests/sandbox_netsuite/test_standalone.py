"""`python -m sandbox.netsuite` starts a seeded demo account and prints how to reach it."""

from __future__ import annotations

import json
import subprocess
import sys

import aiohttp
import anyio


async def test_module_prints_url_and_credentials_and_serves_the_demo() -> None:
    process = await anyio.open_process(
        [sys.executable, "-m", "sandbox.netsuite", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        text = ""
        with anyio.fail_after(20):
            while not _complete(text):
                text += (await process.stdout.receive()).decode()
        info = json.loads(text)
        assert set(info) >= {
            "base_url",
            "rest_url",
            "account",
            "consumer_key",
            "consumer_secret",
            "token_id",
            "token_secret",
            "seeded",
        }
        assert info["base_url"].startswith("http://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{info['base_url']}/_sandbox/stock") as reply,
        ):
            levels = await reply.json()
        assert any(row["onHand"] == "40" for row in levels)
    finally:
        process.terminate()
        with anyio.fail_after(10):
            await process.wait()


def _complete(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True
