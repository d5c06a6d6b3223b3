"""`python -m sandbox.shopify`: serve the emulator standalone with the demo shops until interrupted."""

from __future__ import annotations

import argparse
import contextlib

import anyio

from .demo import demo_shops
from .sandbox import ShopifySandbox
from .webhooks import SHOPIFY_RETRY_DELAYS


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.shopify", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8710, help="port (default 8710; 0 = any free port)")
    parser.add_argument(
        "--fast-retries",
        action="store_true",
        help="compress the webhook retry schedule to seconds instead of hours",
    )
    return parser.parse_args()


async def _serve(arguments: argparse.Namespace) -> None:
    delays = [0.5, 1, 2, 4, 8, 16, 32, 64] if arguments.fast_retries else list(SHOPIFY_RETRY_DELAYS)
    sandbox = ShopifySandbox(webhook_retry_delays=delays)
    base_url = await sandbox.start(arguments.host, arguments.port)
    try:
        print(f"Shopify sandbox on {base_url}  (control API: {base_url}/_sandbox/shops)")
        for spec in demo_shops():
            info = sandbox.add_shop(spec)
            print(f"\n  shop {info.name}  ({info.domain})")
            print(f"    Admin GraphQL   {info.graphql_url}")
            print(f"    access token    {info.access_token}")
            print(f"    webhook secret  {info.webhook_secret}")
        print("\nCtrl-C to stop.", flush=True)
        await anyio.sleep_forever()
    finally:
        await sandbox.stop()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop it
        anyio.run(_serve, _arguments())


if __name__ == "__main__":
    main()
