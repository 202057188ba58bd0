"""What the graph's bulk imports answer: the counts and the error report, row by row."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

import strawberry

from domain.access import Operation
from domain.imports import ImportFormat, ImportReport
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden

strawberry.enum(ImportFormat, description="CSV (a header line, then records) or JSON lines (an object a line).")


@strawberry.type(description="A row left out of an import: its line in the file, the field, why.")
class RowProblem:
    row: int
    field: str
    message: str


@strawberry.type(description="The import is done: the good rows are stored, the bad ones listed (the first 1000).")
class ImportDone:
    rows: int
    stored: int
    rejected: int
    errors: list[RowProblem]


def import_done(report: ImportReport) -> ImportDone:
    return ImportDone(
        rows=report.rows,
        stored=report.stored,
        rejected=report.rejected,
        errors=[RowProblem(row=error.row, field=error.field, message=error.message) for error in report.errors],
    )


def lines_of(data: str) -> io.StringIO:
    """The text of an import, read line by line."""
    return io.StringIO(data, newline="")


async def imported(
    context: AdminContext,
    operation: Operation,
    action: str,
    format: ImportFormat,
    data: str,
    name: str,
    store_rows: Callable[[io.StringIO, dict[str, object]], Awaitable[ImportReport]],
) -> ImportDone | Forbidden:
    """Run one bulk import for a caller allowed `operation`: `store_rows(lines, noted)` reads and stores the
    rows (noting its counts in `noted`, the audit entry's after), under one audit entry `action`."""
    if problem := refused(context, operation):
        return problem
    after: dict[str, object] = {"format": format.value, "bytes": len(data)}
    async with context.store.audit.recording(audit_entry(context, action, "import", name, None, after)):
        report = await store_rows(lines_of(data), after)
    return import_done(report)
