"""Campaigns and their immutable version history."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from domain.catalog import StoredCampaign
from domain.documents import Campaign, parse_campaign
from domain.documents.common import Status
from domain.errors import DocumentError, FieldError
from domain.lifecycle import InvalidTransition, check_transition
from domain.store.database import Database
from domain.store.errors import NotFound
from domain.store.fields import fits
from domain.store.models import CampaignRow, CampaignVersionRow

_HEAD_FIELDS = ("status", "version", "catalog_version", "document", "author", "written_at")


class Campaigns:
    """Every save writes a new version (1, 2, …) and bumps the catalog version in the same transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def save(
        self, document: Campaign, *, status: Status | None = None, author: str | None = None
    ) -> StoredCampaign:
        """Create or update a campaign and return its new version; its status is `status`, else the
        document's, else the current one, else DRAFT. Raise `InvalidTransition` (nothing written) when the
        campaign may not go to that status."""
        async with self._database.catalog_change() as catalog_version:
            head = await self._database.tables.campaigns.get_or_none(id=document.id)
            wanted = status or document.status or (Status(head.status) if head else Status.DRAFT)
            stored = _next_version(document, wanted, head, catalog_version=catalog_version, author=author)
            await self._write([stored])
        return stored

    async def set_status(self, campaign_id: str, status: Status, *, author: str | None = None) -> StoredCampaign:
        """Write a new version of the campaign with the same document and another status."""
        if not fits(self._database.tables.campaigns, id=campaign_id):
            raise NotFound("campaign", campaign_id)
        async with self._database.catalog_change() as catalog_version:
            head = await self._database.tables.campaigns.get_or_none(id=campaign_id)
            if head is None:
                raise NotFound("campaign", campaign_id)
            document = stored_campaign(head).document
            stored = _next_version(document, status, head, catalog_version=catalog_version, author=author)
            await self._write([stored])
        return stored

    async def import_all(
        self, documents: Sequence[Campaign], *, default_status: Status = Status.ACTIVE, author: str | None = None
    ) -> list[StoredCampaign]:
        """Save every document in one transaction with one catalog bump, or none of them: a document that
        cannot be saved raises `DocumentError` naming its index and field. A document's own status wins."""
        if not documents:
            return []
        async with self._database.catalog_change() as catalog_version:
            heads = await self._heads(document.id for document in documents)
            problems = list(_duplicate_ids(documents))
            imported: list[StoredCampaign] = []
            for index, document in enumerate(documents):
                wanted = document.status or default_status
                try:
                    stored = _next_version(
                        document, wanted, heads.get(document.id), catalog_version=catalog_version, author=author
                    )
                except InvalidTransition as error:
                    problems.append(FieldError(f"/{index}/status", str(error)))
                else:
                    imported.append(stored)
            if problems:
                raise DocumentError("campaigns", problems)
            await self._write(imported)
        return imported

    async def get(self, campaign_id: str) -> StoredCampaign | None:
        """Return the latest version of the campaign, or None."""
        if not fits(self._database.tables.campaigns, id=campaign_id):
            return None
        with self._database.active():
            head = await self._database.tables.campaigns.get_or_none(id=campaign_id)
        return None if head is None else stored_campaign(head)

    async def version(self, campaign_id: str, version: int) -> StoredCampaign | None:
        """Return that version of the campaign exactly as it was written, or None."""
        if not fits(self._database.tables.versions, campaign_id=campaign_id):
            return None
        with self._database.active():
            row = await self._database.tables.versions.get_or_none(campaign_id=campaign_id, version=version)
        return None if row is None else stored_campaign(row)

    async def history(self, campaign_id: str) -> list[StoredCampaign]:
        """Return every version of the campaign, oldest first."""
        if not fits(self._database.tables.versions, campaign_id=campaign_id):
            return []
        with self._database.active():
            rows = await self._database.tables.versions.filter(campaign_id=campaign_id).order_by("version")
        return [stored_campaign(row) for row in rows]

    async def histories(self, campaign_ids: Iterable[str]) -> dict[str, builtins.list[StoredCampaign]]:
        """Return every version of each campaign, oldest first (one query for all of them)."""
        with self._database.active():
            rows = await self._database.tables.versions.filter(campaign_id__in=sorted(set(campaign_ids))).order_by(
                "campaign_id", "version"
            )
        found: dict[str, builtins.list[StoredCampaign]] = {}
        for row in rows:
            found.setdefault(row.campaign_id, []).append(stored_campaign(row))
        return found

    async def list(self, *, statuses: Iterable[Status] | None = None) -> builtins.list[StoredCampaign]:
        """Return the latest version of every campaign (with one of `statuses`), by id."""
        with self._database.active():
            heads = self._database.tables.campaigns.all()
            if statuses is not None:
                heads = heads.filter(status__in=sorted(set(statuses)))
            rows = await heads.order_by("id")
        return [stored_campaign(row) for row in rows]

    async def _heads(self, campaign_ids: Iterable[str]) -> dict[str, CampaignRow]:
        rows = await self._database.tables.campaigns.filter(id__in=sorted(set(campaign_ids)))
        return {row.id: row for row in rows}

    async def _write(self, campaigns: Sequence[StoredCampaign]) -> None:
        tables = self._database.tables
        await tables.versions.bulk_create(
            [tables.versions(campaign_id=stored.id, **_columns(stored)) for stored in campaigns]
        )
        await tables.campaigns.bulk_create(
            [tables.campaigns(id=stored.id, **_columns(stored)) for stored in campaigns],
            on_conflict=["id"],
            update_fields=_HEAD_FIELDS,
        )


def stored_campaign(row: CampaignRow | CampaignVersionRow) -> StoredCampaign:
    """Return the record of a campaign row; raise `DocumentError` when its document no longer validates."""
    campaign_id = row.id if isinstance(row, CampaignRow) else row.campaign_id
    try:
        document = parse_campaign(row.document)
    except DocumentError as error:
        raise DocumentError(f"stored campaign {campaign_id!r} version {row.version}", error.errors) from None
    status = Status(row.status)
    if document.status is not status:
        document = document.model_copy(update={"status": status})
    return StoredCampaign(
        document=document,
        status=status,
        version=row.version,
        catalog_version=row.catalog_version,
        created_at=row.written_at,
        author=row.author,
    )


def _next_version(
    document: Campaign, status: Status, head: CampaignRow | None, *, catalog_version: int, author: str | None
) -> StoredCampaign:
    if head is not None:
        check_transition(document.id, Status(head.status), status)
    return StoredCampaign(
        document=document.model_copy(update={"status": status}),
        status=status,
        version=1 if head is None else head.version + 1,
        catalog_version=catalog_version,
        created_at=datetime.now(UTC),
        author=author,
    )


def _columns(stored: StoredCampaign) -> dict[str, object]:
    return {
        "status": stored.status.value,
        "version": stored.version,
        "catalog_version": stored.catalog_version,
        "document": stored.document.model_dump(mode="json"),
        "author": stored.author,
        "written_at": stored.created_at,
    }


def _duplicate_ids(documents: Sequence[Campaign]) -> Iterable[FieldError]:
    first: dict[str, int] = {}
    for index, document in enumerate(documents):
        if document.id in first:
            yield FieldError(f"/{index}/id", f"campaign id {document.id!r} is also used by /{first[document.id]}")
        first.setdefault(document.id, index)
