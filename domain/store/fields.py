"""Column types of the catalog beyond Tortoise's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from tortoise import fields


class MoneyField(fields.DecimalField[Decimal]):
    """An exact amount that reads back exactly as written, scale included ("12.50" stays "12.50"):
    unconstrained NUMERIC on PostgreSQL (exact arithmetic in SQL), decimal text on SQLite."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=21, decimal_places=6, **kwargs)

    def to_python_value(self, value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)

    class _db_postgres:
        SQL_TYPE = "NUMERIC"


def json_text(document: Any) -> str:
    """Return a JSON document as the text a JSON column is written with: orjson's (the order book writes a
    4-7 KB document on every Reserve, in a twelfth of the time `json` takes), or `json`'s for what orjson
    cannot write (an integer beyond 64 bits, a key that is not a string), so that any document `json` could
    store still is, exactly."""
    try:
        return orjson.dumps(document).decode()
    except TypeError:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def json_document(text: str | bytes) -> Any:
    """Return the document a JSON column holds (as a driver answers it: text or bytes). `json`, not orjson:
    orjson reads an integer beyond 64 bits as a float."""
    return json.loads(text)


T = TypeVar("T")


class JsonField(fields.JSONField[T]):
    """A JSON column of the catalog: written by `json_text`, read by `json_document` (Tortoise's default
    pair switches to orjson whenever it is installed, and orjson reads large integers as floats)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(encoder=json_text, decoder=json_document, **kwargs)


def utc(value: datetime | None) -> datetime | None:
    """Return the moment in UTC, as every timestamp column stores it (a naive datetime is taken as UTC), so
    that SQLite, which keeps timestamps as text, compares them correctly."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fits(model: type[Any], **values: str | None) -> bool:
    """Whether each value fits its text column of `model` (a longer key cannot be stored, so it finds
    nothing: lookups answer "not found" instead of failing Tortoise's length check). None, a filter not
    given, fits."""
    columns = model._meta.fields_map
    return all(
        len(value) <= (getattr(columns[name], "max_length", None) or len(value))
        for name, value in values.items()
        if value is not None
    )
