"""One catalog database: its own Tortoise context, the models bound to its dialect, its notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext, _current_context
from tortoise.expressions import F
from tortoise.migrations.executor import MigrationExecutor
from tortoise.transactions import in_transaction

from domain.store.audit import write_pending
from domain.store.config import APP, MIGRATIONS, MODELS, dialect_of
from domain.store.errors import SchemaMissing
from domain.store.notify import CatalogNotifier
from domain.store.sqlite import immediate_transaction
from domain.store.tables import TABLES, Tables

CATALOG_ROW = 1


class Database:
    """Owns a `TortoiseContext` (never Tortoise's global state), so that several databases — SQLite and
    PostgreSQL alike — can be open in one process; every operation runs inside `active()`."""

    def __init__(self, context: TortoiseContext, tables: Tables, notifier: CatalogNotifier | None) -> None:
        self._context = context
        self.tables = tables
        self.notifier = notifier

    @classmethod
    async def connect(cls, url: str, notifier: CatalogNotifier | None = None) -> Database:
        """Return the open database at `url`; raise `SchemaMissing` unless every migration is applied."""
        tables = TABLES[dialect_of(url)]
        database = cls(TortoiseContext(), tables, notifier)
        try:
            with database.active():
                await database._context.init(config=_store_config(url, tables))
                await database._check_schema()
        except BaseException:
            await database.close()
            raise
        return database

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this database's context the current one for the code inside (re-entrant, task-safe).

        `TortoiseContext.__enter__` keeps a single token on the context object, so concurrent tasks
        entering the same context would reset each other's; this sets Tortoise's context variable with a
        token of its own instead."""
        token = _current_context.set(self._context)
        try:
            yield
        finally:
            _current_context.reset(token)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[BaseDBAsyncClient]:
        """Run the code inside in one transaction (use inside `active()`). On SQLite it takes the write lock
        as it begins (BEGIN IMMEDIATE): a transaction that reads then writes never fails to upgrade its
        lock when other processes write too, it waits its turn. A pending audit entry
        (`domain.store.audit`) is written in it, just before it commits."""
        if self.tables.dialect == "sqlite":
            async with immediate_transaction(self.tables.connection) as connection:
                yield connection
                await write_pending(self.tables)
        else:
            async with in_transaction(self.tables.connection) as client:
                yield client
                await write_pending(self.tables)

    @asynccontextmanager
    async def catalog_change(self) -> AsyncIterator[int]:
        """Open a transaction whose first write bumps the catalog version and yield that version; it is
        announced after the commit. Bumping first serializes catalog writers on one row, so versions are
        consecutive and commit in order."""
        with self.active():
            async with self.transaction():
                await self.tables.catalog.filter(id=CATALOG_ROW).update(version=F("version") + 1)
                version = await self.catalog_version()
                yield version
        if self.notifier is not None:
            await self.notifier.changed(version)

    async def catalog_version(self) -> int:
        with self.active():
            return int((await self.tables.catalog.get(id=CATALOG_ROW)).version)

    async def close(self) -> None:
        with self.active():
            await self._context.close_connections()

    async def _check_schema(self) -> None:
        executor = MigrationExecutor(
            self._context.db(self.tables.connection), {APP: {"models": [MODELS], "migrations": MIGRATIONS}}
        )
        pending = [step.migration.name for step in await executor.plan() if not step.backward]
        if pending:
            raise SchemaMissing(pending)


def _store_config(url: str, tables: Tables) -> dict[str, object]:
    connection: str | dict[str, Any] = url
    if tables.dialect == "postgres":
        connection = expand_db_url(url)
        connection["credentials"]["reset"] = _keep_session
    return {
        "connections": {tables.connection: connection},
        "apps": {tables.app: {"models": ["domain.store.tables"], "default_connection": tables.connection}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session(connection: object) -> None:
    """How a pooled PostgreSQL connection is made ready for its next user, after asyncpg has rolled back any
    transaction left open: nothing more. asyncpg's default also runs `SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL` on every release, and Tortoise takes a connection from the pool for each
    statement outside a transaction, so every such statement cost a second round trip of four statements.
    The store leaves nothing behind in a session: its advisory locks are transaction-scoped
    (`pg_advisory_xact_lock`), it sets isolation per transaction, and it neither listens nor keeps cursors."""
