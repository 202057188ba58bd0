"""The `gateway` fixture: a gateway and a pricing core on the test database (SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.gateway.harness import Gateway, running_gateway


@pytest.fixture
async def gateway(database_url: str) -> AsyncIterator[Gateway]:
    async with running_gateway(database_url) as running:
        yield running
