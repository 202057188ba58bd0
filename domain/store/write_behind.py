"""Batches written behind the reader: while the database works on one batch, the caller reads and checks
the rows of the next (each statement's round trip gives the caller's loop its turn)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")

YIELD_EVERY = 50
"""Rows the caller reads between two turns it gives the batch being written."""


class WriteBehind(Generic[T]):
    """Writes one batch at a time in a task of its own (inheriting the caller's transaction); `written` is
    what the finished writes returned, summed."""

    def __init__(self, write: Callable[[list[T]], Coroutine[Any, Any, int]]) -> None:
        self._write = write
        self._task: asyncio.Task[int] | None = None
        self.written = 0

    async def send(self, batch: list[T]) -> None:
        """Wait for the batch before (raising what it raised), then start writing this one."""
        await self.wait()
        if batch:
            self._task = asyncio.create_task(self._write(batch))

    async def wait(self) -> int:
        """Wait for the batch being written; return how many were written in all."""
        if self._task is not None:
            task, self._task = self._task, None
            self.written += await task
        return self.written

    async def settle(self) -> None:
        """Let the batch being written finish, whatever it raises (the caller is failing already)."""
        if self._task is not None:
            task, self._task = self._task, None
            with contextlib.suppress(Exception):
                await task

    @staticmethod
    async def turn(count: int) -> None:
        """Give the batch being written its turn every `YIELD_EVERY` rows read."""
        if count % YIELD_EVERY == 0:
            await asyncio.sleep(0)
