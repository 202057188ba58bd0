"""Catalog change notices over Redis pub/sub: the store announces each committed catalog version, the
pricing cores listen (and poll as well, so a lost notice only delays a reload)."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

CATALOG_CHANNEL = "kampanya:catalog"

log = logging.getLogger(__name__)


class CatalogNotifier(Protocol):
    async def changed(self, version: int) -> None:
        """Announce that the catalog reached `version`; called after the commit, must not raise."""
        ...


class RedisCatalogNotifier:
    """Publishes catalog versions on a Redis channel; a Redis failure is logged, never raised."""

    def __init__(self, client: Redis, *, channel: str = CATALOG_CHANNEL) -> None:
        self._client = client
        self.channel = channel

    @classmethod
    def from_url(cls, url: str, *, channel: str = CATALOG_CHANNEL) -> RedisCatalogNotifier:
        return cls(Redis.from_url(url), channel=channel)

    async def changed(self, version: int) -> None:
        try:
            await self._client.publish(self.channel, str(version))
        except (RedisError, OSError) as error:
            log.warning("could not announce catalog version %d on %s: %s", version, self.channel, error)

    async def close(self) -> None:
        await self._client.aclose()


async def catalog_notices(url: str, *, channel: str = CATALOG_CHANNEL) -> AsyncGenerator[int, None]:
    """Yield the catalog versions announced on `channel` from the moment of subscription; raises when
    the connection is lost (the caller reconnects and reloads what changed meanwhile)."""
    client = Redis.from_url(url)
    try:
        async with client.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            async for message in pubsub.listen():
                if message["type"] == "message" and (version := _version(message["data"])) is not None:
                    yield version
    finally:
        await client.aclose()


def _version(data: object) -> int | None:
    try:
        return int(data.decode() if isinstance(data, bytes) else str(data))
    except ValueError:
        log.warning("ignoring a catalog notice that is not a version: %r", data)
        return None
