"""The people of the admin graph, each known by the subject of their JWT, with one role."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.access import AdminUser, Role
from domain.store.database import Database
from domain.store.errors import NotFound
from domain.store.fields import fits
from domain.store.models import UserRow


class Users:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def put(self, user: AdminUser) -> AdminUser:
        """Create the user, or change their email, role and whether they are disabled."""
        rows = self._database.tables.users
        with self._database.active():
            async with self._database.transaction():
                row = rows(
                    subject=user.subject,
                    email=user.email,
                    role=user.role.value,
                    disabled=user.disabled,
                    created_at=datetime.now(UTC),
                )
                await rows.bulk_create([row], on_conflict=["subject"], update_fields=["email", "role", "disabled"])
        return user

    async def get(self, subject: str) -> AdminUser | None:
        if not fits(self._database.tables.users, subject=subject):
            return None
        with self._database.active():
            row = await self._database.tables.users.get_or_none(subject=subject)
        return None if row is None else _user(row)

    async def require(self, subject: str) -> AdminUser:
        user = await self.get(subject)
        if user is None:
            raise NotFound("user", subject)
        return user

    async def list(self) -> list[AdminUser]:
        with self._database.active():
            rows = await self._database.tables.users.all().order_by("subject")
        return [_user(row) for row in rows]


def _user(row: UserRow) -> AdminUser:
    return AdminUser(subject=row.subject, role=Role(row.role), email=row.email, disabled=row.disabled)
