"""Catalog notices: each committed catalog version is announced on Redis, after the commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from domain.documents.common import Status
from domain.lifecycle import InvalidTransition
from domain.store import RedisCatalogNotifier, Store, catalog_notices
from tests.integration.store.documents import percent_off

pytestmark = pytest.mark.redis


@pytest.fixture
def channel() -> str:
    return f"kampanya:test:{secrets.token_hex(6)}"


@pytest.fixture
async def subscriber(redis_url: str, channel: str) -> AsyncIterator[PubSub]:
    client = Redis.from_url(redis_url)
    try:
        async with client.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            await pubsub.get_message(timeout=1.0)
            yield pubsub
    finally:
        await client.aclose()


@pytest.fixture
async def announcing_store(database_url: str, redis_url: str, channel: str) -> AsyncIterator[Store]:
    notifier = RedisCatalogNotifier.from_url(redis_url, channel=channel)
    try:
        async with await Store.open(database_url, notifier=notifier) as store:
            yield store
    finally:
        await notifier.close()


class Witness:
    """A notifier that looks, through another connection, at the catalog version when it is called."""

    def __init__(self, reader: Store) -> None:
        self.reader = reader
        self.seen: list[tuple[int, int]] = []

    async def changed(self, version: int) -> None:
        self.seen.append((version, await self.reader.catalog_version()))


async def test_a_save_is_announced_with_its_catalog_version(announcing_store: Store, subscriber: PubSub) -> None:
    stored = await announcing_store.campaigns.save(percent_off("spring"), status=Status.ACTIVE)

    message = await subscriber.get_message(ignore_subscribe_messages=True, timeout=1.0)

    assert message is not None
    assert message["data"] == str(stored.catalog_version).encode()


async def test_the_announcement_comes_after_the_commit(database_url: str) -> None:
    async with await Store.open(database_url) as reader:
        witness = Witness(reader)
        async with await Store.open(database_url, notifier=witness) as writer:
            await writer.campaigns.save(percent_off("spring"))
            await writer.campaigns.import_all([percent_off("summer")])

    assert witness.seen == [(1, 1), (2, 2)]


async def test_a_refused_write_is_not_announced(announcing_store: Store, subscriber: PubSub) -> None:
    await announcing_store.campaigns.save(percent_off("spring"), status=Status.ACTIVE)
    await subscriber.get_message(ignore_subscribe_messages=True, timeout=1.0)

    with pytest.raises(InvalidTransition):
        await announcing_store.campaigns.set_status("spring", Status.DRAFT)

    assert await subscriber.get_message(ignore_subscribe_messages=True, timeout=0.2) is None


async def test_an_unreachable_redis_does_not_fail_the_write(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = RedisCatalogNotifier.from_url("redis://127.0.0.1:1/0")
    try:
        async with await Store.open(database_url, notifier=notifier) as store:
            with caplog.at_level(logging.WARNING, logger="domain.store.notify"):
                stored = await store.campaigns.save(percent_off("spring"))
            assert await store.campaigns.get("spring") == stored
    finally:
        await notifier.close()

    assert "could not announce catalog version 1" in caplog.text


async def test_catalog_notices_yields_the_versions_announced(redis_url: str, channel: str) -> None:
    notices = catalog_notices(redis_url, channel=channel)
    publisher = Redis.from_url(redis_url)
    received = asyncio.ensure_future(anext(notices))
    try:
        async with asyncio.timeout(2):
            while not received.done():  # the subscription starts with the first wait: announce until heard
                await publisher.publish(channel, "not a version")
                await publisher.publish(channel, "7")
                await asyncio.sleep(0.05)
        assert received.result() == 7
    finally:
        received.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await received
        await notices.aclose()
        await publisher.aclose()
