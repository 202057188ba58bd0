"""The `CatalogReader` port the pricing cores load campaigns, codes and settings through."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q, Subquery

from domain.catalog import BrokenCampaign, CatalogChanges, StoredCampaign
from domain.documents.common import Status
from domain.errors import DocumentError
from domain.lifecycle import LIVE
from domain.store.campaigns import stored_campaign
from domain.store.codes import stored_code
from domain.store.database import Database
from domain.store.models import CampaignRow
from domain.store.settings import read_settings


class Catalog:
    """Reads what changed in the catalog (implements `domain.catalog.CatalogReader`)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def catalog_version(self) -> int:
        return await self._database.catalog_version()

    async def changes_since(self, version: int | None) -> CatalogChanges:
        """Return every live campaign with its codes and the settings (`version` None), or every campaign and
        code written after `version`, all codes of the changed campaigns that are live (a resumed campaign
        brings its codes back) and the settings if they changed. The version is read first: a change
        committed meanwhile comes again next time, it is never lost."""
        current = await self._database.catalog_version()
        tables = self._database.tables
        with self._database.active():
            if version is None:
                heads = tables.campaigns.filter(status__in=sorted(LIVE))
                codes = tables.codes.filter(campaign_id__in=Subquery(heads.values("id")))
                settings = await read_settings(tables)
            else:
                heads = tables.campaigns.filter(catalog_version__gt=version)
                live_again = heads.filter(status__in=sorted(LIVE))
                codes = tables.codes.filter(
                    Q(catalog_version__gt=version) | Q(campaign_id__in=Subquery(live_again.values("id")))
                )
                settings = await read_settings(tables, changed_after=version)
            campaigns, broken = _loaded(await heads.order_by("id"))
            stored_codes = [stored_code(row) for row in await codes.order_by("code")]
        return CatalogChanges(
            version=current, campaigns=campaigns, codes=stored_codes, broken=broken, settings=settings
        )


def _loaded(rows: Iterable[CampaignRow]) -> tuple[list[StoredCampaign], list[BrokenCampaign]]:
    campaigns: list[StoredCampaign] = []
    broken: list[BrokenCampaign] = []
    for row in rows:
        try:
            campaigns.append(stored_campaign(row))
        except DocumentError as error:
            broken.append(BrokenCampaign(row.id, row.version, Status(row.status), error.errors))
    return campaigns, broken
