"""Batches of generated codes as jobs that survive in their rows: created PENDING, claimed by a runner for a
lease it renews, filled chunk by chunk (each chunk one transaction and one catalog version, the batch's
`done` counted in it), then DONE or FAILED with a report."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tortoise.connection import get_connections
from tortoise.expressions import Q

from domain.code_batches import BATCH_PREFIX, BatchReport, BatchRequest, BatchStatus, CodeBatch
from domain.store.database import Database
from domain.store.errors import NotFound
from domain.store.fields import utc
from domain.store.models import CodeBatchRow

_INSERT = {
    "postgres": (
        # WITH first: Tortoise reads the count of a statement starting with INSERT from the wrong word
        "WITH drawn AS (SELECT unnest($1::text[]) AS code)"
        " INSERT INTO coupon_code (code, campaign_id, customer_id, max_uses, once_per_customer, starts_at,"
        " expires_at, active, catalog_version, batch_id)"
        " SELECT code, $2, NULL, $3::int, $4, $5::timestamptz, $6::timestamptz, TRUE, $7, $8"
        " FROM drawn ON CONFLICT (code) DO NOTHING RETURNING 1"
    ),
    "sqlite": (
        "INSERT INTO coupon_code (code, campaign_id, customer_id, max_uses, once_per_customer, starts_at,"
        " expires_at, active, catalog_version, batch_id)"
        " SELECT value, ?, NULL, ?, ?, ?, ?, 1, ?, ? FROM json_each(?) WHERE true ON CONFLICT (code) DO NOTHING"
    ),
}
"""One statement per chunk; a code taken already is skipped (and drawn again by the runner)."""


class CodeBatches:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def create(self, request: BatchRequest, *, created_by: str, batch_id: str | None = None) -> CodeBatch:
        """Write a PENDING batch (under `batch_id`, from `new_batch_id()`, or a new one) and return it; raise
        `NotFound` for an unknown campaign. The request must be valid (`request.problems()` empty)."""
        tables = self._database.tables
        row = tables.code_batches(
            id=batch_id or new_batch_id(),
            campaign_id=request.campaign_id,
            status=BatchStatus.PENDING.value,
            requested=request.count,
            done=0,
            spec=request.document(),
            report=None,
            created_by=created_by,
            created_at=datetime.now(UTC),
        )
        with self._database.active():
            async with self._database.transaction():
                if not await tables.campaigns.filter(id=request.campaign_id).exists():
                    raise NotFound("campaign", request.campaign_id)
                await row.save(force_create=True)
        return _batch(row)

    async def get(self, batch_id: str) -> CodeBatch | None:
        with self._database.active():
            row = await self._database.tables.code_batches.get_or_none(id=batch_id[:40])
        return None if row is None else _batch(row)

    async def claim(self, *, lease: timedelta, now: datetime | None = None) -> CodeBatch | None:
        """Take the oldest batch that is PENDING, or RUNNING with its lease run out (its runner stopped), for
        `lease`; return it RUNNING, or None when there is none."""
        moment = now or datetime.now(UTC)
        rows = self._database.tables.code_batches
        waiting = Q(status=BatchStatus.PENDING.value) | (
            Q(status=BatchStatus.RUNNING.value) & (Q(lease_until__isnull=True) | Q(lease_until__lt=moment))
        )
        with self._database.active():
            for candidate in await rows.filter(waiting).order_by("created_at", "id").limit(5):
                taken = await rows.filter(Q(id=candidate.id) & waiting).update(
                    status=BatchStatus.RUNNING.value,
                    started_at=candidate.started_at or moment,
                    lease_until=moment + lease,
                )
                if taken:
                    return _batch(await rows.get(id=candidate.id))
        return None

    async def store_chunk(self, batch_id: str, codes: Sequence[str], *, lease: timedelta) -> CodeBatch:
        """Store the codes not taken yet (up to what the batch still lacks) in one transaction that bumps the
        catalog version once, count them in `done`, renew the lease; return the batch."""
        tables = self._database.tables
        rows = tables.code_batches
        async with self._database.catalog_change() as catalog_version:
            row = await rows.get(id=batch_id)
            request = BatchRequest.of(row.spec)
            wanted = list(codes[: max(0, row.requested - row.done)])
            stored = await self._insert(request, wanted, catalog_version, batch_id) if wanted else 0
            row.done += stored
            row.lease_until = datetime.now(UTC) + lease
            await row.save(update_fields=["done", "lease_until"])
        return _batch(row)

    async def finish(self, batch_id: str, status: BatchStatus, report: BatchReport) -> CodeBatch:
        """Close the batch DONE or FAILED with its report."""
        rows = self._database.tables.code_batches
        with self._database.active():
            await rows.filter(id=batch_id).update(
                status=status.value, report=report.document(), finished_at=datetime.now(UTC), lease_until=None
            )
            return _batch(await rows.get(id=batch_id))

    async def pause(self, batch_id: str, report: BatchReport) -> None:
        """Give the batch up for now (the runner stops): still RUNNING, its lease ended, so the next runner
        resumes it at once."""
        with self._database.active():
            await self._database.tables.code_batches.filter(id=batch_id).update(
                report=report.document(), lease_until=None
            )

    async def _insert(self, request: BatchRequest, codes: list[str], catalog_version: int, batch_id: str) -> int:
        dialect = self._database.tables.dialect
        client = get_connections().get(self._database.tables.connection)
        terms = request.terms
        starts_at, expires_at = utc(terms.starts_at), utc(terms.expires_at)
        if dialect == "postgres":
            values: list[object] = [codes, request.campaign_id, terms.max_uses, terms.once_per_customer]
            values += [starts_at, expires_at, catalog_version, batch_id]
        else:
            values = [request.campaign_id, terms.max_uses, int(terms.once_per_customer), starts_at, expires_at]
            values += [catalog_version, batch_id, json.dumps(codes)]
        stored, _ = await client.execute_query(_INSERT[dialect], values)
        return stored


def new_batch_id() -> str:
    return BATCH_PREFIX + secrets.token_hex(8)


def _batch(row: CodeBatchRow) -> CodeBatch:
    created_at = utc(row.created_at)
    assert created_at is not None
    return CodeBatch(
        id=row.id,
        request=BatchRequest.of(row.spec),
        status=BatchStatus(row.status),
        done=row.done,
        created_by=row.created_by,
        created_at=created_at,
        started_at=utc(row.started_at),
        finished_at=utc(row.finished_at),
        report=BatchReport.of(row.report),
    )
