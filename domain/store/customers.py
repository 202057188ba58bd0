"""Customers: profile, attributes and order statistics (their static segments live in `segments.py`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tortoise.expressions import CombinedExpression, F, Q

from domain.documents.catalog import CustomerProfile
from domain.store.database import Database
from domain.store.fields import fits, utc
from domain.store.models import CustomerRow
from domain.store.segments import segments_of

_PROFILE_FIELDS = ("name", "email", "country", "city", "attributes", "orders_count", "total_spent", "last_order_at")


class Customers:
    """Customer changes do not bump the catalog version."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def upsert(self, profile: CustomerProfile) -> CustomerProfile:
        """Store the profile (all but `segments`, which come from segment membership) and return it as stored."""
        rows = self._database.tables.customers
        with self._database.active():
            columns = profile.model_dump(include=set(_PROFILE_FIELDS)) | {"last_order_at": utc(profile.last_order_at)}
            row = rows(id=profile.id, **columns)
            await rows.bulk_create([row], on_conflict=["id"], update_fields=_PROFILE_FIELDS)
        return await self._read(profile.id)

    async def get(self, customer_id: str) -> CustomerProfile | None:
        """Return the profile with its static segments (sorted), or None."""
        if not fits(self._database.tables.customers, id=customer_id):
            return None
        with self._database.active():
            row = await self._database.tables.customers.get_or_none(id=customer_id)
            return None if row is None else await self._profile(row)

    async def record_order(self, customer_id: str, *, total: Decimal, at: datetime) -> CustomerProfile:
        """Count an order of `total` placed `at` (creating an unknown customer) and return the profile.
        Concurrent calls add up: the statistics are updated in place, from the stored values."""
        rows = self._database.tables.customers
        when = utc(at)
        with self._database.active():
            async with self._database.transaction():
                await rows.bulk_create([rows(id=customer_id)], ignore_conflicts=True)
                await rows.filter(id=customer_id).update(
                    orders_count=F("orders_count") + 1, total_spent=await self._added(customer_id, total)
                )
                later = Q(last_order_at__isnull=True) | Q(last_order_at__lt=when)
                await rows.filter(later, id=customer_id).update(last_order_at=when)
                return await self._profile(await rows.get(id=customer_id))

    async def _added(self, customer_id: str, total: Decimal) -> CombinedExpression | Decimal:
        """PostgreSQL adds NUMERIC exactly in the UPDATE itself; SQLite keeps decimals as text and would add
        them as binary floats, so there the sum is computed here (its writers are serialized anyway)."""
        if self._database.tables.dialect == "postgres":
            return F("total_spent") + total
        return (await self._database.tables.customers.get(id=customer_id)).total_spent + total

    async def _read(self, customer_id: str) -> CustomerProfile:
        with self._database.active():
            return await self._profile(await self._database.tables.customers.get(id=customer_id))

    async def _profile(self, row: CustomerRow) -> CustomerProfile:
        return CustomerProfile(
            id=row.id,
            name=row.name,
            email=row.email,
            country=row.country,
            city=row.city,
            attributes=row.attributes,
            segments=await segments_of(self._database.tables, row.id),
            orders_count=row.orders_count,
            total_spent=row.total_spent,
            last_order_at=row.last_order_at,
        )
