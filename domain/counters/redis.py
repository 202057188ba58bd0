"""The Redis counter store: one Lua script per operation and campaign checks every limit before it writes.

Keys (every key of a campaign shares the hash tag `{c:<campaign id>}`, so each script runs on one node of a
Redis Cluster):

- `<prefix>:{c:<id>}:counters` — a hash holding every counter of the campaign as a field: `uses`,
  `discount`, `value`, `customer:<customer>`, `day:<day>:<customer>`, `device:<device>`, `code:<CODE>`,
  `codecustomer:<CODE>:<customer>`, and the readiness marker `ready`. Only the dimensions a rule limits
  are counted; a field that is missing reads 0 (fields that fall to 0 are deleted).
- `<prefix>:{c:<id>}:holds` — a sorted set of order ids scored by the unix second their entry ends.
- `<prefix>:{c:<id>}:hold` — a hash of order id -> the JSON of what the order holds (see `redis_scripts`).
- `<prefix>:{c:<id>}:returns` — the set of returns already given back.
- `<prefix>:attempts:<key>` — the sliding window of failed coupon attempts of one key.

Holds expire lazily: every script purges the campaign's expired holds first (`sweep` does only that).
The time is the caller's clock (`time.time()` unless given), passed to the scripts. A hold lives in Redis
`hold_grace` seconds longer than the reservation it belongs to: the checkout settles every reservation in
the ledger first and expires it there at its TTL, so a hold that Redis no longer has when the order is
committed was taken over by a rebuild (which counted it as used), never dropped by Redis's own clock.

When Redis lost a campaign's counters (a restart without persistence, FLUSHALL, a failover), the counters
hash lacks its readiness marker and every script answers "not ready" before touching anything: the store
then reads the campaign's takings from the ledger (used ones become counters, held ones become holds
again, "restored") and writes them with a script that writes only if the campaign is still not ready, so
two processes rebuilding at once count everything once; then it runs the operation again. A restored
hold makes a repeated reserve of its order count once: the reserve judges the order again as if its own
restored hold were not there, keeps it if it fits and drops it if not (the ledger records a hold before
the counters judge it, so a restored hold may be one that was never accepted).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any, NamedTuple

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import (
    ClusterError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisClusterException,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.counters import redis_scripts as lua
from domain.counters.errors import CountersUnavailable
from domain.limits import Attempt, Claim, LedgerReader, Limit, Refusal, Usage

log = logging.getLogger(__name__)

RedisClient = Redis | RedisCluster

UNAVAILABLE: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterError,
    RedisClusterException,
    TryAgainError,
    ReadOnlyError,
    OutOfMemoryError,
    OSError,
)
"""What says that Redis cannot serve the counters now (asyncio's TimeoutError is an OSError)."""

EXACT = 2**53
"""Lua compares numbers as doubles: amounts and ceilings must stay below 2**53 minor units."""

REBUILD_ATTEMPTS = 3
KEPT_KEYS = 100_000
"""The most campaigns whose key names are kept ready (forgotten all at once beyond)."""
KEEP_ATTEMPTS = 10_000
"""The most failed attempts one key keeps in its window (the count saturates there)."""


class _Dimension(NamedTuple):
    """One limited dimension of a claim: the counter field it is counted under, its ceiling and what the
    claim adds to it, and the `Usage` attribute it reads into (a named tuple: one is built per limited
    dimension of every claim a reserve sends)."""

    limit: Limit
    field: str
    ceiling: int
    amount: int
    usage: str


def _dimensions(claim: Claim) -> list[_Dimension]:
    """The limited dimensions of `claim`, in the order `domain.limits.exhausted_limit` checks them."""
    rule, code, customer = claim.rule, claim.code, claim.customer_id
    found: list[_Dimension] = []

    def count(limit: Limit, ceiling: int | None, field: str, amount: int, usage: str) -> None:
        if ceiling is not None:
            found.append(_Dimension(limit, field, _exact(ceiling), _exact(amount), usage))

    count(Limit.TOTAL_REDEMPTIONS, rule.total_redemptions, "uses", claim.uses, "uses")
    count(Limit.BUDGET_DISCOUNT, rule.budget_discount, "discount", claim.discount, "discount")
    count(Limit.BUDGET_ORDER_VALUE, rule.budget_order_value, "value", claim.order_value, "order_value")
    if customer is not None:
        count(Limit.PER_CUSTOMER, rule.per_customer, f"customer:{customer}", claim.uses, "customer_uses")
        count(
            Limit.PER_CUSTOMER_PER_DAY,
            rule.per_customer_per_day,
            f"day:{claim.day}:{customer}",
            claim.uses,
            "customer_day_uses",
        )
    if claim.device_id is not None:
        count(Limit.PER_DEVICE, rule.per_device, f"device:{claim.device_id}", claim.uses, "device_uses")
    if code is not None:
        count(Limit.CODE_USES, code.max_uses, f"code:{code.code}", claim.uses, "code_uses")
        if code.once_per_customer and customer is not None:
            count(Limit.CODE_PER_CUSTOMER, 1, f"codecustomer:{code.code}:{customer}", claim.uses, "code_customer_uses")
    return found


def _exact(value: int) -> int:
    if not -EXACT < value < EXACT:
        raise ValueError(f"{value} is beyond the integers the counters compare exactly (2**53)")
    return value


def _amounts(claim: Claim, dimensions: Sequence[_Dimension] | None = None) -> dict[str, int]:
    """What `claim` adds to each counter field (only limited dimensions, only what is not zero); pass its
    `dimensions` when they are at hand."""
    amounts: dict[str, int] = {}
    for dimension in _dimensions(claim) if dimensions is None else dimensions:
        if dimension.amount < 0:
            raise ValueError(f"a claim on {claim.campaign_id} takes a negative {dimension.limit}: {dimension.amount}")
        if dimension.amount:
            amounts[dimension.field] = amounts.get(dimension.field, 0) + dimension.amount
    return amounts


def _counted(claim: Claim) -> bool:
    return claim.rule.counted or (claim.code is not None and claim.code.counted)


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _entry(state: str, amounts: Mapping[str, int]) -> str:
    """The JSON of a hold entry, `{"s":state,"f":{field:"amount",...}}`, exactly as `_COMPACT` writes it;
    written out here because a reserve makes one per call and json's encoder is built per call."""
    fields = ",".join(f'{_quoted(field)}:"{amount}"' for field, amount in amounts.items())
    return f'{{"s":{_quoted(state)},"f":{{{fields}}}}}'


def _checks(dimensions: Sequence[_Dimension]) -> str:
    """The JSON of the reserve script's checks, `[[limit,field,"ceiling","wanted"],...]`, exactly as
    `_COMPACT` writes it (see `_entry`)."""
    checks = ",".join(
        f'[{_quoted(dimension.limit.value)},{_quoted(dimension.field)},"{dimension.ceiling}","{dimension.amount}"]'
        for dimension in dimensions
    )
    return f"[{checks}]"


def _strings(amounts: Mapping[str, int]) -> dict[str, str]:
    return {field: str(amount) for field, amount in amounts.items()}


def _instant(seconds: float) -> str:
    return f"{seconds:.6f}"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisCounters:
    """`CounterStore` and `AttemptLimiter` on Redis (a single server or a Redis Cluster)."""

    def __init__(
        self,
        client: RedisClient,
        *,
        ledger: LedgerReader,
        prefix: str = "kampanya",
        remember_commits: float = 3600.0,
        hold_grace: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`remember_commits`: how long (seconds) a committed order stays known to its campaigns, so that
        a repeated commit, release or reserve of it changes nothing. `hold_grace`: how much longer than
        its reservation's TTL a hold stays in Redis."""
        self._client = client
        self._ledger = ledger
        self._prefix = prefix
        self._remember_commits = remember_commits
        self._hold_grace = hold_grace
        self._clock = clock
        self._rebuilds: dict[str, asyncio.Future[None]] = {}
        self._keys: dict[str, tuple[str, str, str, str]] = {}
        self._rebuilt_at: dict[str, float] = {}
        self._reserve = client.register_script(lua.RESERVE)
        self._commit = client.register_script(lua.COMMIT)
        self._release = client.register_script(lua.RELEASE)
        self._give_back = client.register_script(lua.GIVE_BACK)
        self._usage = client.register_script(lua.USAGE)
        self._sweep = client.register_script(lua.SWEEP)
        self._rebuild = client.register_script(lua.REBUILD)
        self._failures = client.register_script(lua.FAILURES)
        self._record_failure = client.register_script(lua.RECORD_FAILURE)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        ledger: LedgerReader,
        prefix: str = "kampanya",
        timeout: float = 0.5,
        connect_timeout: float = 0.5,
        retries: int = 1,
        max_connections: int = 64,
        pool_timeout: float = 1.0,
        remember_commits: float = 3600.0,
        hold_grace: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> RedisCounters:
        """A store on the Redis server at `url`. A Redis that does not answer within the socket timeouts
        (after `retries` more tries), or no free connection among `max_connections` within `pool_timeout`,
        makes the operation raise `CountersUnavailable`."""
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout,
            socket_timeout=timeout,
            socket_connect_timeout=connect_timeout,
            retry=Retry(ExponentialBackoff(cap=0.1, base=0.01), retries),
        )
        return cls(
            Redis.from_pool(pool),
            ledger=ledger,
            prefix=prefix,
            remember_commits=remember_commits,
            hold_grace=hold_grace,
            clock=clock,
        )

    async def close(self) -> None:
        await self._client.aclose()

    # -- keys ----------------------------------------------------------------------------------------------

    def keys(self, campaign_id: str) -> tuple[str, str, str, str]:
        """The keys of one campaign: counters, holds, hold, returns (one hash tag, so one cluster slot)."""
        keys = self._keys.get(campaign_id)
        if keys is None:
            if len(self._keys) >= KEPT_KEYS:
                self._keys.clear()
            base = f"{self._prefix}:{{c:{campaign_id}}}"
            keys = self._keys[campaign_id] = (f"{base}:counters", f"{base}:holds", f"{base}:hold", f"{base}:returns")
        return keys

    def attempts_key(self, key: str) -> str:
        """The sorted set of the failed attempts of `key`."""
        return f"{self._prefix}:attempts:{key}"

    # -- CounterStore ----------------------------------------------------------------------------------------

    async def usage(self, claims: Sequence[Claim]) -> Mapping[str, Usage]:
        answers = await asyncio.gather(*(self._usage_of(claim) for claim in claims))
        return {claim.campaign_id: usage for claim, usage in zip(claims, answers, strict=True)}

    async def _usage_of(self, claim: Claim) -> Usage:
        dimensions = _dimensions(claim)
        if not _counted(claim) or not dimensions:
            return Usage()
        fields = [dimension.field for dimension in dimensions]
        reply = await self._campaign(claim.campaign_id, self._usage, 3, partial(_with_now, fields), label="usage")
        values = {dimension.usage: int(value) for dimension, value in zip(dimensions, reply[1:], strict=True)}
        return Usage(**values)

    async def reserve(self, order_id: str, claims: Sequence[Claim], *, ttl: float) -> Refusal | None:
        counted = [claim for claim in claims if _counted(claim)]
        campaign_ids = [claim.campaign_id for claim in counted]
        if len(set(campaign_ids)) != len(campaign_ids):
            raise ValueError(f"order {order_id} claims a campaign twice: {campaign_ids}")
        taken: list[str] = []
        try:
            for claim in counted:
                taken.append(claim.campaign_id)
                refusal = await self._reserve_one(order_id, claim, ttl)
                if refusal is not None:
                    taken.pop()
                    await self._give_back_holds(order_id, taken, refusal)
                    return refusal
        except BaseException:
            # the last script may have run even though its answer was lost: give back everything tried
            await self._give_back_holds(order_id, taken, None)
            raise
        return None

    async def _reserve_one(self, order_id: str, claim: Claim, ttl: float) -> Refusal | None:
        dimensions = _dimensions(claim)
        entry = _entry("h", _amounts(claim, dimensions))
        # one argument for all the checks: Redis clients pack every argument on its own, at a cost per argument
        checks = _checks(dimensions)

        def arguments(now: float) -> list[str]:
            return [_instant(now), order_id, _instant(now + ttl + self._hold_grace), entry, checks]

        reply = await self._campaign(claim.campaign_id, self._reserve, 3, arguments, label="reserve")
        if _text(reply[0]) != "refused":
            return None
        limit, taken, wanted, ceiling = (_text(part) for part in reply[1:5])
        return Refusal(claim.campaign_id, Limit(limit), f"{taken} taken + {wanted} wanted > {ceiling}")

    async def _give_back_holds(self, order_id: str, campaign_ids: Sequence[str], refusal: Refusal | None) -> None:
        """Release what a reserve that did not go through took, campaign by campaign. This is best effort: a
        failure is only logged (that hold ends with its time to live), so that the refusal or the original
        error is what reaches the caller."""
        for campaign_id in campaign_ids:
            try:
                await self.release(order_id, [campaign_id])
            except (Exception, asyncio.CancelledError) as error:
                log.warning(
                    "reserve of order %s %s; its hold on %s could not be given back and will expire: %r",
                    order_id,
                    f"refused by {refusal.campaign_id}" if refusal else "failed",
                    campaign_id,
                    error,
                )

    async def commit(self, order_id: str, campaign_ids: Sequence[str]) -> list[str]:
        lapsed: list[str] = []

        def arguments(now: float) -> list[str]:
            return [_instant(now), order_id, _instant(now + self._remember_commits)]

        for campaign_id in campaign_ids:
            reply = await self._campaign(campaign_id, self._commit, 3, arguments, label="commit")
            if _text(reply[0]) == "expired":
                lapsed.append(campaign_id)
        return lapsed

    async def release(self, order_id: str, campaign_ids: Sequence[str], *, ended_by: float | None = None) -> None:
        arguments = [order_id] if ended_by is None else [order_id, _instant(ended_by + self._hold_grace)]
        for campaign_id in campaign_ids:
            await self._campaign(campaign_id, self._release, 3, partial(_with_now, arguments), label="release")

    async def give_back(self, order_id: str, return_id: str, claims: Sequence[Claim]) -> None:
        grouped: dict[str, dict[str, int]] = defaultdict(dict)
        for claim in claims:
            if not _counted(claim):
                continue
            amounts = grouped[claim.campaign_id]
            for field, amount in _amounts(claim).items():
                amounts[field] = amounts.get(field, 0) + amount
        member = json.dumps([order_id, return_id])
        for campaign_id, amounts in grouped.items():
            fields = _COMPACT.encode(_strings(amounts))
            await self._campaign(
                campaign_id, self._give_back, 4, partial(_with_now, [member, fields]), label="give_back"
            )

    async def resync(self, campaign_ids: Sequence[str]) -> None:
        """Drop the readiness marker of these campaigns: the next operation on each rebuilds it from the
        ledger (every process sees the marker gone at once)."""
        for campaign_id in campaign_ids:
            try:
                await self._client.hdel(self.keys(campaign_id)[0], lua.READY)
            except UNAVAILABLE as error:
                raise CountersUnavailable(f"Redis could not resync {campaign_id}: {error!r}") from error

    async def sweep(self, campaign_ids: Sequence[str]) -> int:
        """Purge the expired holds of these campaigns (what they held is free again); return how many."""
        now = _instant(self._clock())
        swept = 0
        for campaign_id in campaign_ids:
            reply = await self._call(self._sweep, self.keys(campaign_id)[:3], [now], label="sweep")
            swept += int(reply[1])
        return swept

    # -- AttemptLimiter ----------------------------------------------------------------------------------

    async def failures(self, key: str, *, window: float) -> int:
        now = self._clock()
        reply = await self._call(
            self._failures, [self.attempts_key(key)], [_instant(now - _window(window))], label="failures"
        )
        return int(reply)

    async def attempt(self, key: str, *, window: float) -> Attempt:
        now = self._clock()
        member = f"{_instant(now)}:{secrets.token_hex(8)}"
        arguments = [
            _instant(now - _window(window)),
            _instant(now),
            member,
            str(math.ceil(window * 1000)),
            str(KEEP_ATTEMPTS),
        ]
        reply = await self._call(self._record_failure, [self.attempts_key(key)], arguments, label="record_failure")
        return Attempt(int(reply), member)

    async def forget(self, key: str, token: str) -> None:
        try:
            await self._client.zrem(self.attempts_key(key), token)
        except UNAVAILABLE as error:
            raise CountersUnavailable(f"Redis could not forget an attempt: {error!r}") from error

    # -- plumbing ----------------------------------------------------------------------------------------

    async def _campaign(
        self,
        campaign_id: str,
        script: AsyncScript,
        keys: int,
        arguments: Callable[[float], Sequence[str]],
        *,
        label: str,
    ) -> list[Any]:
        """Run a campaign script (on the first `keys` keys of the campaign), rebuilding the campaign from the
        ledger as long as the script finds it not ready."""
        for _ in range(REBUILD_ATTEMPTS):
            sent = time.monotonic()
            reply: list[Any] = await self._call(
                script, self.keys(campaign_id)[:keys], arguments(self._clock()), label=label
            )
            if _text(reply[0]) != "unready":
                return reply
            await self._rebuilt(campaign_id, since=sent)
        raise CountersUnavailable(f"the counters of campaign {campaign_id} kept disappearing while rebuilt")

    async def _rebuilt(self, campaign_id: str, *, since: float) -> None:
        """See the campaign rebuilt from the ledger after `since` (when a script that found it not ready was
        sent): join the rebuild under way in this process, or return at once if one ended after `since`
        (the script ran before it), or rebuild now."""
        running = self._rebuilds.get(campaign_id)
        if running is None:
            if self._rebuilt_at.get(campaign_id, -math.inf) >= since:
                return
            running = asyncio.ensure_future(self._rebuild_from_ledger(campaign_id))
            self._rebuilds[campaign_id] = running

            def forget(done: asyncio.Future[None]) -> None:
                if self._rebuilds.get(campaign_id) is done:
                    del self._rebuilds[campaign_id]
                    if not done.cancelled() and done.exception() is None:
                        self._rebuilt_at[campaign_id] = time.monotonic()

            running.add_done_callback(forget)
        await asyncio.shield(running)

    async def _rebuild_from_ledger(self, campaign_id: str) -> None:
        now = self._clock()
        takings = await self._ledger.takings(campaign_id, now=now - self._hold_grace)
        totals: dict[str, int] = defaultdict(int)
        holds: dict[str, tuple[float, dict[str, int]]] = {}
        returns: set[str] = set()
        for taken in takings:
            returns.update(json.dumps([taken.order_id, return_id]) for return_id in taken.returns)
            expires_at = None if taken.expires_at is None else taken.expires_at + self._hold_grace
            if taken.claim.campaign_id != campaign_id or (expires_at is not None and expires_at <= now):
                continue
            amounts = _amounts(taken.claim)
            for field, amount in amounts.items():
                totals[field] += amount
            if expires_at is not None:
                latest, held = holds.get(taken.order_id, (expires_at, {}))
                for field, amount in amounts.items():
                    held[field] = held.get(field, 0) + amount
                holds[taken.order_id] = (max(latest, expires_at), held)
        arguments: list[str] = [str(len(totals))]
        for field, amount in totals.items():
            arguments += [field, str(_exact(amount))]
        arguments.append(str(len(returns)))
        arguments += sorted(returns)
        for order_id, (expires_at, held) in holds.items():
            arguments += [order_id, _instant(expires_at), _entry("r", held)]
        written = await self._call(self._rebuild, self.keys(campaign_id), arguments, label="rebuild")
        if int(written):
            # a campaign counted for the first time starts empty; one that had takings lost its counters
            log.log(
                logging.WARNING if takings else logging.INFO,
                "counters of campaign %s rebuilt from the ledger: %d takings, %d of them held",
                campaign_id,
                len(takings),
                len(holds),
            )

    async def _call(self, script: AsyncScript, keys: Sequence[str], arguments: Sequence[str], *, label: str) -> Any:
        try:
            call: Awaitable[Any] = script(keys=keys, args=arguments)
            return await call
        except UNAVAILABLE as error:
            raise CountersUnavailable(f"Redis could not run {label}: {error!r}") from error


def _with_now(arguments: Sequence[str], now: float) -> list[str]:
    return [_instant(now), *arguments]


def _window(window: float) -> float:
    if window <= 0:
        raise ValueError(f"an attempt window must be positive, not {window}")
    return window
