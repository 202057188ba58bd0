"""The SQL counter store beyond the contract: its tables come with the migrations, writers in separate
processes share one limit, SQLite's write lock is waited out, the attempt limiter's window slides, and a
database that cannot be reached makes the counters unavailable."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest

from domain.counters import CountersUnavailable
from domain.counters.sql import SqlCounters
from domain.limits import Claim, Limit, LimitRule, Usage
from domain.store import Store, migrate

HOT = LimitRule("hot", total_redemptions=50, budget_discount=1_000_000)


def _claim(customer_id: str = "ayse") -> Claim:
    return Claim(HOT, discount=100, customer_id=customer_id, day="2026-11-22")


class Clock:
    """An application clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CuttableProxy:
    """A TCP proxy to a server that the test can cut, as when the network or the server goes away."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._transports: list[asyncio.WriteTransport] = []
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for transport in self._transports:
            transport.abort()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _forward(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        self._transports += [client_writer.transport, server_writer.transport]
        await asyncio.gather(
            _pipe(client_reader, server_writer), _pipe(server_reader, client_writer), return_exceptions=True
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@pytest.fixture
async def counters(store: Store) -> SqlCounters:
    return SqlCounters(store.database, hold_grace=0)


async def test_the_migrations_create_the_counter_tables(blank_database_url: str) -> None:
    assert "0004_counters" in await migrate(blank_database_url)

    async with await Store.open(blank_database_url) as store:
        counters = SqlCounters(store.database, hold_grace=0)
        assert await counters.reserve("o1", [_claim()], ttl=60) is None
        assert (await counters.attempt("203.0.113.7", window=60)).count == 1
        assert (await counters.usage([_claim()]))["hot"] == Usage(uses=1, discount=100)


async def test_two_processes_reserving_at_once_never_exceed_the_limit(database_url: str) -> None:
    async with await Store.open(database_url) as first, await Store.open(database_url) as second:
        processes = [SqlCounters(first.database, hold_grace=0), SqlCounters(second.database, hold_grace=0)]

        results = await asyncio.gather(
            *(
                processes[index % 2].reserve(f"o{index}", [_claim(customer_id=f"c{index}")], ttl=60)
                for index in range(200)
            )
        )

        assert sum(result is None for result in results) == 50
        assert {result.limit for result in results if result is not None} == {Limit.TOTAL_REDEMPTIONS}
        for counters in processes:
            assert (await counters.usage([_claim()]))["hot"] == Usage(uses=50, discount=5_000)


async def test_a_give_back_never_takes_a_counter_below_zero(counters: SqlCounters) -> None:
    await counters.reserve("o1", [_claim()], ttl=60)
    await counters.commit("o1", ["hot"])

    await counters.give_back("o1", "r1", [Claim(HOT, discount=500, uses=3)])

    assert (await counters.usage([_claim()]))["hot"] == Usage()


async def test_failed_attempts_are_counted_in_a_sliding_window(store: Store) -> None:
    clock = Clock()
    limiter = SqlCounters(store.database, clock=clock, hold_grace=0)

    counts = []
    for now in (1_000.0, 1_010.0, 1_020.0):
        clock.now = now
        counts.append((await limiter.attempt("203.0.113.7", window=30)).count)
    assert counts == [1, 2, 3]

    clock.now = 1_035.0
    assert await limiter.failures("203.0.113.7", window=30) == 2
    assert (await limiter.attempt("203.0.113.7", window=30)).count == 3
    assert await limiter.failures("customer:ayse", window=30) == 0

    clock.now = 1_100.0
    assert await limiter.failures("203.0.113.7", window=30) == 0


async def test_a_sqlite_writer_waits_out_another_connections_write_lock(sqlite_url: str) -> None:
    # a busy timeout shorter than the lock: the writer gets "database is locked" and tries again
    async with _sqlite_locked(sqlite_url, for_seconds=0.3), await Store.open(f"{sqlite_url}?busy_timeout=100") as store:
        assert await SqlCounters(store.database, hold_grace=0).reserve("o1", [_claim()], ttl=60) is None


async def test_a_sqlite_database_locked_for_too_long_makes_the_counters_unavailable(sqlite_url: str) -> None:
    async with await Store.open(f"{sqlite_url}?busy_timeout=100") as store, _sqlite_locked(sqlite_url, for_seconds=5):
        with pytest.raises(CountersUnavailable, match="database is locked"):
            await SqlCounters(store.database, hold_grace=0).reserve("o1", [_claim()], ttl=60)


@pytest.mark.postgres
async def test_an_unreachable_postgresql_makes_the_counters_unavailable(postgres_url: str) -> None:
    server = urlsplit(postgres_url)
    proxy = CuttableProxy(server.hostname or "127.0.0.1", server.port or 5432)
    port = await proxy.start()
    async with await Store.open(f"postgres://postgres@127.0.0.1:{port}{server.path}") as store:
        counters = SqlCounters(store.database, hold_grace=0)
        assert await counters.reserve("o1", [_claim()], ttl=60) is None

        await proxy.cut()

        with pytest.raises(CountersUnavailable) as refused:
            await counters.reserve("o2", [_claim()], ttl=60)
        assert refused.value.__cause__ is not None
        with pytest.raises(CountersUnavailable):
            await counters.usage([_claim()])


@asynccontextmanager
async def _sqlite_locked(url: str, *, for_seconds: float) -> AsyncIterator[None]:
    """Hold the write lock of a SQLite database from another connection for a while."""
    connection = sqlite3.connect(url.removeprefix("sqlite://"), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    release = asyncio.get_running_loop().call_later(for_seconds, connection.rollback)
    try:
        yield
    finally:
        release.cancel()
        connection.close()
