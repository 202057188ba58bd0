"""The `kampanya` command line: price carts offline, manage the catalog, run the services."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kampanya.commands import access, catalog, codes, customers, documents, gateway, services
from kampanya.inputs import CliError

EXIT_OK = 0
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    arguments = _parser().parse_args(argv)
    try:
        output = arguments.handler(arguments)
    except CliError as error:
        print(f"kampanya: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if output is not None:
        print(output)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kampanya", description="Kampanya promotion engine")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    documents.register(commands)
    catalog.register(commands)
    services.register(commands)
    gateway.register(commands)
    access.register(commands)
    customers.register(commands)
    codes.register(commands)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
