"""Customers: profile, consents, attributes and order statistics (their segments live in `segments.py`), the
orders they placed, and bulk imports. Every change recomputes the customer's dynamic segments in its own
transaction."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.connection import get_connections
from tortoise.expressions import F, Q

from domain.customers import PlacedOrder
from domain.documents.catalog import Consents, CustomerProfile
from domain.imports import ImportReport, Reporter, Row, RowError
from domain.money import currency_of, from_minor
from domain.segments import CustomerFacts, SegmentRule
from domain.store import membership
from domain.store.database import Database
from domain.store.fields import fits, json_text, utc
from domain.store.models import CustomerRow, PlacedOrderRow
from domain.store.segments import segments_of
from domain.store.tables import Tables
from domain.store.write_behind import WriteBehind

PROFILE_FIELDS = (
    "name",
    "email",
    "phone",
    "country",
    "city",
    "postal_code",
    "created_at",
    "consents",
    "attributes",
    "orders_count",
    "total_spent",
    "last_order_at",
    "last_order_total",
)
BATCH = 5000


class Customers:
    """Customer changes do not bump the catalog version; membership changes bump the membership version."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def upsert(self, profile: CustomerProfile, *, given: Collection[str] | None = None) -> CustomerProfile:
        """Store the profile (all but `segments`, which come from segment membership; of a stored customer
        only the fields `given`, default all) and return it as stored."""
        with self._database.active():
            async with self._database.transaction():
                await self._write([(profile, _fields(profile, given))])
                await membership.refresh(self._database.tables, [profile.id], now=datetime.now(UTC))
            return await self._read(profile.id)

    async def import_rows(
        self, rows: Iterable[Row[CustomerProfile] | list[RowError]], *, noted: dict[str, Any] | None = None
    ) -> ImportReport:
        """Store every valid row and report the others; the good rows are written in one transaction (all of
        them or, when the database fails, none), in batches as they are read. The counts go into `noted` (an
        audit entry's `after`) before the transaction commits."""
        reporter = Reporter()
        batch: list[tuple[CustomerProfile, tuple[str, ...]]] = []
        with self._database.active():
            async with self._database.transaction():
                rules = await membership.dynamic_rules(self._database.tables)
                writer = WriteBehind[tuple[CustomerProfile, tuple[str, ...]]](lambda rows: self._flush(rows, rules))
                try:
                    for item in rows:
                        row = reporter.take(item)
                        if row is None:
                            continue
                        batch.append((row.document, _fields(row.document, row.given)))
                        await writer.turn(len(batch))
                        if len(batch) >= BATCH:
                            await writer.send(batch)
                            batch = []
                    await writer.send(batch)
                    stored = await writer.wait()
                finally:
                    await writer.settle()
                report = reporter.report(stored)
                if noted is not None:
                    noted.update(rows=report.rows, stored=report.stored, rejected=report.rejected)
        return report

    async def get(self, customer_id: str) -> CustomerProfile | None:
        """Return the profile with its segments (sorted), or None."""
        if not fits(self._database.tables.customers, id=customer_id):
            return None
        with self._database.active():
            row = await self._database.tables.customers.get_or_none(id=customer_id)
            return None if row is None else await self._profile(row)

    async def record_order(self, customer_id: str, *, total: Decimal, at: datetime) -> CustomerProfile:
        """Count an order of `total` placed `at` (creating an unknown customer) and return the profile.
        Concurrent calls add up: the statistics are updated in place, from the stored values."""
        with self._database.active():
            async with self._database.transaction():
                await count_order(self._database.tables, customer_id, total=total, at=at)
            return await self._read(customer_id)

    async def place(self, order: PlacedOrder) -> bool:
        """Record an order the customer placed and count it in their statistics, once per order id; return
        whether it was new."""
        with self._database.active():
            async with self._database.transaction():
                return await place_order(self._database.tables, order)

    async def placed_orders(self, customer_id: str, *, limit: int = 50) -> list[PlacedOrder]:
        """Return the customer's placed orders, newest first."""
        with self._database.active():
            rows = (
                await self._database.tables.placed_orders.filter(customer_id=customer_id).order_by("-at").limit(limit)
            )
        return [placed_order(row) for row in rows]

    async def ids(self, *, after: str | None = None, limit: int = BATCH) -> list[str]:
        """Return customer ids in order, after `after`."""
        with self._database.active():
            query = self._database.tables.customers.all()
            if after is not None:
                query = query.filter(id__gt=after)
            found = await query.order_by("id").limit(limit).values_list("id", flat=True)
        return [str(customer_id) for customer_id in found]

    async def _flush(self, batch: list[tuple[CustomerProfile, tuple[str, ...]]], rules: dict[str, SegmentRule]) -> int:
        inserted = await self._write(batch)
        ids = [profile.id for profile, _ in batch]
        known = {profile.id: CustomerFacts.of(profile) for profile, _ in batch if profile.id in inserted}
        await membership.refresh(self._database.tables, ids, now=datetime.now(UTC), rules=rules, known=known)
        return len(batch)

    async def _write(self, profiles: Sequence[tuple[CustomerProfile, tuple[str, ...]]]) -> set[str]:
        """Store the profiles; return the ids of those that were new, as far as the dialect tells (PostgreSQL)."""
        rows = self._database.tables.customers
        if self._database.tables.dialect == "postgres":
            return await _write_postgres(rows, profiles)
        by_fields: dict[tuple[str, ...], list[CustomerRow]] = {}
        for profile, fields in profiles:
            by_fields.setdefault(fields, []).append(rows(id=profile.id, **_columns(profile)))
        for fields, group in by_fields.items():
            if fields:
                await rows.bulk_create(group, on_conflict=["id"], update_fields=list(fields))
            else:
                await rows.bulk_create(group, ignore_conflicts=True)
        return set()

    async def _read(self, customer_id: str) -> CustomerProfile:
        return await self._profile(await self._database.tables.customers.get(id=customer_id))

    async def _profile(self, row: CustomerRow) -> CustomerProfile:
        return profile_of(row, await segments_of(self._database.tables, row.id))


_COLUMNS = ("id", *PROFILE_FIELDS)


_TYPES = {"created_at": "timestamptz", "last_order_at": "timestamptz", "orders_count": "int"}
_TYPES |= {"total_spent": "numeric", "last_order_total": "numeric", "consents": "jsonb", "attributes": "jsonb"}
_NOT_STORED = {"segments"}
"""Each profile goes as its JSON document (amounts as exact decimal text, moments with their offset)."""
_RECORD = ", ".join(f'"{name}" {_TYPES.get(name, "text")}' for name in _COLUMNS)


async def _write_postgres(
    rows: type[CustomerRow], profiles: Sequence[tuple[CustomerProfile, tuple[str, ...]]]
) -> set[str]:
    """One INSERT … ON CONFLICT per set of fields given, its rows sent as one JSON array the server takes
    apart (Tortoise's bulk_create builds a model instance per row, executemany runs the statement once per
    row, arrays per column are encoded value by value: all several times slower on large imports). Return
    the ids of the customers inserted (not updated)."""
    by_fields: dict[tuple[str, ...], list[str]] = {}
    for profile, fields in profiles:
        by_fields.setdefault(fields, []).append(profile.model_dump_json(exclude=_NOT_STORED))
    table = rows._meta.db_table
    names = ", ".join(f'"{name}"' for name in _COLUMNS)
    inserted: set[str] = set()
    for fields, batch in by_fields.items():
        update = ", ".join(f'"{name}" = EXCLUDED."{name}"' for name in fields)
        conflict = f"DO UPDATE SET {update}" if fields else "DO NOTHING"
        # WITH first: Tortoise returns the rows of a statement only when it does not start with INSERT
        sql = (
            f"WITH given AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS given ({_RECORD}))"
            f' INSERT INTO "{table}" ({names}) SELECT {names} FROM given ON CONFLICT ("id") {conflict}'
            " RETURNING id, xmax = 0"  # xmax is 0 in a row version an INSERT made, set when an UPDATE did
        )
        _, written = await rows._meta.db.execute_query(sql, ["[" + ",".join(batch) + "]"])
        inserted.update(customer_id for customer_id, new in written if new)
    return inserted


def profile_of(row: CustomerRow, segments: list[str]) -> CustomerProfile:
    return CustomerProfile(
        id=row.id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        country=row.country,
        city=row.city,
        postal_code=row.postal_code,
        created_at=row.created_at,
        consents=Consents.model_validate(row.consents or {}),
        attributes=row.attributes,
        segments=segments,
        orders_count=row.orders_count,
        total_spent=row.total_spent,
        last_order_at=row.last_order_at,
        last_order_total=row.last_order_total,
    )


_COUNTING = (
    ' ON CONFLICT ("id") DO UPDATE SET'
    ' "orders_count" = "customer"."orders_count" + 1,'
    ' "total_spent" = "customer"."total_spent" + EXCLUDED."total_spent",'
    ' "last_order_at" = CASE WHEN "customer"."last_order_at" IS NULL OR "customer"."last_order_at" < {at}'
    ' THEN {at} ELSE "customer"."last_order_at" END,'
    ' "last_order_total" = CASE WHEN "customer"."last_order_at" IS NULL OR "customer"."last_order_at" < {at}'
    ' THEN {total} ELSE "customer"."last_order_total" END'
)
_CUSTOMER_COLUMNS = '"id", "attributes", "orders_count", "total_spent", "last_order_at", "last_order_total"'

_COUNTED = f"INSERT INTO \"customer\" ({_CUSTOMER_COLUMNS}) VALUES ($1, '{{}}', 1, $2, $3, $2)" + _COUNTING.format(
    total="$2", at="$3"
)
"""PostgreSQL: add an order to a customer's statistics, creating an unknown customer, in one statement (the
right-hand sides of the update all read the row as it was, so both CASEs compare the previous last order);
NUMERIC adds exactly in SQL."""

_PLACED = (
    '"placed" AS (INSERT INTO "placed_order" ("order_id", "customer_id", "channel", "currency", "total",'
    ' "discount", "at", "campaign_ids") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)'
    ' ON CONFLICT ("order_id") DO NOTHING RETURNING "customer_id")'
)
_COUNT_PLACED = (
    f'"counted" AS (INSERT INTO "customer" ({_CUSTOMER_COLUMNS})'
    ' SELECT "customer_id", \'{}\'::jsonb, 1, $9::numeric, $7::timestamptz, $9::numeric FROM "placed"'
    + _COUNTING.format(total="$9::numeric", at="$7::timestamptz")
    + ' RETURNING "id")'
)


def placing_statement(before: str = "") -> str:
    """PostgreSQL: one statement that records a placed order ($1-$8; $9 its total as a decimal) unless its id
    was recorded before and, if it was new, adds it to its customer's statistics as `_COUNTED` does, and reads
    the rules of the dynamic segments (which the new order may change) — one row: whether the order was new,
    and the rules. `before`: more data-modifying CTEs to run in the same statement (their own parameters
    from $10)."""
    ctes = ", ".join(part for part in (before, _PLACED, _COUNT_PLACED) if part)
    return f'WITH {ctes} SELECT (SELECT count(*) FROM "counted") AS "new", {membership.RULES} AS "rules"'


async def place_order(
    tables: Tables, order: PlacedOrder, *, before: str = "", before_values: Sequence[object] = ()
) -> bool:
    """Record `order` and count it, unless its id was recorded before (inside a transaction); return
    whether it was new. On PostgreSQL, `before` and `before_values` add work to the same statement
    (`placing_statement`)."""
    if tables.dialect == "postgres":
        client = get_connections().get(tables.connection)
        values: list[object] = [order.order_id, order.customer_id, order.channel, order.currency, order.total_minor]
        values += [order.discount_minor, utc(order.at), json_text(list(order.campaign_ids)), order.total]
        [answer] = await client.execute_query_dict(placing_statement(before), [*values, *before_values])
        if not answer["new"]:
            return False
        rules = membership.rules_of(answer["rules"])
        await membership.refresh(tables, [order.customer_id], now=datetime.now(UTC), rules=rules)
        return True
    row = tables.placed_orders(
        order_id=order.order_id,
        customer_id=order.customer_id,
        channel=order.channel,
        currency=order.currency,
        total=order.total_minor,
        discount=order.discount_minor,
        at=utc(order.at),
        campaign_ids=list(order.campaign_ids),
    )
    if await tables.placed_orders.exists(order_id=order.order_id):
        return False
    await tables.placed_orders.bulk_create([row], ignore_conflicts=True)
    await count_order(tables, order.customer_id, total=order.total, at=order.at)
    return True


async def count_order(tables: Tables, customer_id: str, *, total: Decimal, at: datetime) -> None:
    """Add an order to the customer's statistics (creating an unknown customer) and recompute their dynamic
    segments (inside a transaction)."""
    rows = tables.customers
    when = utc(at)
    if tables.dialect == "postgres":
        await get_connections().get(tables.connection).execute_query(_COUNTED, [customer_id, total, when])
    else:
        # SQLite keeps decimals as text and would add them as binary floats: the sum is computed here (its
        # writers are serialized anyway)
        await rows.bulk_create([rows(id=customer_id)], ignore_conflicts=True)
        spent = (await rows.get(id=customer_id)).total_spent + total
        await rows.filter(id=customer_id).update(orders_count=F("orders_count") + 1, total_spent=spent)
        later = Q(last_order_at__isnull=True) | Q(last_order_at__lt=when)
        await rows.filter(later, id=customer_id).update(last_order_at=when, last_order_total=total)
    await membership.refresh(tables, [customer_id], now=datetime.now(UTC))


def placed_order(row: PlacedOrderRow) -> PlacedOrder:
    currency = currency_of(row.currency)
    return PlacedOrder(
        order_id=row.order_id,
        customer_id=row.customer_id,
        channel=row.channel,
        currency=row.currency,
        total=from_minor(row.total, currency=currency),
        discount=from_minor(row.discount, currency=currency),
        at=row.at,
        campaign_ids=row.campaign_ids,
    )


def _fields(profile: CustomerProfile, given: Collection[str] | None) -> tuple[str, ...]:
    """The columns an upsert writes over a stored customer."""
    if given is None:
        return tuple(name for name in PROFILE_FIELDS if name != "created_at" or profile.created_at is not None)
    return _given(given if isinstance(given, frozenset) else frozenset(given))


@functools.lru_cache(maxsize=256)
def _given(given: frozenset[str]) -> tuple[str, ...]:
    return tuple(name for name in PROFILE_FIELDS if name in given)


def _columns(profile: CustomerProfile) -> dict[str, Any]:
    columns = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    columns["consents"] = {"email": profile.consents.email, "sms": profile.consents.sms, "push": profile.consents.push}
    columns["created_at"] = utc(profile.created_at)
    columns["last_order_at"] = utc(profile.last_order_at)
    return columns
