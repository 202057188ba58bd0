"""Reading the command line's inputs: JSON files (or stdin), documents, instants; one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from domain.errors import DocumentError

Parsed = TypeVar("Parsed")


class CliError(Exception):
    """A problem with the user's input or environment: printed as one line, exit code 2."""


def read_json(path: Path) -> Any:
    """Return the JSON in a file (`-` is standard input)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        raise CliError(f"{path}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None


def read_document(path: Path, parse: Callable[[Any], Parsed], *, wrap_single: bool = False) -> Parsed:
    """Return the validated document in a file; a single object is wrapped in a list if asked."""
    data = read_json(path)
    if wrap_single and isinstance(data, dict):
        data = [data]
    try:
        return parse(data)
    except DocumentError as error:
        raise CliError(describe(path, error)) from None


def describe(source: object, error: DocumentError) -> str:
    return f"{source}: invalid {error.document}: " + "; ".join(str(problem) for problem in error.errors)


def instant(text: str, *, option: str) -> datetime:
    """Return an ISO 8601 instant given on the command line; an offset is required."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option}: {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise CliError(f"{option}: {text!r} needs a UTC offset, e.g. 2026-11-23T13:00:00+03:00")
    return moment
