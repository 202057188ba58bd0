"""Segment membership kept current: dynamic segments recomputed for the customers a change touches (in the
transaction of that change), the membership version bumped with every change, and the per-customer change
marks the pricing cores reload membership by.

Every function here runs inside the caller's `active()` context and transaction."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.expressions import F

from domain.segments import CustomerFacts, MembershipChanges, SegmentRule, members
from domain.store.config import Dialect
from domain.store.fields import utc
from domain.store.tables import Tables

MEMBERSHIP_ROW = 1
_FACT_COLUMNS = ("id", "country", "city", "attributes", "consents", "orders_count", "total_spent", "last_order_at")

_RULES = "SELECT id, rule FROM segment WHERE rule IS NOT NULL"  # read with every order a customer places
_PAIR = "json_extract(value, '$[0]'), json_extract(value, '$[1]')"
_SQL: dict[Dialect, dict[str, str]] = {
    "postgres": {
        "rules": _RULES,
        "facts": f"SELECT {', '.join(_FACT_COLUMNS)} FROM customer WHERE id = ANY($1::text[])",
        # one index lookup per customer (a plain `= ANY` turns into a scan of the whole segment once the
        # prepared statement's plan goes generic, five batches into a large import)
        "present": "SELECT m.id, m.segment_id, m.customer_id FROM unnest($1::text[]) AS given (id)"
        " CROSS JOIN LATERAL (SELECT id, segment_id, customer_id FROM segment_member"
        " WHERE customer_id = given.id AND segment_id = ANY($2::text[]) OFFSET 0) AS m",
        "add": "INSERT INTO segment_member (segment_id, customer_id)"
        " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
        "remove": "DELETE FROM segment_member WHERE id = ANY($1::bigint[])",
        "mark": "INSERT INTO membership_change (customer_id, version) SELECT unnest($1::text[]), $2::bigint"
        " ON CONFLICT (customer_id) DO UPDATE SET version = EXCLUDED.version",
    },
    "sqlite": {
        "rules": _RULES,
        "facts": f"SELECT {', '.join(_FACT_COLUMNS)} FROM customer WHERE id IN (SELECT value FROM json_each(?))",
        "present": "SELECT id, segment_id, customer_id FROM segment_member"
        " WHERE customer_id IN (SELECT value FROM json_each(?)) AND segment_id IN (SELECT value FROM json_each(?))",
        "add": "INSERT INTO segment_member (segment_id, customer_id)"
        f" SELECT {_PAIR} FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
        "remove": "DELETE FROM segment_member WHERE id IN (SELECT value FROM json_each(?))",
        "mark": "INSERT INTO membership_change (customer_id, version) SELECT value, ? FROM json_each(?) WHERE true"
        " ON CONFLICT (customer_id) DO UPDATE SET version = excluded.version",
    },
}
"""One statement per step and batch, whatever its size: a list travels as one array (PostgreSQL) or one JSON
text (SQLite), so no row becomes an ORM object on the way."""


async def dynamic_rules(tables: Tables) -> dict[str, SegmentRule]:
    """Return the rule of every dynamic segment, by segment id."""
    _, rows = await _run(tables, "rules", [])
    return _rules(rows)


RULES = '(SELECT json_agg(json_build_array("id", "rule")) FROM "segment" WHERE "rule" IS NOT NULL)'
"""PostgreSQL: the rules of the dynamic segments as one JSON value (`rules_of` reads it), for a statement
that reads them along with its own work."""


def rules_of(value: Any) -> dict[str, SegmentRule]:
    """Return the rules of dynamic segments by segment id from the JSON of `RULES` (None: there are none)."""
    return _rules(_json(value) or [])


def _rules(pairs: Iterable[Sequence[Any]]) -> dict[str, SegmentRule]:
    return {str(segment_id): SegmentRule.model_validate(_json(rule)) for segment_id, rule in pairs}


async def changed(tables: Tables, customer_ids: Collection[str]) -> int:
    """Bump the membership version and mark these customers as changed at it; return the version."""
    await tables.membership_version.filter(id=MEMBERSHIP_ROW).update(version=F("version") + 1)
    version = int((await tables.membership_version.get(id=MEMBERSHIP_ROW)).version)
    ids = sorted(customer_ids)
    if ids:
        values = [ids, version] if tables.dialect == "postgres" else [version, json.dumps(ids)]
        await _run(tables, "mark", values)
    return version


async def refresh(
    tables: Tables,
    customer_ids: Collection[str],
    *,
    now: datetime,
    rules: dict[str, SegmentRule] | None = None,
    known: Mapping[str, CustomerFacts] | None = None,
) -> int:
    """Recompute the dynamic segments (all, or `rules`) of these customers at `now`; return how many
    memberships were added or removed. The facts of the customers `known` (e.g. just inserted) are not read
    back (but their orders within a rule's horizon are)."""
    rules = await dynamic_rules(tables) if rules is None else rules
    if not rules or not customer_ids:
        return 0
    ids = sorted(set(customer_ids))
    horizon = max(rule.horizon() for rule in rules.values())
    facts = await _facts(tables, ids, now=now, horizon=horizon, known=known or {})
    wanted = {
        (segment_id, customer_id) for customer_id, fact in facts.items() for segment_id in members(rules, fact, now=now)
    }
    _, present = await _run(tables, "present", [tables.listed(ids), tables.listed(sorted(rules))])
    current = {(str(segment_id), str(customer_id)): int(row_id) for row_id, segment_id, customer_id in present}
    added, removed = wanted - current.keys(), current.keys() - wanted
    if not added and not removed:
        return 0
    if removed:
        await _run(tables, "remove", [tables.listed(sorted(current[pair] for pair in removed))])
    if added:
        await _run(tables, "add", _pairs(tables, added))
    await changed(tables, {customer_id for _, customer_id in added | removed})
    return len(added) + len(removed)


async def membership_version(tables: Tables) -> int:
    return int((await tables.membership_version.get(id=MEMBERSHIP_ROW)).version)


async def membership_since(tables: Tables, version: int | None) -> MembershipChanges:
    """Return every customer's segments (`version` None), or those of the customers whose membership changed
    after `version` (an empty set: they left every segment). The version is read first: a change committed
    meanwhile comes again next time."""
    current = await membership_version(tables)
    if version is None:
        rows = await tables.members.all().values_list("customer_id", "segment_id")
        return MembershipChanges(version=current, segments=_grouped(rows, ()), complete=True)
    ids = await tables.membership_changes.filter(version__gt=version).values_list("customer_id", flat=True)
    found = [str(customer_id) for customer_id in ids]
    rows = []
    for start in range(0, len(found), 5000):
        chunk = found[start : start + 5000]
        rows.extend(await tables.members.filter(customer_id__in=chunk).values_list("customer_id", "segment_id"))
    return MembershipChanges(version=current, segments=_grouped(rows, found), complete=False)


async def _facts(
    tables: Tables, ids: list[str], *, now: datetime, horizon: int, known: Mapping[str, CustomerFacts]
) -> dict[str, CustomerFacts]:
    times: dict[str, list[datetime]] = {}
    if horizon:
        since = now - timedelta(days=horizon)
        placed = await tables.placed_orders.filter(customer_id__in=ids, at__gte=since).values_list("customer_id", "at")
        for customer_id, at in placed:
            moment = utc(at)
            assert moment is not None
            times.setdefault(str(customer_id), []).append(moment)
    found = {
        customer_id: replace(facts, order_times=tuple(times[customer_id])) if customer_id in times else facts
        for customer_id in ids
        if (facts := known.get(customer_id)) is not None
    }
    unknown = [customer_id for customer_id in ids if customer_id not in known]
    if not unknown:
        return found
    _, rows = await _run(tables, "facts", [tables.listed(unknown)])
    read_moment = tables.customers._meta.fields_map["last_order_at"].to_python_value
    for customer_id, country, city, attributes, consents, orders_count, total_spent, last_order_at in rows:
        found[customer_id] = CustomerFacts(
            customer_id=customer_id,
            country=country,
            city=city,
            attributes=_json(attributes) or {},
            consents=frozenset(name for name, given in (_json(consents) or {}).items() if given),
            orders_count=int(orders_count),
            total_spent=Decimal(total_spent),
            last_order_at=None if last_order_at is None else utc(read_moment(last_order_at)),
            order_times=tuple(times.get(customer_id, ())),
        )
    return found


def _json(value: Any) -> Any:
    """A JSON column as read by a plain query: text (asyncpg's jsonb, SQLite), or None."""
    return json.loads(value) if isinstance(value, str | bytes) else value


async def _run(tables: Tables, statement: str, values: list[Any]) -> tuple[int, Sequence[Any]]:
    """Run one of the `_SQL` statements on the current connection (the caller's transaction)."""
    return await tables.execute(_SQL, statement, values)


def _pairs(tables: Tables, pairs: Collection[tuple[str, str]]) -> list[Any]:
    ordered = sorted(pairs)
    if tables.dialect == "postgres":
        return [[segment_id for segment_id, _ in ordered], [customer_id for _, customer_id in ordered]]
    return [json.dumps(ordered)]


def _grouped(rows: Iterable[tuple[object, object]], customers: Iterable[str]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {customer_id: set() for customer_id in customers}
    for customer_id, segment_id in rows:
        found.setdefault(str(customer_id), set()).add(str(segment_id))
    return {customer_id: frozenset(segments) for customer_id, segments in found.items()}
