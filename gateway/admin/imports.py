"""What the graph's bulk imports answer: the counts and the error report, row by row."""

from __future__ import annotations

import io

import strawberry

from domain.imports import ImportFormat, ImportReport

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
