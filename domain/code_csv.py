"""Managed codes as CSV: the columns of an export, and an import checked row by row (each bad row named by
its line number, field and message; the good ones kept)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from domain.documents.catalog import CouponCodeSpec
from domain.errors import UNSTORABLE_TEXT, field_errors, unstorable_at
from domain.imports import RowError

COLUMNS = ("code", "campaign_id", "customer_id", "max_uses", "once_per_customer", "starts_at", "expires_at", "active")
REQUIRED = ("code", "campaign_id")
MAX_ROWS = 1_000_000
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


@dataclass(frozen=True, slots=True)
class GoodRow:
    row: int
    spec: CouponCodeSpec


def header() -> str:
    return _line(COLUMNS)


def line(spec: CouponCodeSpec) -> str:
    """Return the CSV line of a code (with its line break)."""
    return _line(
        (
            spec.code,
            spec.campaign_id,
            spec.customer_id or "",
            "" if spec.max_uses is None else str(spec.max_uses),
            "true" if spec.once_per_customer else "false",
            _moment(spec.starts_at),
            _moment(spec.expires_at),
            "true" if spec.active else "false",
        )
    )


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _line(values: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def rows(lines: Iterable[str]) -> Iterator[GoodRow | RowError]:
    """Read CSV lines (a header naming at least `code` and `campaign_id`, in any order), yielding each row's
    code or its problems; a code twice in the file is refused the second time."""
    reader = csv.reader(lines)
    names = [name.strip().lower() for name in next(reader, [])]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        yield RowError(1, ",".join(unknown or missing) or "header", _header_problem(unknown, missing))
        return
    seen: set[str] = set()
    for number, values in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            yield RowError(number, "", f"an import has at most {MAX_ROWS:,} rows; the rest is not read")
            return
        if not any(value.strip() for value in values):
            continue
        yield from _row(number, names, values, seen)


def _header_problem(unknown: list[str], missing: list[str]) -> str:
    if unknown:
        return f"unknown column(s); the columns are {', '.join(COLUMNS)}"
    if missing:
        return f"the header needs the column(s) {', '.join(missing)}"
    return "a column is named twice"


def _row(number: int, names: list[str], values: list[str], seen: set[str]) -> Iterator[GoodRow | RowError]:
    if len(values) != len(names):
        yield RowError(number, "", f"{len(values)} values for {len(names)} columns")
        return
    document: dict[str, object] = {}
    problems: list[RowError] = []
    for name, raw in zip(names, values, strict=True):
        value = raw.strip()
        if name in ("once_per_customer", "active"):
            if value.lower() not in _TRUE | _FALSE:
                problems.append(RowError(number, name, f"true or false, not {value!r}"))
            elif value:
                document[name] = value.lower() in _TRUE
        elif name == "max_uses" and value:
            if not value.isdigit():
                problems.append(RowError(number, name, f"a whole number of uses, not {value!r}"))
            else:
                document[name] = int(value)
        elif name in ("starts_at", "expires_at") and value:
            try:
                document[name] = datetime.fromisoformat(value)
            except ValueError:
                problems.append(RowError(number, name, f"an ISO 8601 moment with its offset, not {value!r}"))
        elif value:
            document[name] = value
    unstorable = unstorable_at(document)
    if unstorable is not None:
        problems.append(RowError(number, unstorable.lstrip("/"), UNSTORABLE_TEXT))
    if problems:
        yield from problems
        return
    try:
        spec = CouponCodeSpec.model_validate(document)
    except ValidationError as error:
        for problem in field_errors(error):
            yield RowError(number, problem.pointer.lstrip("/").split("/")[0], problem.message)
        return
    if spec.code in seen:
        yield RowError(number, "code", f"{spec.code} is in the file twice")
        return
    seen.add(spec.code)
    yield GoodRow(number, spec)
