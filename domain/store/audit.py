"""The audit log (append-only in the database itself: triggers refuse updates and deletes).

An entry is written in the same transaction as the change it describes: `recording(entry)` makes it
pending for the code inside, and the first transaction that commits in there writes it (or `recording`
writes it on the way out when nothing inside wrote anything)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.audit import AuditEntry
from domain.store.fields import fits, utc
from domain.store.models import AuditRow

if TYPE_CHECKING:
    from domain.store.database import Database
    from domain.store.tables import Tables


@dataclass(slots=True)
class _Pending:
    entry: AuditEntry
    written: bool = False


_PENDING: ContextVar[_Pending | None] = ContextVar("kampanya_audit_pending", default=None)


async def write_pending(tables: Tables) -> None:
    """Write the pending audit entry, if any and not written yet (inside the current transaction)."""
    pending = _PENDING.get()
    if pending is not None and not pending.written:
        entry = pending.entry
        await tables.audit.create(
            at=entry.at,
            actor=entry.actor,
            role=entry.role,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            before=entry.before,
            after=entry.after,
            request_id=entry.request_id,
        )
        pending.written = True


class Audit:
    def __init__(self, database: Database) -> None:
        self._database = database

    @asynccontextmanager
    async def recording(self, entry: AuditEntry) -> AsyncIterator[None]:
        """Write `entry` with the first transaction of the code inside; nothing when that code raises."""
        token = _PENDING.set(_Pending(entry))
        try:
            yield
            pending = _PENDING.get()
            if pending is not None and not pending.written:
                with self._database.active():
                    async with self._database.transaction():
                        pass
        finally:
            _PENDING.reset(token)

    async def entries(
        self,
        *,
        actor: str | None = None,
        target_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Return entries newest first, filtered by actor, target, time range (`until` exclusive), and
        older than `before_id` (to page)."""
        if not fits(self._database.tables.audit, actor=actor, target_id=target_id):
            return []  # a value longer than its column matches no entry
        with self._database.active():
            query = self._database.tables.audit.all()
            if actor is not None:
                query = query.filter(actor=actor)
            if target_id is not None:
                query = query.filter(target_id=target_id)
            if since is not None:
                query = query.filter(at__gte=since)
            if until is not None:
                query = query.filter(at__lt=until)
            if before_id is not None:
                query = query.filter(id__lt=before_id)
            rows = await query.order_by("-id").limit(limit)
        return [_entry(row) for row in rows]


def _entry(row: AuditRow) -> AuditEntry:
    at = utc(row.at)
    assert at is not None
    return AuditEntry(
        actor=row.actor,
        role=row.role,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        before=row.before,
        after=row.after,
        request_id=row.request_id,
        at=at,
        id=row.id,
    )
