"""Static segments: named lists of customers."""

from __future__ import annotations

from collections.abc import Iterable

from domain.documents.catalog import Segment
from domain.store.database import Database
from domain.store.errors import NotFound
from domain.store.fields import fits
from domain.store.tables import Tables


class Segments:
    """Segment changes do not bump the catalog version."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def upsert(self, segment: Segment) -> Segment:
        rows = self._database.tables.segments
        with self._database.active():
            row = rows(id=segment.id, name=segment.name, description=segment.description)
            await rows.bulk_create([row], on_conflict=["id"], update_fields=["name", "description"])
        return segment

    async def get(self, segment_id: str) -> Segment | None:
        if not fits(self._database.tables.segments, id=segment_id):
            return None
        with self._database.active():
            row = await self._database.tables.segments.get_or_none(id=segment_id)
        return None if row is None else Segment(id=row.id, name=row.name, description=row.description)

    async def add_members(self, segment_id: str, customer_ids: Iterable[str]) -> int:
        """Add customers to the segment and return how many were not in it yet; raise `NotFound` for an
        unknown segment."""
        wanted = set(customer_ids)
        members = self._database.tables.members
        with self._database.active():
            async with self._database.transaction():
                await self._require(segment_id)
                present = await members.filter(segment_id=segment_id, customer_id__in=sorted(wanted))
                new = sorted(wanted - {row.customer_id for row in present})
                rows = [members(segment_id=segment_id, customer_id=customer_id) for customer_id in new]
                await members.bulk_create(rows, ignore_conflicts=True)
        return len(new)

    async def remove_members(self, segment_id: str, customer_ids: Iterable[str]) -> int:
        """Remove customers from the segment and return how many were in it."""
        wanted = sorted(set(customer_ids))
        with self._database.active():
            return await self._database.tables.members.filter(segment_id=segment_id, customer_id__in=wanted).delete()

    async def members(self, segment_id: str) -> list[str]:
        """Return the segment's customer ids, sorted."""
        with self._database.active():
            rows = await self._database.tables.members.filter(segment_id=segment_id)
        return sorted(row.customer_id for row in rows)

    async def of_customer(self, customer_id: str) -> list[str]:
        """Return the ids of the segments the customer is in, sorted."""
        with self._database.active():
            return await segments_of(self._database.tables, customer_id)

    async def _require(self, segment_id: str) -> None:
        if not await self._database.tables.segments.exists(id=segment_id):
            raise NotFound("segment", segment_id)


async def segments_of(tables: Tables, customer_id: str) -> list[str]:
    return sorted(row.segment_id for row in await tables.members.filter(customer_id=customer_id))
