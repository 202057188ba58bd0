"""The `pricing` fixture: a pricing core on the test database (SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.pricing.harness import Pricing, running_pricing


@pytest.fixture
async def pricing(database_url: str) -> AsyncIterator[Pricing]:
    async with running_pricing(database_url) as running:
        yield running
