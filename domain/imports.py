"""Bulk imports, read row by row: CSV (a header line, then one record per line) or JSON lines (one object
per line). Each row becomes a validated document or the errors that keep it out, by row (the line of the
file) and field (a JSON pointer into the document); nothing is read ahead of the row being checked.

CSV cells: empty = not given; `attr.<key>` columns make `attributes`; list columns (categories,
collections, campaign ids) separate items with `|`; consent columns (`consent_email`, `consent_sms`,
`consent_push`) read true/false, yes/no, 1/0."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from domain.documents.catalog import CustomerProfile, Product
from domain.errors import UNSTORABLE_TEXT, field_errors, unstorable_at

D = TypeVar("D", bound=BaseModel)

MAX_REPORTED = 1000
"""Row errors kept in a report (the count goes on)."""


class ImportFormat(StrEnum):
    CSV = "CSV"
    JSONL = "JSONL"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Row(Generic[D]):
    """A valid row: its document and the fields it gives (only those are written over a stored one)."""

    row: int
    document: D
    given: frozenset[str]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read, rows stored, and the errors of the rows left out."""

    rows: int
    stored: int
    rejected: int
    errors: tuple[RowError, ...]


_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}
_INTEGERS = {"orders_count"}
_LISTS = {"categories", "collections", "campaign_ids", "segments"}
_CONSENTS = {"consent_email": "email", "consent_sms": "sms", "consent_push": "push"}


def read_rows(
    lines: Iterable[str], model: type[D], import_format: ImportFormat, *, key: str
) -> Iterator[Row[D] | list[RowError]]:
    """Yield each row of `lines` as a `Row`, or the list of its errors. A key (`key`) given twice is an error
    of the later row."""
    raw = _csv_records(lines) if import_format is ImportFormat.CSV else _json_records(lines)
    seen: dict[str, int] = {}
    for number, record in raw:
        if isinstance(record, RowError):
            yield [record]
            continue
        unstorable = unstorable_at(record)
        if unstorable is not None:
            yield [RowError(number, unstorable, UNSTORABLE_TEXT)]
            continue
        try:
            document = model.model_validate(record)
        except ValidationError as error:
            yield [RowError(number, found.pointer, found.message) for found in field_errors(error)]
            continue
        identity = str(getattr(document, key))
        if identity in seen:
            yield [RowError(number, f"/{key}", f"{key} {identity!r} is given again (first in row {seen[identity]})")]
            continue
        seen[identity] = number
        yield Row(number, document, frozenset(record) - {key})


def _json_records(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, RowError(number, "", f"not JSON: {error.msg} at column {error.colno}")
            continue
        if not isinstance(record, dict):
            yield number, RowError(number, "", "a row is a JSON object")
            continue
        yield number, record


def _csv_records(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    reader = csv.reader(iter(lines))
    header = next(reader, None)
    if header is None:
        return
    columns = [column.strip() for column in header]
    for cells in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            yield number, RowError(number, "", f"{len(cells)} cells, the header has {len(columns)}")
            continue
        try:
            yield number, _record(zip(columns, cells, strict=True))
        except ValueError as error:
            column, message = error.args
            yield number, RowError(number, f"/{column}", message)


def _record(cells: Iterable[tuple[str, str]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, cell in cells:
        text = cell.strip()
        if not text:
            continue
        if column.startswith("attr."):
            record.setdefault("attributes", {})[column[5:]] = text
        elif column in _CONSENTS:
            record.setdefault("consents", {})[_CONSENTS[column]] = _flag(column, text)
        elif column in _INTEGERS:
            record[column] = _integer(column, text)
        elif column in _LISTS:
            record[column] = [item.strip() for item in text.split("|") if item.strip()]
        else:
            record[column] = text
    return record


def _flag(column: str, text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(column, f"not a yes/no value: {text!r}")


def _integer(column: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(column, f"not a whole number: {text!r}") from None


def customer_rows(lines: Iterable[str], import_format: ImportFormat) -> Iterator[Row[CustomerProfile] | list[RowError]]:
    """Yield the customers of an import (their `segments` are ignored: membership is kept apart)."""
    return read_rows(lines, CustomerProfile, import_format, key="id")


def product_rows(lines: Iterable[str], import_format: ImportFormat) -> Iterator[Row[Product] | list[RowError]]:
    return read_rows(lines, Product, import_format, key="sku")


def member_ids(lines: Iterable[str]) -> Iterator[tuple[int, str] | RowError]:
    """Yield the customer ids of a member list: one per line (a CSV's first cell; a header `id` or
    `customer_id` is skipped)."""
    for number, cells in enumerate(csv.reader(iter(lines)), start=1):
        text = cells[0].strip() if cells else ""
        if not text or (number == 1 and text.lower() in {"id", "customer_id"}):
            continue
        if len(text) > 200:
            yield RowError(number, "/customer_id", "a customer id has at most 200 characters")
            continue
        if unstorable_at(text) is not None:
            yield RowError(number, "/customer_id", UNSTORABLE_TEXT)
            continue
        yield number, text


class Reporter:
    """Collects row errors into a report (keeping the first `MAX_REPORTED`)."""

    def __init__(self) -> None:
        self.rows = 0
        self.rejected = 0
        self.errors: list[RowError] = []

    def take(self, item: Row[D] | list[RowError]) -> Row[D] | None:
        self.rows += 1
        if isinstance(item, Row):
            return item
        self.rejected += 1
        room = MAX_REPORTED - len(self.errors)
        self.errors.extend(item[: max(room, 0)])
        return None

    def report(self, stored: int) -> ImportReport:
        return ImportReport(rows=self.rows, stored=stored, rejected=self.rejected, errors=tuple(self.errors))
