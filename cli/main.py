"""The one entry point: `tandem run | --version` (more subcommands as the product grows)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial
from importlib.metadata import PackageNotFoundError, version

import anyio

from cli.settings import RunSettings


def _version() -> str:
    try:
        return version("tandem")
    except PackageNotFoundError:
        return "0+unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Shopify ⇄ NetSuite order operations layer")
    parser.add_argument("--version", action="version", version=f"tandem {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the engine (embedded NATS unless NATS_URL is set)")
    commands.add_parser(
        "demo",
        help="the whole system on this machine: NATS, both emulators, the engine, traffic (see --help)",
        add_help=False,
    )
    return parser


def _run(settings: RunSettings) -> None:
    from cli.engine import run_engine
    from observability.logging import configure_logging
    from supervisors.signals import run_until_signalled

    configure_logging(settings.log_level, json=settings.log_json, secrets=settings.secrets())
    anyio.run(
        partial(run_until_signalled, lambda: run_engine(settings), grace_period=settings.ack_wait),
        backend="asyncio",
        backend_options={"use_uvloop": sys.platform != "win32"},
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args, rest = _parser().parse_known_args(argv)
    if args.command == "demo":
        from cli.demo import main as demo_main

        demo_main(rest)  # the demo parses its own options
        return 0
    if rest:
        _parser().error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "run":
        from cli.engine import MissingSecrets
        from contract.loading import ContractError

        try:
            _run(RunSettings.from_env())
        except (MissingSecrets, ContractError) as exc:
            print(f"tandem: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
