"""Managing the catalog from the command line: `kampanya migrate` and `kampanya campaigns import|export`,
so campaigns can live in version control and move between environments."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from domain.documents import parse_campaigns
from domain.documents.common import Status
from domain.errors import DocumentError
from domain.store import RedisCatalogNotifier, Store, StoreError, database_url, migrate
from domain.templates import instantiate
from kampanya.inputs import CliError, describe, read_document

Value = TypeVar("Value")


def register(commands: Any) -> None:
    migration = commands.add_parser("migrate", help="apply the database migrations")
    _database_option(migration)
    migration.set_defaults(handler=_migrate)

    campaigns = commands.add_parser("campaigns", help="import or export campaign documents")
    actions = campaigns.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import", help="import a JSON array of campaigns, all or nothing (ACTIVE unless a document says otherwise)"
    )
    importing.add_argument("file", type=Path, help="JSON array of campaign documents (- for standard input)")
    _database_option(importing)
    importing.set_defaults(handler=_import)
    exporting = actions.add_parser("export", help="print the campaigns as a JSON array (latest versions)")
    exporting.add_argument("--status", action="append", choices=[status.value for status in Status])
    _database_option(exporting)
    exporting.set_defaults(handler=_export)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", help="the catalog database (default KAMPANYA_DATABASE_URL, else ./kampanya.sqlite3)"
    )


def _migrate(arguments: argparse.Namespace) -> str:
    url = arguments.database_url or database_url()
    applied = _run(migrate_database(url))
    return f"{url}: " + (f"applied {', '.join(applied)}" if applied else "schema is up to date")


async def migrate_database(url: str) -> list[str]:
    """Apply the pending migrations; return their names."""
    return await _guarded(lambda: migrate(url))


def _import(arguments: argparse.Namespace) -> str:
    documents = read_document(arguments.file, parse_campaigns, wrap_single=True)
    url = arguments.database_url or database_url()

    async def run() -> str:
        async with open_store(url) as store:
            try:
                imported = await store.campaigns.import_all(documents)
            except DocumentError as error:
                raise CliError(describe(arguments.file, error)) from None
            version = await store.catalog_version()
        listed = ", ".join(f"{stored.id} ({stored.status}, v{stored.version})" for stored in imported)
        return f"imported {len(imported)} campaign(s) at catalog version {version}: {listed}"

    return _run(run())


def _export(arguments: argparse.Namespace) -> str:
    url = arguments.database_url or database_url()
    statuses = [Status(status) for status in arguments.status] if arguments.status else None

    async def run() -> str:
        async with open_store(url) as store:
            stored = await store.campaigns.list(statuses=statuses)
        documents = [item.document.model_dump(mode="json", exclude_defaults=True) for item in stored]
        return json.dumps(documents, indent=2, ensure_ascii=False)

    return _run(run())


async def import_demo(url: str, redis_url: str | None = None) -> int:
    """Load a few demo campaigns from the templates when the catalog has none; return how many."""
    async with open_store(url, redis_url) as store:
        if await store.campaigns.list():
            return 0
        demo = [
            instantiate("buy5pay4", {"id": "demo-buy5pay4-shirts", "target": {"categories": ["shirts"]}}),
            instantiate("over500_15percent", {"id": "demo-over500-15"}),
            instantiate(
                "flat10off",
                {"id": "demo-welcome", "kind": "COUPON", "codes": ["WELCOME10"], "audience": {"first_order": True}},
            ),
            instantiate("thirdFree", {"id": "demo-third-free-socks", "target": {"categories": ["socks"]}}),
        ]
        return len(await store.campaigns.import_all(demo))


@asynccontextmanager
async def open_store(url: str, redis_url: str | None = None) -> AsyncIterator[Store]:
    """Open the catalog store (announcing changes on Redis when configured); errors become CLI errors."""
    notifier = RedisCatalogNotifier.from_url(redis_url) if redis_url else None
    try:
        store = await _guarded(lambda: Store.open(url, notifier=notifier))
        try:
            yield store
        finally:
            await store.close()
    finally:
        if notifier is not None:
            await notifier.close()


async def _guarded(action: Callable[[], Awaitable[Value]]) -> Value:
    try:
        return await action()
    except StoreError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"cannot reach the database: {error}") from None


def _run(work: Awaitable[Value]) -> Value:
    async def wrapped() -> Value:
        return await work

    return asyncio.run(wrapped())
