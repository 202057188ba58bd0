"""The order book: orders, the ledger of what they held, used and gave back (append-only, the source of
truth the counters are rebuilt from), and idempotent operations (`domain.checkout.orders.OrderBook`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from domain.checkout.orders import OPEN, Answer, Begun, Busy, JsonObject, Mismatch, Order, OrderStatus, Replay, Started
from domain.limits import Claim, Taken, claim_document, claim_of
from domain.store.config import Dialect
from domain.store.customers import place_order
from domain.store.database import Database
from domain.store.fields import fits, json_document, json_text, utc
from domain.store.models import LedgerRow, OrderRow
from domain.store.order_facts import order_facts
from domain.store.placed import committed_order

RUNNING, DONE = "RUNNING", "DONE"

_LEDGER_COLUMNS = (
    '"order_id", "campaign_id", "kind", "held_uses", "held_discount", "held_value", "used_uses", "used_discount",'
    ' "used_value", "claim", "return_id", "at"'
)
_SETTLED = (
    'INSERT INTO "ledger" (' + _LEDGER_COLUMNS + ")"
    ' SELECT {order}, t."campaign_id", {kind}, -t."uses", -t."discount", -t."value",'
    ' {used} * t."uses", {used} * t."discount", {used} * t."value", t."claim", NULL, {at}'
    ' FROM (SELECT "campaign_id", "claim", SUM("held_uses") OVER "campaign" AS "uses",'
    ' SUM("held_discount") OVER "campaign" AS "discount", SUM("held_value") OVER "campaign" AS "value",'
    ' MIN("id") OVER "campaign" AS "first", ROW_NUMBER() OVER ("campaign" ORDER BY "id" DESC) AS "newest"'
    ' FROM "ledger" WHERE "order_id" = {order} AND "campaign_id" <> \'\''
    ' WINDOW "campaign" AS (PARTITION BY "campaign_id")) AS t'
    ' WHERE t."newest" = 1 AND (t."uses" <> 0 OR t."discount" <> 0 OR t."value" <> 0) ORDER BY t."first"'
)
"""Settle what an order holds: per campaign (in the order of its first entry), the net of its held amounts
goes back, and with `used` = 1 (a commit) becomes used, under the keys of the campaign's latest entry — the
ledger's own sums, written by one statement without reading the rows out. One pass over the order's entries
(its index): a lookup of the latest entry per campaign was planned through the campaign's index, which
holds every order's entries, and slowed as the ledger grew."""

_SETTLED_BEFORE_PLACING = '"settled" AS (' + _SETTLED.format(order="$1", kind="$10", used="$11", at="$7") + ")"
"""PostgreSQL: a commit's settlement as a step of `placing_statement`, whose $1 is the order id and $7 the
instant (the commit's)."""

_BEGIN = (
    'INSERT INTO "checkout_operation" ("order_id", "operation", "key", "request_hash", "status", "started_at")'
    ' VALUES ({}) ON CONFLICT DO NOTHING RETURNING "id"'
)

_SQL: dict[Dialect, dict[str, str]] = {
    "postgres": {
        "begin": 'WITH "claimed" AS (' + _BEGIN.format("$1, $2, $3, $4, $5, $6") + ")"
        ' SELECT "claimed"."id", "o"."status", "o"."document" FROM "claimed"'
        ' LEFT JOIN "checkout_order" AS "o" ON "o"."order_id" = $1',
        "finish": 'UPDATE "checkout_operation" SET "status" = $1, "response" = $2'
        ' WHERE "order_id" = $3 AND "operation" = $4 AND "key" = $5',
        "get": 'SELECT "order_id", "status", "document" FROM "checkout_order" WHERE "order_id" = $1',
        "move": 'UPDATE "checkout_order" SET "status" = $1, "updated_at" = $2'
        ' WHERE "order_id" = $3 AND "status" = ANY($4::text[])',
        "commit": 'UPDATE "checkout_order" SET "status" = $1, "updated_at" = $2'
        ' WHERE "order_id" = $3 AND "status" = ANY($4::text[])'
        ' RETURNING "customer_id", "channel", "document"->\'cart\'->>\'currency\' AS "currency",'
        " \"document\"->'result'->>'total' AS \"total\","
        " \"document\"->'result'->>'discount_total' AS \"discount_total\","
        " \"document\"->'result'->>'shipping_discount' AS \"shipping_discount\","
        ' jsonb_path_query_array("document", \'$.result.applied[*].campaign_id\')::text AS "applied"',
        "settle": _SETTLED.format(order="$1", kind="$2", used="$3", at="$4"),
        "reserved": 'WITH "moved" AS (UPDATE "checkout_order" SET "status" = $1, "updated_at" = $2'
        ' WHERE "order_id" = $3 AND "status" = ANY($4::text[]) RETURNING "order_id")'
        ' UPDATE "checkout_operation" SET "status" = $5, "response" = $6'
        ' WHERE "order_id" = $3 AND "operation" = $7 AND "key" = $8 AND EXISTS (SELECT 1 FROM "moved")'
        ' RETURNING "id"',
        "hold": 'WITH "placed" AS (INSERT INTO "checkout_order" ("order_id", "status", "document", "expires_at",'
        ' "created_at", "updated_at", "channel", "customer_id", "currency", "order_value", "return_count")'
        ' VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10) RETURNING "order_id")'
        ' INSERT INTO "ledger" (' + _LEDGER_COLUMNS + ")"
        ' SELECT "placed"."order_id", e."campaign_id", \'HOLD\', e."uses", e."discount", e."value", 0, 0, 0,'
        ' e."claim", NULL, $5 FROM "placed",'
        " unnest($11::text[], $12::int[], $13::bigint[], $14::bigint[], $15::jsonb[])"
        ' WITH ORDINALITY AS e("campaign_id", "uses", "discount", "value", "claim", "n") ORDER BY e."n"',
    },
    "sqlite": {
        "begin": _BEGIN.format("?, ?, ?, ?, ?, ?"),
        "finish": 'UPDATE "checkout_operation" SET "status" = ?, "response" = ?'
        ' WHERE "order_id" = ? AND "operation" = ? AND "key" = ?',
        "get": 'SELECT "order_id", "status", "document" FROM "checkout_order" WHERE "order_id" = ?',
        "move": 'UPDATE "checkout_order" SET "status" = ?, "updated_at" = ?'
        ' WHERE "order_id" = ? AND "status" IN (SELECT value FROM json_each(?))',
        "commit": 'UPDATE "checkout_order" SET "status" = ?, "updated_at" = ?'
        ' WHERE "order_id" = ? AND "status" IN (SELECT value FROM json_each(?))'
        ' RETURNING "customer_id", "channel", json_extract("document", \'$.cart.currency\') AS "currency",'
        ' json_extract("document", \'$.result.total\') AS "total",'
        ' json_extract("document", \'$.result.discount_total\') AS "discount_total",'
        ' json_extract("document", \'$.result.shipping_discount\') AS "shipping_discount",'
        " (SELECT json_group_array(json_extract(value, '$.campaign_id'))"
        ' FROM json_each("document", \'$.result.applied\')) AS "applied"',
        "settle": _SETTLED.format(order="?1", kind="?2", used="?3", at="?4"),
    },
}
"""The statements every Reserve and Commit makes, written out: Tortoise spends 2-3 times the CPU of the
statement itself building a filtered update or reading a row into a model (measured: 349-380 µs against
121-138 µs per update), and these run several times per checkout. A commit's move answers what the
placed order needs from the order's document (read by the database, under the row's lock), so the large
document is not decoded again."""


class Orders:
    """Every write of an order and its ledger rows happens in one transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    # -- idempotent operations ---------------------------------------------------------------------------

    async def begin(self, order_id: str, operation: str, key: str, request_hash: str, *, lease: float) -> Begun:
        tables = self._database.tables
        rows = tables.operations
        now = datetime.now(UTC)
        with self._database.active():
            claimed = await tables.fetch(_SQL, "begin", [order_id, operation, key, request_hash, RUNNING, now])
            if claimed:
                if tables.dialect == "postgres":  # the order was read by the claim's statement
                    _, status, document = claimed[0]
                    found = None if status is None else _order_of(order_id, str(status), json_document(document))
                    return Started(read=True, order=found)
                return Started(read=True, order=await self.get(order_id))
            row = await rows.get_or_none(order_id=order_id, operation=operation, key=key)
            if row is None:
                return Busy()
            if row.request_hash != request_hash:
                return Mismatch()
            if row.status == DONE:
                return Replay(dict(row.response or {}))
            if (now - _at(row.started_at)).total_seconds() < lease:
                return Busy()
            taken = await rows.filter(id=row.id, status=RUNNING, started_at=row.started_at).update(started_at=now)
            return Started() if taken else Busy()

    async def finish(self, order_id: str, operation: str, key: str, response: JsonObject) -> None:
        with self._database.active():
            await self._database.tables.execute(_SQL, "finish", [DONE, json_text(response), order_id, operation, key])

    async def abandon(self, order_id: str, operation: str, key: str) -> None:
        with self._database.active():
            await self._database.tables.operations.filter(
                order_id=order_id, operation=operation, key=key, status=RUNNING
            ).delete()

    # -- orders -------------------------------------------------------------------------------------------

    async def get(self, order_id: str) -> Order | None:
        if not fits(self._database.tables.orders, order_id=order_id):
            return None
        with self._database.active():
            _, rows = await self._database.tables.execute(_SQL, "get", [order_id])
        if not rows:
            return None
        found, status, document = rows[0]
        return _order_of(str(found), str(status), json_document(document))

    async def hold(self, order: Order, *, stored: bool = True, expected: Collection[OrderStatus] | None = None) -> bool:
        if not stored:
            try:
                await self._hold(order, stored=False)
            except IntegrityError:  # stored meanwhile (the transaction wrote nothing): update it
                pass
            else:
                return True
        return await self._hold(order, stored=True, expected=expected)

    async def _hold(self, order: Order, *, stored: bool, expected: Collection[OrderStatus] | None = None) -> bool:
        tables = self._database.tables
        now = datetime.now(UTC)
        document = _document(order)
        facts = order_facts(document)
        with self._database.active():
            if not stored and tables.dialect == "postgres":
                # one statement, the order and its holds (its id taken meanwhile: IntegrityError, nothing written)
                claims = order.claims
                await tables.execute(
                    _SQL,
                    "hold",
                    [
                        order.order_id,
                        order.status.value,
                        json_text(document),
                        order.expires_at,
                        now,
                        *facts.values(),
                        [claim.campaign_id for claim in claims],
                        [claim.uses for claim in claims],
                        [claim.discount for claim in claims],
                        [claim.order_value for claim in claims],
                        [json_text(_key_document(claim)) for claim in claims],
                    ],
                )
                return True
            async with self._database.transaction():
                stored_order = tables.orders.filter(order_id=order.order_id)
                if expected is not None:
                    stored_order = stored_order.filter(status__in=[status.value for status in expected])
                updated = stored and await stored_order.update(
                    status=order.status.value, document=document, expires_at=order.expires_at, updated_at=now, **facts
                )
                if not updated and expected is not None:
                    return False  # the order moved meanwhile (a release): nothing written
                if not updated:
                    await tables.orders.create(
                        order_id=order.order_id,
                        status=order.status.value,
                        document=document,
                        expires_at=order.expires_at,
                        created_at=now,
                        updated_at=now,
                        **facts,
                    )
                await tables.ledger.bulk_create(
                    [_entry(tables.ledger, order.order_id, "HOLD", claim, now, held=claim) for claim in order.claims]
                )
        return True

    async def settle(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        kind: str,
        expected: Collection[OrderStatus],
        answer: Answer | None = None,
    ) -> bool:
        tables = self._database.tables
        now = datetime.now(UTC)
        # the conditional update: it takes the row's lock and checks the status before anything else is written
        moving = [status.value, now, order_id, tables.listed([state.value for state in expected])]
        with self._database.active():
            if kind == "RESERVE":  # no ledger rows to write: the conditional update is the whole step
                if answer is None:
                    return bool((await tables.execute(_SQL, "move", moving))[0])
                operation, key, response = answer
                finishing = [DONE, json_text(response), operation, key]
                if tables.dialect == "postgres":  # the move and the answer: one statement
                    return bool(await tables.fetch(_SQL, "reserved", [*moving, *finishing]))
                if not (await tables.execute(_SQL, "move", moving))[0]:
                    return False
                await self.finish(order_id, operation, key, response)
                return True
            async with self._database.transaction():
                if kind == "COMMIT":
                    moved = await tables.fetch(_SQL, "commit", moving)
                    if not moved:
                        return False
                elif not (await tables.execute(_SQL, "move", moving))[0]:
                    return False
                placed = committed_order(order_id, moved[0], now) if kind == "COMMIT" else None
                if placed is not None and tables.dialect == "postgres":
                    # the settlement, the placed order and its customer's statistics: one statement
                    await place_order(tables, placed, before=_SETTLED_BEFORE_PLACING, before_values=[kind, 1])
                    return True
                await tables.execute(_SQL, "settle", [order_id, kind, int(kind == "COMMIT"), now])
                if placed is not None:
                    await place_order(tables, placed)
        return True

    async def record_return(
        self,
        order_id: str,
        return_id: str,
        *,
        returned: Mapping[str, int],
        kept_result: JsonObject,
        given_back: Sequence[Claim],
        status: OrderStatus,
        receipt: JsonObject,
        previous: Mapping[str, int],
    ) -> bool:
        tables = self._database.tables
        now = datetime.now(UTC)
        with self._database.active():
            async with self._database.transaction():
                row = await tables.orders.select_for_update().get(order_id=order_id)
                landed = dict(row.document.get("returned", {}))
                if row.status != OrderStatus.COMMITTED.value or landed != dict(previous):
                    return False  # another return of the order landed since it was read
                document = dict(row.document)
                document["returned"] = dict(returned)
                document["kept_result"] = kept_result
                document["receipts"] = {
                    **document.get("receipts", {}),
                    return_id: {"receipt": receipt, "given_back": [claim_document(claim) for claim in given_back]},
                }
                await tables.orders.filter(order_id=order_id).update(
                    status=status.value, document=document, updated_at=now, **order_facts(document)
                )
                entries = [
                    _entry(tables.ledger, order_id, "RETURN", claim, now, used=_negative(claim), return_id=return_id)
                    for claim in given_back
                ]
                if not given_back:
                    entries = [_marker(tables.ledger, order_id, "RETURN", now, return_id)]
                await tables.ledger.bulk_create(entries)
        return True

    async def expired(self, now: datetime, *, limit: int = 100) -> Sequence[Order]:
        with self._database.active():
            rows = (
                await self._database.tables.orders.filter(
                    status__in=[status.value for status in OPEN], expires_at__lt=now
                )
                .order_by("expires_at")
                .limit(limit)
            )
        return [_order(row) for row in rows]

    async def net_used(self, order_id: str) -> Sequence[Claim]:
        with self._database.active():
            rows = await self._database.tables.ledger.filter(order_id=order_id).order_by("id")
        return [claim for claim in _sums(rows, used=True).values() if claim.uses or claim.discount or claim.order_value]

    async def ledger(self, order_id: str) -> Sequence[JsonObject]:
        with self._database.active():
            rows = await self._database.tables.ledger.filter(order_id=order_id).order_by("id")
        return [
            {
                "kind": row.kind,
                "campaign_id": row.campaign_id,
                "held": [row.held_uses, row.held_discount, row.held_value],
                "used": [row.used_uses, row.used_discount, row.used_value],
                "return_id": row.return_id,
                "at": _at(row.at).isoformat(),
            }
            for row in rows
        ]

    # -- the ledger reader of the counter stores ---------------------------------------------------------

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        tables = self._database.tables
        with self._database.active():
            # one statement: a consistent view of the ledger (an order's hold and its settlement, or neither)
            rows = await tables.ledger.filter(campaign_id=campaign_id).order_by("id")
            open_orders = sorted({row.order_id for row in rows if row.held_uses or row.held_discount or row.held_value})
            expiries = dict(await tables.orders.filter(order_id__in=open_orders).values_list("order_id", "expires_at"))
        by_order: dict[str, list[LedgerRow]] = {}
        for row in rows:
            by_order.setdefault(row.order_id, []).append(row)
        takings: list[Taken] = []
        for order_id, entries in by_order.items():
            used = _sums(entries, used=True).get(campaign_id)
            held = _sums(entries, used=False).get(campaign_id)
            returns = tuple(sorted({row.return_id for row in entries if row.kind == "RETURN" and row.return_id}))
            if used is not None and (used.uses or used.discount or used.order_value or returns):
                takings.append(Taken(order_id, used, returns=returns))
            if held is not None and (held.uses or held.discount or held.order_value) and order_id in expiries:
                expires = _at(expiries[order_id]).timestamp()
                if expires > now:
                    takings.append(Taken(order_id, held, expires_at=expires))
        return takings

    # -- counters to bring back in line with the ledger ---------------------------------------------------

    async def mark_resync(self, campaign_ids: Sequence[str]) -> None:
        if not campaign_ids:
            return
        rows = self._database.tables.resyncs
        now = datetime.now(UTC)
        with self._database.active():
            # a newer `since` makes a sweep that read the older one keep the row (it resyncs again)
            await rows.filter(campaign_id__in=list(campaign_ids)).update(since=now)
            fresh = [rows(campaign_id=campaign_id, since=now) for campaign_id in sorted(set(campaign_ids))]
            await rows.bulk_create(fresh, ignore_conflicts=True)

    async def resyncs(self) -> Sequence[tuple[str, datetime]]:
        with self._database.active():
            rows = await self._database.tables.resyncs.all().order_by("since").values_list("campaign_id", "since")
        return [(str(campaign_id), _at(since)) for campaign_id, since in rows]

    async def resynced(self, campaign_id: str, since: datetime) -> None:
        with self._database.active():
            await self._database.tables.resyncs.filter(campaign_id=campaign_id, since=since).delete()

    async def stalled(self, older_than: datetime) -> Sequence[tuple[str, str, str]]:
        with self._database.active():
            rows = await self._database.tables.operations.filter(status=RUNNING, started_at__lt=older_than).values_list(
                "order_id", "operation", "key"
            )
        return [(str(order_id), str(operation), str(key)) for order_id, operation, key in rows]


def _at(moment: datetime) -> datetime:
    aware = utc(moment)
    assert aware is not None
    return aware


def _document(order: Order) -> JsonObject:
    return {
        "cart": order.cart,
        "result": order.result,
        "campaigns": list(order.campaigns),
        "codes": dict(order.codes),
        "policy": order.policy,
        "priced_at": order.priced_at.isoformat(),
        "expires_at": order.expires_at.isoformat(),
        "claims": [claim_document(claim) for claim in order.claims],
        "catalog_version": order.catalog_version,
        "returned": dict(order.returned),
        "kept_result": order.kept_result,
        "receipts": dict(order.receipts),
    }


def _order(row: OrderRow) -> Order:
    return _order_of(row.order_id, row.status, row.document)


def _order_of(order_id: str, status: str, document: JsonObject) -> Order:
    return Order(
        order_id=order_id,
        status=OrderStatus(status),
        cart=document["cart"],
        result=document["result"],
        campaigns=document["campaigns"],
        codes=document["codes"],
        policy=document["policy"],
        priced_at=datetime.fromisoformat(document["priced_at"]),
        expires_at=datetime.fromisoformat(document["expires_at"]),
        claims=[claim_of(claim) for claim in document["claims"]],
        catalog_version=int(document["catalog_version"]),
        returned={line_id: int(quantity) for line_id, quantity in document.get("returned", {}).items()},
        kept_result=document.get("kept_result"),
        receipts=document.get("receipts", {}),
    )


def _negative(claim: Claim) -> Claim:
    return replace(claim, uses=-claim.uses, discount=-claim.discount, order_value=-claim.order_value)


def _entry(
    model: type[LedgerRow],
    order_id: str,
    kind: str,
    claim: Claim,
    at: datetime,
    *,
    held: Claim | None = None,
    used: Claim | None = None,
    return_id: str | None = None,
) -> LedgerRow:
    return model(
        order_id=order_id,
        campaign_id=claim.campaign_id,
        kind=kind,
        held_uses=held.uses if held else 0,
        held_discount=held.discount if held else 0,
        held_value=held.order_value if held else 0,
        used_uses=used.uses if used else 0,
        used_discount=used.discount if used else 0,
        used_value=used.order_value if used else 0,
        claim=_key_document(claim),
        return_id=return_id,
        at=at,
    )


def _key_document(claim: Claim) -> JsonObject:
    """The claim of a ledger entry: its keys (campaign, rule, customer, device, day, code) without amounts,
    which the entry's columns hold."""
    return claim_document(replace(claim, uses=1, discount=0, order_value=0))


def _marker(model: type[LedgerRow], order_id: str, kind: str, at: datetime, return_id: str) -> LedgerRow:
    return model(order_id=order_id, campaign_id="", kind=kind, claim={}, return_id=return_id, at=at)


def _sums(rows: Sequence[LedgerRow], *, used: bool) -> dict[str, Claim]:
    """Return, per campaign, the net of held (or used) amounts, with the keys of the latest entry."""
    totals: dict[str, list[int]] = {}
    keys: dict[str, Claim] = {}
    for row in rows:
        if not row.campaign_id:
            continue
        amounts = (
            (row.used_uses, row.used_discount, row.used_value)
            if used
            else (row.held_uses, row.held_discount, row.held_value)
        )
        total = totals.setdefault(row.campaign_id, [0, 0, 0])
        for index, amount in enumerate(amounts):
            total[index] += amount
        keys[row.campaign_id] = claim_of(row.claim)
    return {
        campaign_id: replace(keys[campaign_id], uses=total[0], discount=total[1], order_value=total[2])
        for campaign_id, total in totals.items()
    }
