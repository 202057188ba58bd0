"""The SQL counter store: campaign and code limits counted in the catalog database with conditional
updates inside transactions — the embedded default when no Redis is configured (SQLite), also usable
on PostgreSQL.

Tables (`domain.store.models`): `counter` holds what is taken (committed plus held) per campaign and
field, one field per limited dimension: `uses`, `discount`, `value`, `customer:<id>`, `day:<date>:<id>`,
`device:<id>`, `code:<CODE>`, `codecustomer:<CODE>:<id>`; `counter_hold` what each order holds from a
campaign, by field, and until when; `counter_return` the returns already given back; `coupon_attempt`
the failed coupon attempts the `AttemptLimiter` counts.

Every change to a campaign's counters is one transaction that first shuts out the campaign's other
writers. On PostgreSQL it runs at READ COMMITTED (whatever the server's default) and first takes a
transaction-scoped advisory lock on the campaign, so every later statement reads what the previous
holder committed. On SQLite it begins with `BEGIN IMMEDIATE`, which takes the database's write lock
before anything is read, so no transaction decides on a stale snapshot; a writer that waited past the
busy timeout ("database is locked") is retried. Inside, the campaign's expired holds are purged (their
amounts subtracted), every limit is checked (`exhausted_limit`) before the first write, and each amount
is added by a conditional update (`amount + x <= limit`, rows affected checked), which would hold the
limits even without the lock.

The counters live in the same database as the ledger and commit with it: they cannot lose data apart
from it, so unlike the Redis store they never need rebuilding.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
from tortoise.exceptions import DBConnectionError
from tortoise.expressions import F

from domain.counters.errors import CountersUnavailable
from domain.limits import Attempt, Claim, Limit, Refusal, Usage, exhausted_limit
from domain.store.database import Database
from domain.store.sqlite import immediate_transaction

T = TypeVar("T")

_LOCK_SPACE = 0x4B43
"""The first key of the campaigns' advisory locks on PostgreSQL (the second is the campaign's hash)."""

_WRITE_ATTEMPTS = 4
_RETRY_DELAY = 0.05

_SQLITE_UNREACHABLE = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}
_UNREACHABLE = (
    OSError,
    DBConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.OperatorInterventionError,
)


@dataclass(frozen=True, slots=True)
class _Key:
    """One limited dimension of a claim: its counter field, the `Usage` attribute it is read into, its
    limit and what the claim adds to it."""

    field: str
    usage: str
    limit: Limit
    ceiling: int
    amount: int


class _Exceeded(Exception):
    """A conditional update found the limit reached: the transaction rolls back."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(limit)
        self.limit = limit


class SqlCounters:
    """`CounterStore` and `AttemptLimiter` on the catalog database (SQLite or PostgreSQL)."""

    def __init__(
        self, database: Database, *, clock: Callable[[], float] = time.time, hold_grace: float = 300.0
    ) -> None:
        """`hold_grace`: how much longer than its reservation's TTL a hold is kept (the checkout expires
        reservations itself, in the ledger first; see `domain.counters.redis`)."""
        self._database = database
        self._tables = database.tables
        self._clock = clock
        self._hold_grace = hold_grace

    async def usage(self, claims: Sequence[Claim]) -> Mapping[str, Usage]:
        """Return what is taken, per campaign id, for the keys of each claim."""
        keys = {claim.campaign_id: _keys(claim) for claim in claims}
        amounts = await self._amounts(keys)
        return {campaign_id: _usage(limited, amounts.get(campaign_id, {})) for campaign_id, limited in keys.items()}

    async def reserve(self, order_id: str, claims: Sequence[Claim], *, ttl: float) -> Refusal | None:
        """Hold every claim for `ttl` seconds, campaign by campaign; release what was held when one is
        refused. Return the refusal, or None."""
        held: list[str] = []
        for claim in claims:
            keys = _keys(claim)
            if not keys:
                continue
            try:
                limit = await self._hold(order_id, claim, keys, ttl)
            except Exception:
                with suppress(CountersUnavailable):
                    await self.release(order_id, held)
                raise
            if limit is not None:
                await self.release(order_id, held)
                return Refusal(claim.campaign_id, limit)
            held.append(claim.campaign_id)
        return None

    async def commit(self, order_id: str, campaign_ids: Sequence[str]) -> list[str]:
        """Keep the order's holds as uses; return the campaign ids whose hold had expired."""
        expired = []
        for campaign_id in campaign_ids:
            if not await self._write(campaign_id, functools.partial(self._drop_hold, campaign_id, order_id)):
                expired.append(campaign_id)
        return expired

    async def release(self, order_id: str, campaign_ids: Sequence[str], *, ended_by: float | None = None) -> None:
        """Give the order's holds back (once); with `ended_by`, only holds that end by then (grace aside)."""
        until = None if ended_by is None else ended_by + self._hold_grace
        for campaign_id in campaign_ids:
            await self._write(campaign_id, functools.partial(self._release, campaign_id, order_id, until))

    async def give_back(self, order_id: str, return_id: str, claims: Sequence[Claim]) -> None:
        """Subtract the claims' amounts from the committed uses (once per return id and campaign)."""
        for claim in claims:
            keys = _keys(claim)
            if keys:
                work = functools.partial(self._give_back, claim.campaign_id, order_id, return_id, keys)
                await self._write(claim.campaign_id, work)

    async def resync(self, campaign_ids: Sequence[str]) -> None:
        """Nothing to do: the counters commit with the ledger, in the same database."""

    async def failures(self, key: str, *, window: float) -> int:
        """Return the failed attempts under `key` in the last `window` seconds."""
        with self._reachable():
            return await self._tables.attempts.filter(key=key, at__gt=self._clock() - window).count()

    async def attempt(self, key: str, *, window: float) -> Attempt:
        """Count an attempt under `key` as it starts; return the attempts in the last `window` seconds."""
        # one key's attempts are counted one at a time (a space keeps the lock apart from any campaign id's)
        return await self._write(f"attempt {key}", functools.partial(self._attempt, key, window))

    async def forget(self, key: str, token: str) -> None:
        """Take back an attempt that did not fail."""
        await self._write(f"attempt {key}", functools.partial(self._forget, key, int(token)))

    async def _amounts(self, keys: Mapping[str, list[_Key]]) -> dict[str, dict[str, int]]:
        """Return the amounts of the keys' counters by campaign, once their expired holds are purged."""
        amounts: dict[str, dict[str, int]] = {}
        counted = sorted(campaign_id for campaign_id, limited in keys.items() if limited)
        if not counted:
            return amounts
        fields = sorted({key.field for limited in keys.values() for key in limited})
        with self._reachable():
            expired = self._tables.holds.filter(campaign_id__in=counted, expires_at__lte=self._clock())
            stale = await expired.distinct().values_list("campaign_id", flat=True)
        for campaign_id in stale:
            await self._write(str(campaign_id), functools.partial(self._purge, str(campaign_id)))
        with self._reachable():
            counters = self._tables.counters.filter(campaign_id__in=counted, field__in=fields)
            rows = await counters.values_list("campaign_id", "field", "amount")
        for campaign_id, field, amount in rows:
            amounts.setdefault(campaign_id, {})[field] = amount
        return amounts

    async def _hold(self, order_id: str, claim: Claim, keys: list[_Key], ttl: float) -> Limit | None:
        """Hold one claim; return the limit that refuses it, or None."""
        try:
            return await self._write(claim.campaign_id, functools.partial(self._add_hold, order_id, claim, keys, ttl))
        except _Exceeded as exceeded:
            return exceeded.limit

    async def _add_hold(self, order_id: str, claim: Claim, keys: list[_Key], ttl: float) -> Limit | None:
        campaign_id = claim.campaign_id
        await self._purge(campaign_id)
        ends = self._clock() + ttl + self._hold_grace
        holds = self._tables.holds.filter(campaign_id=campaign_id, order_id=order_id)
        if await holds.exists():
            await holds.filter(expires_at__lt=ends).update(expires_at=ends)  # held already: made to last as long
            return None
        amounts = await self._read(campaign_id, [key.field for key in keys])
        limit = exhausted_limit(claim, _usage(keys, amounts))
        if limit is not None:
            return limit
        adding = [key for key in keys if key.amount]
        counters = self._tables.counters
        missing = [counters(campaign_id=campaign_id, field=key.field) for key in adding if key.field not in amounts]
        if missing:
            await counters.bulk_create(missing)
        for key in adding:
            query = counters.filter(campaign_id=campaign_id, field=key.field, amount__lte=key.ceiling - key.amount)
            if not await query.update(amount=F("amount") + key.amount):
                raise _Exceeded(key.limit)
        taken = {key.field: key.amount for key in adding}
        await self._tables.holds.create(campaign_id=campaign_id, order_id=order_id, expires_at=ends, taken=taken)
        return None

    async def _drop_hold(self, campaign_id: str, order_id: str) -> bool:
        await self._purge(campaign_id)
        return bool(await self._tables.holds.filter(campaign_id=campaign_id, order_id=order_id).delete())

    async def _release(self, campaign_id: str, order_id: str, until: float | None = None) -> None:
        hold = await self._tables.holds.get_or_none(campaign_id=campaign_id, order_id=order_id)
        if hold is not None and (until is None or hold.expires_at <= until):
            await self._subtract(campaign_id, hold.taken)
            await hold.delete()

    async def _give_back(self, campaign_id: str, order_id: str, return_id: str, keys: list[_Key]) -> None:
        returns = self._tables.returns
        if await returns.exists(campaign_id=campaign_id, order_id=order_id, return_id=return_id):
            return
        await returns.create(campaign_id=campaign_id, return_id=return_id, order_id=order_id)
        await self._subtract(campaign_id, {key.field: key.amount for key in keys})

    async def _purge(self, campaign_id: str) -> None:
        holds = self._tables.holds
        expired = await holds.filter(campaign_id=campaign_id, expires_at__lte=self._clock())
        if expired:
            totals: Counter[str] = Counter()
            for hold in expired:
                totals.update(hold.taken)
            await self._subtract(campaign_id, totals)
            await holds.filter(id__in=[hold.id for hold in expired]).delete()

    async def _subtract(self, campaign_id: str, amounts: Mapping[str, int]) -> None:
        """Subtract each amount from its counter, never below zero."""
        for field, amount in amounts.items():
            counter = self._tables.counters.filter(campaign_id=campaign_id, field=field)
            if amount and not await counter.filter(amount__gte=amount).update(amount=F("amount") - amount):
                await counter.update(amount=0)

    async def _read(self, campaign_id: str, fields: list[str]) -> dict[str, int]:
        query = self._tables.counters.filter(campaign_id=campaign_id, field__in=fields)
        return dict(await query.values_list("field", "amount"))

    async def _attempt(self, key: str, window: float) -> Attempt:
        attempts, now = self._tables.attempts, self._clock()
        await attempts.filter(key=key, at__lte=now - window).delete()
        row = await attempts.create(key=key, at=now)
        return Attempt(await attempts.filter(key=key).count(), str(row.id))

    async def _forget(self, key: str, attempt_id: int) -> None:
        await self._tables.attempts.filter(key=key, id=attempt_id).delete()

    async def _write(self, campaign_id: str | None, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` in a transaction that shuts out the other writers of the campaign (or of the attempt
        key `campaign_id` names; on SQLite: every other writer), retrying while SQLite stays locked by
        another connection."""
        attempt = 1
        while True:
            try:
                with self._reachable():
                    async with self._transaction(campaign_id):
                        return await work()
            except CountersUnavailable as unavailable:
                if attempt == _WRITE_ATTEMPTS or not _busy(unavailable.__cause__):
                    raise
            await asyncio.sleep(_RETRY_DELAY * attempt)
            attempt += 1

    @asynccontextmanager
    async def _transaction(self, campaign_id: str | None) -> AsyncIterator[None]:
        if self._tables.dialect == "sqlite":
            async with immediate_transaction(self._tables.connection):
                yield
            return
        async with self._database.transaction() as connection:
            await connection.execute_script("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            if campaign_id is not None:
                lock = "SELECT pg_advisory_xact_lock($1, hashtext($2))"
                await connection.execute_query(lock, [_LOCK_SPACE, campaign_id])
            yield

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """Make the database current, and turn its being unreachable into `CountersUnavailable`."""
        try:
            with self._database.active():
                yield
        except Exception as error:
            if isinstance(error, CountersUnavailable) or not _unreachable(error):
                raise
            raise CountersUnavailable(f"the counters' database is unreachable: {error}") from error


def _keys(claim: Claim) -> list[_Key]:
    """Return the counters a claim is held under: only the dimensions its rule and its code limit."""
    rule, customer, code = claim.rule, claim.customer_id, claim.code
    candidates: list[tuple[str, str, Limit, int | None, int]] = [
        ("uses", "uses", Limit.TOTAL_REDEMPTIONS, rule.total_redemptions, claim.uses),
        ("discount", "discount", Limit.BUDGET_DISCOUNT, rule.budget_discount, claim.discount),
        ("value", "order_value", Limit.BUDGET_ORDER_VALUE, rule.budget_order_value, claim.order_value),
    ]
    if customer is not None:
        candidates.append((f"customer:{customer}", "customer_uses", Limit.PER_CUSTOMER, rule.per_customer, claim.uses))
        day = (f"day:{claim.day}:{customer}", "customer_day_uses", Limit.PER_CUSTOMER_PER_DAY)
        candidates.append((*day, rule.per_customer_per_day, claim.uses))
    if claim.device_id is not None:
        candidates.append((f"device:{claim.device_id}", "device_uses", Limit.PER_DEVICE, rule.per_device, claim.uses))
    if code is not None:
        candidates.append((f"code:{code.code}", "code_uses", Limit.CODE_USES, code.max_uses, claim.uses))
        if code.once_per_customer and customer is not None:
            once = (f"codecustomer:{code.code}:{customer}", "code_customer_uses", Limit.CODE_PER_CUSTOMER)
            candidates.append((*once, 1, claim.uses))
    return [
        _Key(field, usage, limit, ceiling, amount)
        for field, usage, limit, ceiling, amount in candidates
        if ceiling is not None
    ]


def _usage(keys: list[_Key], amounts: Mapping[str, int]) -> Usage:
    return Usage(**{key.usage: amounts.get(key.field, 0) for key in keys})


def _causes(error: BaseException) -> Iterator[BaseException]:
    """Yield the error and what it was raised from (Tortoise wraps some driver errors as their argument)."""
    pending, seen = [error], set()
    while pending:
        cause = pending.pop()
        if id(cause) not in seen:
            seen.add(id(cause))
            yield cause
            pending.extend(inner for inner in (cause.__cause__, *cause.args) if isinstance(inner, BaseException))


def _unreachable(error: BaseException) -> bool:
    return any(
        isinstance(cause, _UNREACHABLE) or _sqlite_code(cause) in _SQLITE_UNREACHABLE for cause in _causes(error)
    )


def _busy(error: BaseException | None) -> bool:
    """Whether SQLite stayed locked by another connection (the transaction can be run again)."""
    busy = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return error is not None and any(_sqlite_code(cause) in busy for cause in _causes(error))


def _sqlite_code(error: BaseException) -> int | None:
    """Return the primary result code of a SQLite error, or None."""
    code = getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.Error) else None
    return None if code is None else int(code) & 0xFF
