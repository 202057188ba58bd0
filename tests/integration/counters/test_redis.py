"""What only the Redis counter store does: it rebuilds a campaign's counters from the ledger when Redis lost
them, survives a flushed script cache, raises `CountersUnavailable` when Redis cannot be reached, counts
failed attempts in a sliding window, and runs unchanged on a Redis Cluster (every key of a campaign in one
slot). Destructive commands (FLUSHALL, SCRIPT FLUSH, restarts) run on Redis servers the tests start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from domain.counters import CountersUnavailable
from domain.counters.redis import RedisCounters
from domain.limits import Claim, CodeRule, LedgerReader, Limit, LimitRule, Taken, Usage, exhausted_limit
from tests.integration.counters.conftest import GivenLedger
from tests.integration.redis_servers import RedisProcess

pytestmark = pytest.mark.redis

DAY = "2026-11-22"


def _claim(rule: LimitRule, **fields: object) -> Claim:
    values: dict[str, object] = {"customer_id": "ayse", "device_id": "d1", "day": DAY}
    values.update(fields)
    return Claim(rule, **values)  # type: ignore[arg-type]


async def _usage(counters: RedisCounters, claim: Claim) -> Usage:
    return (await counters.usage([claim]))[claim.campaign_id]


def _script_loads(server: RedisProcess) -> int:
    stats = server.command("INFO", "commandstats")
    assert isinstance(stats, dict)
    return int(stats.get("cmdstat_script|load", {}).get("calls", 0))


@pytest.fixture
def redis_cluster() -> Iterator[list[RedisProcess]]:
    """A Redis Cluster of three masters on free loopback ports; its processes are stopped and its directory
    deleted afterwards whatever happened."""
    directory = Path(tempfile.mkdtemp(prefix="kampanya-cluster-"))
    nodes: list[RedisProcess] = []
    try:
        for _ in range(3):
            nodes.append(RedisProcess(directory, cluster=True))
            nodes[-1].start()
        addresses = [f"127.0.0.1:{node.port}" for node in nodes]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        deadline = time.monotonic() + 15
        while not all("cluster_state:ok" in str(node.command("CLUSTER", "INFO")) for node in nodes):
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not become ready")
            time.sleep(0.05)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def open_counters(redis_url: str, redis_prefix: str) -> AsyncIterator[Callable[..., RedisCounters]]:
    """Opens stores on the shared Redis under one prefix of this test (its keys are deleted afterwards)."""
    prefix = redis_prefix
    opened: list[RedisCounters] = []

    def open_one(ledger: LedgerReader, url: str = redis_url, **options: object) -> RedisCounters:
        counters = RedisCounters.from_url(url, ledger=ledger, prefix=prefix, hold_grace=0, **options)  # type: ignore[arg-type]
        opened.append(counters)
        return counters

    try:
        yield open_one
    finally:
        for counters in opened:
            await counters.close()


@pytest.fixture
async def private_counters(private_redis: RedisProcess, ledger: GivenLedger) -> AsyncIterator[RedisCounters]:
    counters = RedisCounters.from_url(private_redis.url, ledger=ledger, hold_grace=0)
    try:
        yield counters
    finally:
        await counters.close()


async def _forget(counters: RedisCounters, redis_url: str, campaign_id: str) -> None:
    """Delete every key of one campaign, as a Redis that lost its data would have."""
    client = Redis.from_url(redis_url)
    try:
        await client.delete(*counters.keys(campaign_id))
    finally:
        await client.aclose()


class CountingLedger(GivenLedger):
    """A given ledger that counts how often it is read, and can be told to wait for several readers."""

    def __init__(self, *, readers: int = 1) -> None:
        super().__init__()
        self.reads = 0
        self.readers = readers
        self.all_in = asyncio.Event()

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        self.reads += 1
        if self.reads >= self.readers:
            self.all_in.set()
        await asyncio.wait_for(self.all_in.wait(), timeout=5)
        return await super().takings(campaign_id, now=now)


class GatedLedger(GivenLedger):
    """A given ledger whose first reader gets what the ledger held when it asked, but only once the gate
    opens (a process that read the ledger, then stalled)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.gate = asyncio.Event()

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        self.reads += 1
        takings = await super().takings(campaign_id, now=now)
        if self.reads == 1:
            await asyncio.wait_for(self.gate.wait(), timeout=5)
        return takings


class LedgerDown(Exception):
    pass


class BrokenLedger(GivenLedger):
    """A ledger that cannot be read for some campaigns."""

    def __init__(self, broken: set[str]) -> None:
        super().__init__()
        self.broken = broken

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        if campaign_id in self.broken:
            raise LedgerDown(campaign_id)
        return await super().takings(campaign_id, now=now)


# -- rebuilding from the ledger -------------------------------------------------------------------------------


async def test_after_a_flushall_the_counters_are_rebuilt_from_the_ledger_before_a_reservation_is_judged(
    private_redis: RedisProcess, private_counters: RedisCounters, ledger: GivenLedger
) -> None:
    rule = LimitRule("flushed", total_redemptions=3, budget_discount=1_000)
    for index in range(3):
        assert (
            await private_counters.reserve(f"o{index}", [_claim(rule, customer_id=f"c{index}", discount=100)], ttl=60)
            is None
        )
    await private_counters.commit("o0", ["flushed"])
    ledger.entries["flushed"] = [
        Taken("o0", _claim(rule, customer_id="c0", discount=100)),
        Taken("o1", _claim(rule, customer_id="c1", discount=100), expires_at=time.time() + 60),
        Taken("o2", _claim(rule, customer_id="c2", discount=100), expires_at=time.time() + 60),
    ]

    private_redis.command("FLUSHALL")
    refusal = await private_counters.reserve("o3", [_claim(rule, customer_id="c3")], ttl=60)

    assert refusal is not None
    assert refusal.limit is Limit.TOTAL_REDEMPTIONS
    assert await _usage(private_counters, _claim(rule)) == Usage(uses=3, discount=300)


async def test_a_rebuild_restores_used_takings_as_counters_and_open_holds_as_holds(
    redis_counters: RedisCounters, ledger: GivenLedger, redis_url: str
) -> None:
    rule = LimitRule("restored", total_redemptions=10, per_customer=5)
    ledger.entries["restored"] = [
        Taken("used", _claim(rule)),
        Taken("held", _claim(rule), expires_at=time.time() + 60),
        Taken("ending", _claim(rule), expires_at=time.time() + 0.2),
        Taken("ended", _claim(rule), expires_at=time.time() - 1),
    ]
    await _forget(redis_counters, redis_url, "restored")

    assert await _usage(redis_counters, _claim(rule)) == Usage(uses=3, customer_uses=3)
    assert await redis_counters.commit("held", ["restored"]) == []
    await asyncio.sleep(0.3)
    assert await _usage(redis_counters, _claim(rule)) == Usage(uses=2, customer_uses=2)
    assert await redis_counters.commit("ending", ["restored"]) == ["restored"]


async def test_an_order_whose_hold_the_ledger_restored_is_counted_once_when_reserved_again(
    redis_counters: RedisCounters, ledger: GivenLedger, redis_url: str
) -> None:
    rule = LimitRule("again", total_redemptions=3, budget_discount=1_000)
    ledger.entries["again"] = [
        Taken("o1", _claim(rule, discount=400)),
        Taken("o2", _claim(rule, customer_id="b", discount=400), expires_at=time.time() + 60),
    ]
    await _forget(redis_counters, redis_url, "again")

    assert await redis_counters.reserve("o2", [_claim(rule, customer_id="b", discount=400)], ttl=60) is None
    assert await redis_counters.reserve("o2", [_claim(rule, customer_id="b", discount=400)], ttl=60) is None

    assert await _usage(redis_counters, _claim(rule)) == Usage(uses=2, discount=800)
    refusal = await redis_counters.reserve("o3", [_claim(rule, customer_id="c", discount=300)], ttl=60)
    assert refusal is not None
    assert refusal.limit is Limit.BUDGET_DISCOUNT


async def test_a_restored_hold_that_no_longer_fits_is_refused_and_given_back(
    redis_counters: RedisCounters, ledger: GivenLedger, redis_url: str
) -> None:
    # the order book records a hold before the counters judge it: a rebuild in between restores it
    rule = LimitRule("pending", total_redemptions=3)
    ledger.entries["pending"] = [Taken(f"o{index}", _claim(rule, customer_id=f"c{index}")) for index in range(3)]
    ledger.entries["pending"].append(Taken("o3", _claim(rule, customer_id="c3"), expires_at=time.time() + 60))
    await _forget(redis_counters, redis_url, "pending")

    refusal = await redis_counters.reserve("o3", [_claim(rule, customer_id="c3")], ttl=60)

    assert refusal is not None
    assert refusal.limit is Limit.TOTAL_REDEMPTIONS
    assert (await _usage(redis_counters, _claim(rule))).uses == 3
    assert await redis_counters.commit("o3", ["pending"]) == ["pending"]


async def test_two_processes_rebuilding_at_once_count_the_ledger_once(
    open_counters: Callable[..., RedisCounters], caplog: pytest.LogCaptureFixture
) -> None:
    rule = LimitRule("raced", total_redemptions=5, per_customer=5)
    ledger = CountingLedger(readers=2)
    ledger.entries["raced"] = [Taken(f"o{index}", _claim(rule)) for index in range(3)]
    first, second = open_counters(ledger), open_counters(ledger)

    with caplog.at_level(logging.WARNING, logger="domain.counters.redis"):
        usages = await asyncio.gather(_usage(first, _claim(rule)), _usage(second, _claim(rule)))

    assert ledger.reads == 2
    assert list(usages) == [Usage(uses=3, customer_uses=3)] * 2
    assert sum("rebuilt from the ledger" in record.message for record in caplog.records) == 1
    assert await first.reserve("o4", [_claim(rule)], ttl=60) is None
    assert await second.reserve("o5", [_claim(rule)], ttl=60) is None
    assert await first.reserve("o6", [_claim(rule)], ttl=60) is not None


async def test_a_late_rebuild_from_an_older_reading_of_the_ledger_changes_nothing(
    open_counters: Callable[..., RedisCounters], caplog: pytest.LogCaptureFixture
) -> None:
    rule = LimitRule("late", total_redemptions=5, per_customer=5)
    ledger = GatedLedger()
    ledger.entries["late"] = [Taken(f"o{index}", _claim(rule)) for index in range(3)]
    stalled, lively = open_counters(ledger), open_counters(ledger)

    with caplog.at_level(logging.WARNING, logger="domain.counters.redis"):
        late = asyncio.create_task(_usage(stalled, _claim(rule)))
        while ledger.reads < 1:
            await asyncio.sleep(0.005)
        assert await lively.reserve("o3", [_claim(rule)], ttl=60) is None
        ledger.gate.set()

        assert await late == Usage(uses=4, customer_uses=4)
    assert sum("rebuilt from the ledger" in record.message for record in caplog.records) == 1


async def test_one_process_reads_the_ledger_once_however_many_calls_find_a_campaign_not_ready(
    open_counters: Callable[..., RedisCounters],
) -> None:
    rule = LimitRule("crowd", total_redemptions=20)
    ledger = CountingLedger()
    counters = open_counters(ledger)

    results = await asyncio.gather(
        *(counters.reserve(f"o{index}", [_claim(rule, customer_id=f"c{index}")], ttl=60) for index in range(30))
    )

    assert ledger.reads == 1
    assert sum(result is None for result in results) == 20


async def test_a_reserve_that_fails_midway_gives_back_what_it_took(
    open_counters: Callable[..., RedisCounters],
) -> None:
    open_rule, broken_rule = LimitRule("fine", total_redemptions=10), LimitRule("broken", total_redemptions=10)
    counters = open_counters(BrokenLedger({"broken"}))

    with pytest.raises(LedgerDown):
        await counters.reserve("o1", [_claim(open_rule), _claim(broken_rule)], ttl=60)

    assert (await _usage(counters, _claim(open_rule))).uses == 0


# -- scripts, idempotence, expiry ---------------------------------------------------------------------------


async def test_a_script_flush_in_the_middle_changes_nothing(
    private_redis: RedisProcess, private_counters: RedisCounters
) -> None:
    rule = LimitRule("scripts", total_redemptions=20, budget_discount=10_000)
    assert await private_counters.reserve("o0", [_claim(rule, discount=100)], ttl=60) is None
    assert (await private_counters.attempt("ayse", window=60)).count == 1
    loads = _script_loads(private_redis)

    private_redis.command("SCRIPT", "FLUSH")
    results = await asyncio.gather(
        *(
            private_counters.reserve(f"o{index}", [_claim(rule, customer_id=f"c{index}", discount=100)], ttl=60)
            for index in range(1, 10)
        )
    )
    assert await private_counters.commit("o1", ["scripts"]) == []
    await private_counters.release("o2", ["scripts"])
    await private_counters.give_back("o1", "r1", [_claim(rule, discount=100, uses=1)])
    private_redis.command("SCRIPT", "FLUSH")

    assert results == [None] * 9
    assert await _usage(private_counters, _claim(rule)) == Usage(uses=8, discount=800)
    assert await private_counters.sweep(["scripts"]) == 0
    assert (await private_counters.attempt("ayse", window=60)).count == 2
    assert await private_counters.failures("ayse", window=60) == 2
    assert _script_loads(private_redis) > loads  # the scripts were loaded again, not merely still there


async def test_a_committed_order_stays_counted_once_whatever_is_repeated(redis_counters: RedisCounters) -> None:
    rule = LimitRule("done", total_redemptions=5, budget_discount=1_000)
    assert await redis_counters.reserve("o1", [_claim(rule, discount=300)], ttl=60) is None

    assert await redis_counters.commit("o1", ["done"]) == []
    assert await redis_counters.commit("o1", ["done"]) == []
    assert await redis_counters.reserve("o1", [_claim(rule, discount=300)], ttl=60) is None
    await redis_counters.release("o1", ["done"])

    assert await _usage(redis_counters, _claim(rule)) == Usage(uses=1, discount=300)


async def test_returns_of_different_orders_count_apart_even_under_the_same_return_id(
    redis_counters: RedisCounters,
) -> None:
    rule = LimitRule("returns", budget_discount=10_000)
    for order_id in ("o1", "o2"):
        await redis_counters.reserve(order_id, [_claim(rule, discount=1_000)], ttl=60)
        await redis_counters.commit(order_id, ["returns"])

    await redis_counters.give_back("o1", "r1", [_claim(rule, discount=400)])
    await redis_counters.give_back("o2", "r1", [_claim(rule, discount=400)])
    await redis_counters.give_back("o2", "r1", [_claim(rule, discount=400)])

    assert (await _usage(redis_counters, _claim(rule))).discount == 1_200


async def test_a_sweep_gives_back_the_expired_holds_of_the_named_campaigns(redis_counters: RedisCounters) -> None:
    rules = [LimitRule("swept-a", total_redemptions=1), LimitRule("swept-b", total_redemptions=1)]
    assert await redis_counters.reserve("short", [_claim(rule) for rule in rules], ttl=0.1) is None
    assert await redis_counters.reserve("long", [_claim(LimitRule("kept", total_redemptions=1))], ttl=60) is None

    await asyncio.sleep(0.2)

    assert await redis_counters.sweep(["swept-a", "swept-b", "kept", "never-seen"]) == 2
    assert await redis_counters.sweep(["swept-a", "swept-b"]) == 0
    assert [(await _usage(redis_counters, _claim(rule))).uses for rule in rules] == [0, 0]


async def test_each_decision_is_the_one_exhausted_limit_takes_on_what_is_counted(
    redis_counters: RedisCounters,
) -> None:
    rule = LimitRule(
        "judged",
        total_redemptions=25,
        per_customer=4,
        per_customer_per_day=2,
        per_device=6,
        budget_discount=6_000,
        budget_order_value=60_000,
    )
    codes = [None, CodeRule("MANY", max_uses=8), CodeRule("ONCE", once_per_customer=True)]
    chance = random.Random(20261122)
    accepted: list[str] = []
    for index in range(150):
        claim = _claim(
            rule,
            customer_id=chance.choice(["ayse", "bora", "cem", None]),
            device_id=chance.choice(["d1", "d2", "d3", None]),
            day=chance.choice(["2026-11-22", "2026-11-23"]),
            code=chance.choice(codes),
            discount=chance.randrange(0, 800),
            order_value=chance.randrange(0, 5_000),
        )
        expected = exhausted_limit(claim, await _usage(redis_counters, claim))

        refusal = await redis_counters.reserve(f"o{index}", [claim], ttl=60)

        assert (refusal.limit if refusal else None) is expected, (index, claim)
        if refusal is None:
            accepted.append(f"o{index}")
        if accepted and chance.random() < 0.3:
            order_id = accepted.pop(chance.randrange(len(accepted)))
            await chance.choice([redis_counters.release, redis_counters.commit])(order_id, ["judged"])


# -- Redis that cannot be reached -------------------------------------------------------------------------------


def _every_operation(counters: RedisCounters) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
    claim = _claim(LimitRule("away", total_redemptions=1))
    return [
        ("reserve", lambda: counters.reserve("o1", [claim], ttl=60)),
        ("usage", lambda: counters.usage([claim])),
        ("commit", lambda: counters.commit("o1", ["away"])),
        ("release", lambda: counters.release("o1", ["away"])),
        ("give_back", lambda: counters.give_back("o1", "r1", [claim])),
        ("sweep", lambda: counters.sweep(["away"])),
        ("failures", lambda: counters.failures("ayse", window=60)),
        ("attempt", lambda: counters.attempt("ayse", window=60)),
    ]


async def test_an_unreachable_redis_makes_every_operation_raise_counters_unavailable(ledger: GivenLedger) -> None:
    counters = RedisCounters.from_url("redis://127.0.0.1:1/0", ledger=ledger)
    try:
        for name, operation in _every_operation(counters):
            started = time.monotonic()
            with pytest.raises(CountersUnavailable) as raised:
                await operation()
            assert raised.value.__cause__ is not None, name
            assert time.monotonic() - started < 1, name
    finally:
        await counters.close()


async def test_a_redis_that_does_not_answer_in_time_is_unavailable(ledger: GivenLedger) -> None:
    connections: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        with contextlib.suppress(ConnectionError):
            await reader.read()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    counters = RedisCounters.from_url(f"redis://127.0.0.1:{port}/0", ledger=ledger, timeout=0.2, retries=0)
    try:
        started = time.monotonic()
        with pytest.raises(CountersUnavailable) as raised:
            await counters.reserve("o1", [_claim(LimitRule("mute", total_redemptions=1))], ttl=60)
        assert isinstance(raised.value.__cause__, Exception)
        assert time.monotonic() - started < 1.5
    finally:
        await counters.close()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_restarted_redis_is_unavailable_while_down_then_rebuilt_from_the_ledger(
    private_redis: RedisProcess, private_counters: RedisCounters, ledger: GivenLedger
) -> None:
    rule = LimitRule("restart", total_redemptions=2)
    assert await private_counters.reserve("o1", [_claim(rule)], ttl=60) is None
    ledger.entries["restart"] = [Taken("o1", _claim(rule), expires_at=time.time() + 60)]

    private_redis.stop()
    for _, operation in _every_operation(private_counters):
        with pytest.raises(CountersUnavailable):
            await operation()
    private_redis.start()

    assert await private_counters.reserve("o1", [_claim(rule)], ttl=60) is None
    assert await private_counters.reserve("o2", [_claim(rule, customer_id="b")], ttl=60) is None
    assert await private_counters.reserve("o3", [_claim(rule, customer_id="c")], ttl=60) is not None
    assert await private_counters.commit("o1", ["restart"]) == []


# -- failed attempts --------------------------------------------------------------------------------------------


async def test_failed_attempts_are_counted_in_a_sliding_window_per_key(
    redis_counters: RedisCounters, redis_url: str
) -> None:
    window = 0.4
    assert await redis_counters.failures("ip:10.0.0.1", window=window) == 0
    assert (await redis_counters.attempt("ip:10.0.0.1", window=window)).count == 1
    await asyncio.sleep(0.25)
    assert (await redis_counters.attempt("ip:10.0.0.1", window=window)).count == 2
    assert (await redis_counters.attempt("customer:ayse", window=window)).count == 1
    assert await redis_counters.failures("ip:10.0.0.1", window=window) == 2

    await asyncio.sleep(0.25)  # the first failure left the window, the second did not
    assert await redis_counters.failures("ip:10.0.0.1", window=window) == 1
    await asyncio.sleep(0.25)
    assert await redis_counters.failures("ip:10.0.0.1", window=window) == 0

    client = Redis.from_url(redis_url)
    try:
        assert await client.exists(redis_counters.attempts_key("customer:ayse")) == 0
    finally:
        await client.aclose()


async def test_an_attempt_window_must_be_positive(redis_counters: RedisCounters) -> None:
    with pytest.raises(ValueError, match="positive"):
        await redis_counters.attempt("ayse", window=0)


# -- Redis Cluster -------------------------------------------------------------------------------------------


async def test_every_operation_runs_on_a_redis_cluster_with_each_campaign_in_one_slot(
    redis_cluster: list[RedisProcess], ledger: GivenLedger
) -> None:
    client = RedisCluster(host="127.0.0.1", port=redis_cluster[0].port, socket_timeout=2, socket_connect_timeout=2)
    counters = RedisCounters(client, ledger=ledger, prefix="kampanya", hold_grace=0)
    rules = [
        LimitRule(f"camp-{index}", total_redemptions=2, per_customer=1, budget_discount=1_000) for index in range(8)
    ]
    ids = [rule.campaign_id for rule in rules]
    once = CodeRule("WELCOME", max_uses=5, once_per_customer=True)
    try:
        assert await counters.reserve("o1", [_claim(rule, discount=100, code=once) for rule in rules], ttl=60) is None
        assert await counters.commit("o1", ids) == []
        await client.script_flush()
        assert (
            await counters.reserve("o2", [_claim(rule, customer_id="b", discount=200) for rule in rules], ttl=60)
            is None
        )
        await counters.release("o2", ids)
        refusal = await counters.reserve("o3", [_claim(rule, discount=100) for rule in rules], ttl=60)
        await counters.give_back("o1", "r1", [_claim(rule, discount=50, uses=0) for rule in rules[:4]])
        assert await counters.reserve("o4", [_claim(rule, customer_id="c") for rule in rules], ttl=0.1) is None
        await asyncio.sleep(0.2)
        assert await counters.sweep(ids) == len(ids)
        assert (await counters.attempt("ayse", window=60)).count == 1

        assert refusal is not None
        assert (refusal.campaign_id, refusal.limit) == ("camp-0", Limit.PER_CUSTOMER)
        usages = await counters.usage([_claim(rule, code=once) for rule in rules])
        assert [usages[campaign_id] for campaign_id in ids] == [
            Usage(uses=1, discount=50 if index < 4 else 100, customer_uses=1, code_uses=1, code_customer_uses=1)
            for index in range(8)
        ]

        slots: dict[str, set[int]] = {}
        keys = [key.decode() async for key in client.scan_iter(match="kampanya:{c:*")]
        for key in keys:
            campaign_id = key.split("{c:")[1].split("}")[0]
            slots.setdefault(campaign_id, set()).add(await client.cluster_keyslot(key))
        assert sorted(slots) == sorted(ids)
        assert all(len(campaign_slots) == 1 for campaign_slots in slots.values())
        assert len(keys) == 3 * 8 + 4  # counters, holds (committed orders) and hold, and returns for four
        owners = {client.get_node_from_key(key).port for key in keys}  # type: ignore[union-attr]
        assert len(owners) > 1
    finally:
        await counters.close()
