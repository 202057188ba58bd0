"""The store a command works on: opened on `--database-url` (else the configured or embedded database) for
one piece of work, closed after it whatever happens."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from domain.store import Store, StoreError, database_url
from kampanya.inputs import CliError

Value = TypeVar("Value")


def with_store(arguments: argparse.Namespace, work: Callable[[Store], Awaitable[Value]]) -> Value:
    """Run `work` on the store and return what it returns; a store that cannot open is a `CliError`."""

    async def run() -> Value:
        try:
            store = await Store.open(arguments.database_url or database_url())
        except StoreError as error:
            raise CliError(str(error)) from None
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
