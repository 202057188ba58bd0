"""What the store refuses, each with a message that says what to do."""

from __future__ import annotations

from collections.abc import Sequence


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
