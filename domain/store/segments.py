"""Segments: static (named lists of customers) and dynamic (the customers a rule matches, recomputed when a
customer changes, in bulk on demand, and by the sweeper as time passes)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import UTC, datetime

from tortoise.expressions import Subquery

from domain.documents.catalog import Segment
from domain.segments import MembershipChanges, SegmentRule
from domain.store import membership
from domain.store.database import Database
from domain.store.errors import DynamicSegment, NotFound
from domain.store.fields import fits
from domain.store.models import SegmentRow
from domain.store.tables import Tables

CHUNK = 2000


class Segments:
    """Segment changes do not bump the catalog version; membership changes bump the membership version."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def upsert(self, segment: Segment) -> Segment:
        """Store the segment; a new or changed rule recomputes its membership over every customer (a segment
        that becomes static keeps the members it has)."""
        rows = self._database.tables.segments
        rule = None if segment.rule is None else segment.rule.model_dump(mode="json")
        with self._database.active():
            before = await rows.get_or_none(id=segment.id)
            row = rows(id=segment.id, name=segment.name, description=segment.description, rule=rule)
            await rows.bulk_create([row], on_conflict=["id"], update_fields=["name", "description", "rule"])
        if segment.rule is not None and (before is None or before.rule != rule):
            await self.recompute(segment.id)
        return segment

    async def get(self, segment_id: str) -> Segment | None:
        if not fits(self._database.tables.segments, id=segment_id):
            return None
        with self._database.active():
            row = await self._database.tables.segments.get_or_none(id=segment_id)
        return None if row is None else _segment(row)

    async def list(self) -> builtins.list[Segment]:
        """Return every segment, by id."""
        with self._database.active():
            rows = await self._database.tables.segments.all().order_by("id")
        return [_segment(row) for row in rows]

    async def add_members(self, segment_id: str, customer_ids: Iterable[str]) -> int:
        """Add customers to a static segment and return how many were not in it yet; raise `NotFound` for an
        unknown segment and `DynamicSegment` for a dynamic one."""
        wanted = set(customer_ids)
        tables = self._database.tables
        added = 0
        with self._database.active():
            async with self._database.transaction():
                await self._require_static(segment_id)
                for chunk in _chunks(sorted(wanted)):
                    present = await tables.members.filter(segment_id=segment_id, customer_id__in=chunk).values_list(
                        "customer_id", flat=True
                    )
                    new = sorted(set(chunk) - {str(customer_id) for customer_id in present})
                    rows = [tables.members(segment_id=segment_id, customer_id=customer_id) for customer_id in new]
                    await tables.members.bulk_create(rows, ignore_conflicts=True)
                    if new:
                        await membership.changed(tables, new)
                    added += len(new)
        return added

    async def remove_members(self, segment_id: str, customer_ids: Iterable[str]) -> int:
        """Remove customers from a static segment and return how many were in it."""
        tables = self._database.tables
        removed = 0
        with self._database.active():
            async with self._database.transaction():
                await self._require_static(segment_id)
                for chunk in _chunks(sorted(set(customer_ids))):
                    present = await tables.members.filter(segment_id=segment_id, customer_id__in=chunk).values_list(
                        "customer_id", flat=True
                    )
                    leaving = sorted(str(customer_id) for customer_id in present)
                    if leaving:
                        await tables.members.filter(segment_id=segment_id, customer_id__in=leaving).delete()
                        await membership.changed(tables, leaving)
                    removed += len(leaving)
        return removed

    async def members(
        self, segment_id: str, *, after: str | None = None, limit: int | None = None
    ) -> builtins.list[str]:
        """Return the segment's customer ids, sorted (after `after`, at most `limit`)."""
        if not fits(self._database.tables.segments, id=segment_id):
            return []
        with self._database.active():
            query = self._database.tables.members.filter(segment_id=segment_id)
            if after is not None:
                query = query.filter(customer_id__gt=after)
            query = query.order_by("customer_id")
            if limit is not None:
                query = query.limit(limit)
            found = await query.values_list("customer_id", flat=True)
        return [str(customer_id) for customer_id in found]

    async def size(self, segment_id: str) -> int:
        if not fits(self._database.tables.segments, id=segment_id):
            return 0
        with self._database.active():
            return await self._database.tables.members.filter(segment_id=segment_id).count()

    async def of_customer(self, customer_id: str) -> builtins.list[str]:
        """Return the ids of the segments the customer is in, sorted."""
        if not fits(self._database.tables.customers, id=customer_id):
            return []
        with self._database.active():
            return await segments_of(self._database.tables, customer_id)

    async def recompute(self, segment_id: str | None = None, *, now: datetime | None = None) -> int:
        """Recompute the membership of one dynamic segment (or all) over every customer at `now`, a chunk of
        customers per transaction; return how many memberships were added or removed. Raise `NotFound` for
        an unknown segment id; a static segment has nothing to recompute."""
        tables = self._database.tables
        moment = now or datetime.now(UTC)
        with self._database.active():
            rules = await membership.dynamic_rules(tables)
            if segment_id is not None:
                if not fits(tables.segments, id=segment_id) or not await tables.segments.exists(id=segment_id):
                    raise NotFound("segment", segment_id)
                rules = {key: rule for key, rule in rules.items() if key == segment_id}
            if not rules:
                return 0
            moved = await self._drop_unknown(rules)
            after: str | None = None
            while True:
                query = tables.customers.all() if after is None else tables.customers.filter(id__gt=after)
                ids = [str(key) for key in await query.order_by("id").limit(CHUNK).values_list("id", flat=True)]
                if not ids:
                    return moved
                async with self._database.transaction():
                    moved += await membership.refresh(tables, ids, now=moment, rules=rules)
                after = ids[-1]

    async def membership_version(self) -> int:
        """Return the membership version (bumped with every membership change)."""
        with self._database.active():
            return await membership.membership_version(self._database.tables)

    async def membership_since(self, version: int | None) -> MembershipChanges:
        """Return every customer's segments (None), or those of the customers changed after `version`."""
        with self._database.active():
            return await membership.membership_since(self._database.tables, version)

    async def _drop_unknown(self, rules: dict[str, SegmentRule]) -> int:
        """Remove members of these dynamic segments who are not customers (listed while static)."""
        tables = self._database.tables
        async with self._database.transaction():
            strays = tables.members.filter(segment_id__in=sorted(rules)).exclude(
                customer_id__in=Subquery(tables.customers.all().values("id"))
            )
            found = await strays.values_list("id", "customer_id")
            if not found:
                return 0
            await tables.members.filter(id__in=[row_id for row_id, _ in found]).delete()
            await membership.changed(tables, {str(customer_id) for _, customer_id in found})
        return len(found)

    async def _require_static(self, segment_id: str) -> None:
        if not fits(self._database.tables.segments, id=segment_id):  # longer than any stored id
            raise NotFound("segment", segment_id)
        row = await self._database.tables.segments.get_or_none(id=segment_id)
        if row is None:
            raise NotFound("segment", segment_id)
        if row.rule is not None:
            raise DynamicSegment(segment_id)


async def segments_of(tables: Tables, customer_id: str) -> list[str]:
    return sorted(row.segment_id for row in await tables.members.filter(customer_id=customer_id))


def _segment(row: SegmentRow) -> Segment:
    rule = None if row.rule is None else SegmentRule.model_validate(row.rule)
    return Segment(id=row.id, name=row.name, description=row.description, rule=rule)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
