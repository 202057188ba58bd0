"""The tenant settings: pricing policy, default currency and time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.documents.catalog import TenantSettings
from domain.store.database import Database
from domain.store.tables import Tables

SETTINGS_ROW = 1


class Settings:
    """The policy, currency and time zone price carts: a change bumps the catalog version like a
    campaign change, so every pricing core picks it up."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self) -> TenantSettings:
        """Return the stored settings, or the defaults when none were ever saved."""
        with self._database.active():
            settings = await read_settings(self._database.tables)
        assert settings is not None
        return settings

    async def update(self, settings: TenantSettings) -> TenantSettings:
        rows = self._database.tables.settings
        async with self._database.catalog_change() as catalog_version:
            row = rows(
                id=SETTINGS_ROW,
                document=settings.model_dump(mode="json"),
                catalog_version=catalog_version,
                written_at=datetime.now(UTC),
            )
            await rows.bulk_create(
                [row], on_conflict=["id"], update_fields=["document", "catalog_version", "written_at"]
            )
        return settings


async def read_settings(tables: Tables, *, changed_after: int | None = None) -> TenantSettings | None:
    """Return the settings (defaults when never saved); with `changed_after`, None unless they changed
    after that catalog version."""
    row = await tables.settings.get_or_none(id=SETTINGS_ROW)
    if changed_after is not None and (row is None or row.catalog_version <= changed_after):
        return None
    return TenantSettings() if row is None else TenantSettings.model_validate(row.document)
