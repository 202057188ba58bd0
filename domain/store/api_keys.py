"""API keys of the admin graph. A key reads `kmp_<id>_<secret>`; only the SHA-256 of the secret is kept
(the secret is 32 random bytes, so a fast hash is enough), compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from domain.access import ApiKey, Role
from domain.store.database import Database
from domain.store.errors import NotFound
from domain.store.fields import fits, utc
from domain.store.models import ApiKeyRow

PREFIX = "kmp"


class ApiKeys:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def create(self, name: str, role: Role, *, created_by: str, key_id: str | None = None) -> tuple[ApiKey, str]:
        """Return the new key (its id `key_id`, or a new one) and its full secret text (shown once)."""
        key_id, secret = key_id or new_key_id(), secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._database.active():
            async with self._database.transaction():
                row = await self._database.tables.api_keys.create(
                    id=key_id,
                    name=name,
                    role=role.value,
                    secret_hash=_digest(secret),
                    created_by=created_by,
                    created_at=now,
                )
        return _key(row), f"{PREFIX}_{key_id}_{secret}"

    async def verify(self, presented: str) -> ApiKey | None:
        """Return the key `presented` names if its secret matches and it is not revoked, else None."""
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or not fits(self._database.tables.api_keys, id=parts[1]):
            return None
        with self._database.active():
            row = await self._database.tables.api_keys.get_or_none(id=parts[1])
        if row is None or row.revoked_at is not None:
            return None
        return _key(row) if hmac.compare_digest(row.secret_hash, _digest(parts[2])) else None

    async def revoke(self, key_id: str) -> ApiKey:
        """Revoke the key (revoking it again changes nothing)."""
        rows = self._database.tables.api_keys
        if not fits(rows, id=key_id):
            raise NotFound("API key", key_id)
        with self._database.active():
            async with self._database.transaction():
                row = await rows.get_or_none(id=key_id)
                if row is None:
                    raise NotFound("API key", key_id)  # nothing is written (nor audited)
                if row.revoked_at is None:
                    await rows.filter(id=key_id).update(revoked_at=datetime.now(UTC))
                    row = await rows.get(id=key_id)
        return _key(row)

    async def list(self) -> list[ApiKey]:
        with self._database.active():
            rows = await self._database.tables.api_keys.all().order_by("created_at")
        return [_key(row) for row in rows]


def new_key_id() -> str:
    return secrets.token_hex(8)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(row: ApiKeyRow) -> ApiKey:
    created = utc(row.created_at)
    assert created is not None
    return ApiKey(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        created_by=row.created_by,
        created_at=created,
        revoked_at=utc(row.revoked_at),
    )
