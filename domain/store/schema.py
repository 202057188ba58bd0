"""Applying the migrations in `domain/store/migrations` (what `kampanya migrate` runs)."""

from __future__ import annotations

from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations

from domain.store.config import tortoise_config


async def migrate(url: str) -> list[str]:
    """Apply every pending migration to the database at `url` (a SQLite file is created if needed) and
    return the names of those applied; nothing when the schema is current."""
    applied: list[str] = []

    def progress(event: str, _app: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)

    context = TortoiseContext()
    with context:
        try:
            await run_migrations(config=tortoise_config(url), progress=progress, direction="forward")
        finally:
            await context.close_connections()
    return applied
