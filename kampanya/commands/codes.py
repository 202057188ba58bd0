"""Coupon codes from the command line: `kampanya codes generate` (a batch of unique codes, generated and
stored here and now, with the same rules and job as the admin graph's `startCodeBatch`), `kampanya codes
export` (CSV on standard output, read from the database a page at a time) and `kampanya codes import FILE`
(a CSV checked row by row; the good rows stored in one transaction, the report names the others)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.code_batches import BatchRequest, CodeTerms
from domain.code_csv import GoodRow, header, line, rows
from domain.codegen import Charset, CodePattern
from domain.imports import RowError
from domain.store import NotFound, Store
from domain.store.code_admin import CodeFilter
from domain.store.code_runner import CodeBatchRunner
from kampanya.commands.store import with_store
from kampanya.inputs import CliError

DATABASE_HELP = "default KAMPANYA_DATABASE_URL, else ./kampanya.sqlite3"


def register(commands: Any) -> None:
    codes = commands.add_parser("codes", help="coupon codes: generate a batch, export, import")
    actions = codes.add_subparsers(dest="action", required=True, metavar="ACTION")

    generate = actions.add_parser("generate", help="generate and store a batch of unique codes for a campaign")
    generate.add_argument("--campaign", required=True, help="the campaign's id")
    generate.add_argument("--count", type=int, required=True)
    generate.add_argument("--pattern", help="e.g. KMP-####-???? (# digit, ? letter, * the charset)")
    generate.add_argument("--charset", choices=[charset.value for charset in Charset], default="ALPHANUMERIC")
    generate.add_argument("--custom", default="", help="the characters of a CUSTOM charset")
    generate.add_argument("--length", type=int, default=12)
    generate.add_argument("--prefix", default="")
    generate.add_argument("--postfix", default="")
    generate.add_argument("--allow-ambiguous", action="store_true", help="keep 0 O 1 I L in the built-in sets")
    generate.add_argument("--max-uses", type=int, default=1, help="uses per code (default 1; 0 = no limit)")
    generate.add_argument("--once-per-customer", action="store_true")
    generate.add_argument("--expires-at", help="ISO 8601 with an offset, e.g. 2027-01-01T00:00:00+03:00")
    generate.add_argument("--database-url", help=DATABASE_HELP)
    generate.set_defaults(handler=_generate)

    export = actions.add_parser("export", help="print the codes as CSV")
    export.add_argument("--campaign")
    export.add_argument("--customer")
    export.add_argument("--prefix")
    export.add_argument("--batch")
    export.add_argument("--database-url", help=DATABASE_HELP)
    export.set_defaults(handler=_export)

    importing = actions.add_parser("import", help="import codes from a CSV file (header: code,campaign_id,…)")
    importing.add_argument("file", type=Path)
    importing.add_argument("--database-url", help=DATABASE_HELP)
    importing.set_defaults(handler=_import)


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--expires-at: {text!r} is not an ISO 8601 moment") from None
    if moment.tzinfo is None:
        raise CliError(f"--expires-at: {text!r} needs an offset (e.g. +03:00 or Z)")
    return moment


def _generate(arguments: argparse.Namespace) -> str:
    pattern = CodePattern(
        charset=Charset(arguments.charset),
        length=arguments.length,
        prefix=arguments.prefix,
        postfix=arguments.postfix,
        pattern=arguments.pattern,
        custom=arguments.custom,
        allow_ambiguous=arguments.allow_ambiguous,
    )
    terms = CodeTerms(
        max_uses=arguments.max_uses or None,
        once_per_customer=arguments.once_per_customer,
        expires_at=_moment(arguments.expires_at),
    )
    request = BatchRequest(campaign_id=arguments.campaign, count=arguments.count, pattern=pattern, terms=terms)
    if problems := request.problems():
        raise CliError("; ".join(str(problem) for problem in problems))

    async def run(store: Store) -> dict[str, Any]:
        try:
            batch = await store.code_batches.create(request, created_by="cli")
        except NotFound as error:
            raise CliError(str(error)) from None
        await CodeBatchRunner(store.code_batches).run_pending()
        ended = await store.code_batches.get(batch.id)
        assert ended is not None
        report = ended.report
        return {
            "batch": ended.id,
            "status": ended.status.value,
            "requested": ended.request.count,
            "stored": ended.done,
            "redrawn": report.redrawn,
            "seconds": report.seconds,
            "error": report.error,
        }

    answer = with_store(arguments, run)
    if answer["status"] != "DONE":
        raise CliError(f"the batch {answer['batch']} ended {answer['status']}: {json.dumps(answer)}")
    return json.dumps(answer, indent=2)


def _export(arguments: argparse.Namespace) -> None:
    wanted = CodeFilter(
        prefix=arguments.prefix,
        customer_id=arguments.customer,
        campaign_id=arguments.campaign,
        batch_id=arguments.batch,
    )

    async def run(store: Store) -> None:
        sys.stdout.write(header())
        async for page in store.code_admin.pages(wanted):
            sys.stdout.write("".join(line(stored.spec) for stored in page))
        sys.stdout.flush()

    with_store(arguments, run)


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as source:
            yield from source
    except OSError as error:
        raise CliError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None


def _import(arguments: argparse.Namespace) -> str:
    path: Path = arguments.file
    if not path.is_file():
        raise CliError(f"no file {str(path)!r}")
    good: list[GoodRow] = []
    errors: list[RowError] = []
    for row in rows(_lines(path)):
        if isinstance(row, GoodRow):
            good.append(row)
        else:
            errors.append(row)

    async def run(store: Store) -> list[RowError]:
        return await store.code_admin.import_rows(good)

    not_stored = with_store(arguments, run)
    errors = sorted(errors + not_stored, key=lambda error: error.row)
    refused = len({error.row for error in errors})
    answer = {
        "rows": len(good) - len(not_stored) + refused,
        "stored": len(good) - len(not_stored),
        "refused": refused,
        "errors": [{"row": error.row, "field": error.field, "message": error.message} for error in errors],
    }
    return json.dumps(answer, ensure_ascii=False, indent=2)
