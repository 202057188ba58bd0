"""What the store refuses, each with a message that says what to do."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from tortoise.exceptions import DBConnectionError


class StoreError(Exception):
    """Base of the storage errors."""


class UnsupportedDatabase(StoreError):
    def __init__(self, url: str) -> None:
        scheme = url.split("://", 1)[0] if "://" in url else url
        super().__init__(f"unsupported database URL scheme {scheme!r}: use sqlite://FILE or postgres://…")
        self.url = url


class SchemaMissing(StoreError):
    def __init__(self, pending: Sequence[str]) -> None:
        super().__init__(
            f"the database schema is missing or out of date ({len(pending)} migration(s) not applied: "
            f"{', '.join(pending)}); run `kampanya migrate`"
        )
        self.pending = tuple(pending)


class NotFound(StoreError):
    def __init__(self, kind: str, key: str, *, wanted_by: str | None = None) -> None:
        suffix = f" (wanted by {wanted_by})" if wanted_by else ""
        super().__init__(f"no {kind} {key!r}{suffix}")
        self.kind = kind
        self.key = key
        self.wanted_by = wanted_by


class AlreadyExists(StoreError):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} already exists")
        self.kind = kind
        self.key = key


class DynamicSegment(StoreError):
    def __init__(self, segment_id: str) -> None:
        super().__init__(f"segment {segment_id!r} is dynamic: its rule decides who is in it, members cannot be listed")
        self.segment_id = segment_id


def database_unreachable(error: BaseException) -> bool:
    """Return whether `error` says the database could not be reached (a lost or refused connection, a
    server shutting down), as opposed to a query it refused: worth a retry elsewhere or later."""
    if isinstance(error, ConnectionError | TimeoutError | DBConnectionError):
        return True
    if isinstance(error, asyncpg.InterfaceError | asyncpg.ConnectionDoesNotExistError):
        return True
    return isinstance(error, asyncpg.CannotConnectNowError | asyncpg.AdminShutdownError)
