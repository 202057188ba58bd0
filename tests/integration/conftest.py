"""Real services for the integration tests: a migrated SQLite file, a fresh PostgreSQL database per test
(dropped afterwards), a store on each, and Redis. A service that is down fails the tests, never skips them."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.store import Store, migrate
from tests.integration.outage import proxied_postgres  # noqa: F401 (a fixture for the tests here)
from tests.integration.redis_servers import RedisProcess, forget_keys

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
DATABASES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {error}")


@pytest.fixture
def blank_sqlite_url(tmp_path: Path) -> str:
    """A SQLite file that does not exist yet."""
    return f"sqlite://{tmp_path / 'kampanya.sqlite3'}"


async def _create_database(template: str | None = None) -> str:
    name = f"kampanya_test_{secrets.token_hex(6)}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await admin.close()
    return name


async def _drop_database(name: str) -> None:
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def blank_postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test whatever happened."""
    name = await _create_database()
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        await _drop_database(name)


# Migrating costs a second or two of Tortoise's migration machinery per database, so the run migrates one
# database of each kind once (with `migrate`, as `kampanya migrate` does) and gives each test a copy of it.
# The migrations themselves are tested on blank databases (tests/integration/store/test_migrations.py).


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the run (no test opens it: each gets a copy)."""
    path = tmp_path_factory.mktemp("migrated") / "kampanya.sqlite3"
    asyncio.run(migrate(f"sqlite://{path}"))
    assert not path.with_name(path.name + "-wal").exists(), "the migrated file is complete on its own"
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once for the run: the template of each test's database (no test
    connects to it; PostgreSQL copies a template only while nobody is connected). Dropped at the end."""

    async def create() -> str:
        name = await _create_database()
        await migrate(f"{POSTGRES_SERVER}/{name}")
        return name

    name = asyncio.run(create())
    try:
        yield name
    finally:
        asyncio.run(_drop_database(name))


@pytest.fixture
def sqlite_url(blank_sqlite_url: str, migrated_sqlite_file: Path) -> str:
    """A migrated SQLite file of the test's own."""
    shutil.copyfile(migrated_sqlite_file, blank_sqlite_url.removeprefix("sqlite://"))
    return blank_sqlite_url


@pytest.fixture
async def postgres_url(migrated_postgres_template: str) -> AsyncIterator[str]:
    """A migrated PostgreSQL database of the test's own, dropped after the test whatever happened."""
    name = await _create_database(template=migrated_postgres_template)
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        await _drop_database(name)


@pytest.fixture(params=DATABASES)
def blank_database_url(request: pytest.FixtureRequest) -> str:
    """An unmigrated database: SQLite, then PostgreSQL."""
    url: str = request.getfixturevalue(f"blank_{request.param}_url")
    return url


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database: SQLite, then PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with await Store.open(database_url) as store:
        yield store


@pytest.fixture
async def redis_url() -> str:
    """The Redis server; tests use channels and keys of their own and remove what they create."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, RedisError) as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix of the test's own on the shared Redis; its keys are deleted afterwards."""
    prefix = f"kampanya-test-{secrets.token_hex(6)}"
    try:
        yield prefix
    finally:
        await forget_keys(redis_url, prefix)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A Redis server of this test alone, stopped afterwards whatever happened."""
    server = RedisProcess(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()
