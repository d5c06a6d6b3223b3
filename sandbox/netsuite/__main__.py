"""`python -m sandbox.netsuite`: a seeded demo account on a loopback port, until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import json

import anyio

from .config import AutoFulfillment, Credentials, LatencyModel, NetSuiteSandboxConfig
from .sandbox import NetSuiteSandbox


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.netsuite", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--account", default="1234567_SB1", help="account id (the OAuth realm)")
    parser.add_argument("--time-zone", default="America/Los_Angeles")
    parser.add_argument("--concurrency", type=int, default=5, help="account concurrency limit")
    parser.add_argument(
        "--overload",
        choices=["429", "delayed_401"],
        default="429",
        help="what a request over the concurrency limit gets",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="server time per record request")
    parser.add_argument("--suiteql-latency-ms", type=float, default=0.0, help="server time per SuiteQL page")
    parser.add_argument("--empty", action="store_true", help="start without the demo data")
    parser.add_argument(
        "--auto-fulfill-every",
        type=float,
        default=0.0,
        help="seconds between warehouse fulfillment rounds (0: only on command)",
    )
    return parser.parse_args()


async def _serve(args: argparse.Namespace) -> None:
    schedule = (
        AutoFulfillment(interval_seconds=args.auto_fulfill_every) if args.auto_fulfill_every > 0 else None
    )
    latency = LatencyModel(
        record_read_ms=args.latency_ms,
        record_write_ms=args.latency_ms,
        transform_ms=args.latency_ms,
        suiteql_ms=args.suiteql_latency_ms,
    )
    config = NetSuiteSandboxConfig(
        credentials=Credentials.generate(args.account),
        time_zone=args.time_zone,
        concurrency_limit=args.concurrency,
        overload_response=args.overload,
        latency=latency,
        auto_fulfillment=schedule,
    )
    sandbox = NetSuiteSandbox(config)
    ids = {} if args.empty else sandbox.seed_demo()
    base_url = await sandbox.start(args.host, args.port)
    credentials = sandbox.credentials
    print(
        json.dumps(
            {
                "base_url": base_url,
                "rest_url": sandbox.rest_url,
                "control_url": f"{base_url}/_sandbox",
                "account": credentials.account,
                "consumer_key": credentials.consumer_key,
                "consumer_secret": credentials.consumer_secret,
                "token_id": credentials.token_id,
                "token_secret": credentials.token_secret,
                "seeded": ids,
            },
            indent=2,
        ),
        flush=True,
    )
    try:
        await anyio.sleep_forever()
    finally:
        with anyio.CancelScope(shield=True):
            await sandbox.stop()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(_serve, _arguments())


if __name__ == "__main__":
    main()
