"""Bulk imports from the command line: `kampanya customers import FILE`, `kampanya products import FILE`,
and `kampanya segments recompute [ID]`. The file is read line by line; the report (JSON) lists the rows
left out by row and field (the good rows are stored all the same)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from domain.imports import ImportFormat, ImportReport, customer_rows, product_rows
from domain.store import NotFound, Store
from kampanya.commands.store import with_store
from kampanya.inputs import CliError

Value = TypeVar("Value")


def register(commands: Any) -> None:
    for noun, handler in (("customers", _import_customers), ("products", _import_products)):
        command = commands.add_parser(noun, help=f"{noun} in bulk")
        actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser("import", help=f"import {noun} from a CSV or JSON-lines file")
        importing.add_argument("file", type=Path)
        importing.add_argument("--format", choices=["csv", "jsonl"], help="default: by the file's extension")
        importing.add_argument("--database-url", help="default KAMPANYA_DATABASE_URL, else ./kampanya.sqlite3")
        importing.set_defaults(handler=handler)
    segments = commands.add_parser("segments", help="segments")
    segment_actions = segments.add_subparsers(dest="action", required=True, metavar="ACTION")
    recompute = segment_actions.add_parser("recompute", help="recompute dynamic segment membership now")
    recompute.add_argument("segment", nargs="?", help="one segment (default: every dynamic segment)")
    recompute.add_argument("--database-url", help="default KAMPANYA_DATABASE_URL, else ./kampanya.sqlite3")
    recompute.set_defaults(handler=_recompute)


def _format(arguments: argparse.Namespace) -> ImportFormat:
    chosen = arguments.format or ("csv" if arguments.file.suffix.lower() == ".csv" else "jsonl")
    return ImportFormat.CSV if chosen == "csv" else ImportFormat.JSONL


def _import_customers(arguments: argparse.Namespace) -> str:
    return _import(
        arguments, lambda store, lines: store.customers.import_rows(customer_rows(lines, _format(arguments)))
    )


def _import_products(arguments: argparse.Namespace) -> str:
    return _import(arguments, lambda store, lines: store.products.import_rows(product_rows(lines, _format(arguments))))


def _import(arguments: argparse.Namespace, work: Callable[[Store, Any], Awaitable[ImportReport]]) -> str:
    path: Path = arguments.file
    if not path.is_file():
        raise CliError(f"no file {str(path)!r}")

    async def run(store: Store) -> ImportReport:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            return await work(store, lines)

    report = with_store(arguments, run)
    answer = {
        "rows": report.rows,
        "stored": report.stored,
        "rejected": report.rejected,
        "errors": [{"row": error.row, "field": error.field, "message": error.message} for error in report.errors],
    }
    return json.dumps(answer, ensure_ascii=False, indent=2)


def _recompute(arguments: argparse.Namespace) -> str:
    async def run(store: Store) -> int:
        try:
            return await store.segments.recompute(arguments.segment)
        except NotFound as error:
            raise CliError(str(error)) from None

    return f"{with_store(arguments, run)} membership(s) changed"
