"""The background runner of code batches: claims a batch, draws its codes chunk by chunk, draws again the
ones that collide with stored codes, and closes it with its report. A runner that stops (a restart) gives its
batch up between chunks; one that dies leaves a lease that runs out. Either way the next runner resumes the
batch from what is stored: no batch is ever left half done in silence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from datetime import timedelta

from domain.code_batches import BatchReport, BatchStatus, CodeBatch
from domain.codegen import CodeGenerator
from domain.store.code_batches import CodeBatches

log = logging.getLogger("kampanya.codes")

CHUNK = 10_000
LEASE = timedelta(seconds=60)
STALLED_CHUNKS = 20
"""A batch fails when this many chunks in a row store nothing (the pattern's space is used up)."""


class CodeBatchRunner:
    def __init__(
        self,
        batches: CodeBatches,
        *,
        chunk: int = CHUNK,
        lease: timedelta = LEASE,
        idle: float = 2.0,
        generator: type[CodeGenerator] = CodeGenerator,
    ) -> None:
        self._batches = batches
        self._chunk = chunk
        self._lease = lease
        self._idle = idle
        self._generator = generator
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run pending batches in the background until `stop`."""
        self._stopping = False
        self._task = asyncio.create_task(self._serve(), name="code-batches")

    def wake(self) -> None:
        """Look for a new batch now instead of at the next idle tick."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop after the chunk in flight; the batch it ran stays RUNNING with no lease, to be resumed."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task

    async def run_pending(self) -> list[CodeBatch]:
        """Run every batch there is to run, one after the other; return them as they ended."""
        ended: list[CodeBatch] = []
        while not self._stopping and (batch := await self._batches.claim(lease=self._lease)) is not None:
            ended.append(await self.run(batch))
        return ended

    async def run(self, batch: CodeBatch) -> CodeBatch:
        """Fill a claimed batch; return it DONE, FAILED (with what was stored), or still RUNNING when stopped."""
        report = batch.report
        if batch.started_at is not None and (batch.done or report.stored or report.seconds):
            report = replace(report, resumed=report.resumed + 1)
        began = time.perf_counter()
        stalled = 0
        try:
            generator = self._generator(batch.request.pattern)
            while batch.remaining > 0:
                if self._stopping:
                    await self._batches.pause(batch.id, _timed(report, batch, began))
                    return batch
                before = batch.done
                drawn = generator.fresh(min(self._chunk, batch.remaining))
                batch = await self._batches.store_chunk(batch.id, drawn, lease=self._lease)
                stored = batch.done - before
                report = replace(report, redrawn=report.redrawn + len(drawn) - stored)
                stalled = 0 if stored else stalled + 1
                if stalled >= STALLED_CHUNKS:
                    raise RuntimeError(f"{STALLED_CHUNKS} chunks in a row collided with stored codes")
        except Exception as error:
            log.exception("code batch %s failed after %d codes", batch.id, batch.done)
            failed = replace(_timed(report, batch, began), error=f"{type(error).__name__}: {error}")
            return await self._batches.finish(batch.id, BatchStatus.FAILED, failed)
        return await self._batches.finish(batch.id, BatchStatus.DONE, _timed(report, batch, began))

    async def _serve(self) -> None:
        while not self._stopping:
            try:
                await self.run_pending()
            except Exception:
                log.exception("the code batch runner could not claim a batch; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle)
            self._wake.clear()


def _timed(report: BatchReport, batch: CodeBatch, began: float) -> BatchReport:
    return replace(report, stored=batch.done, seconds=round(report.seconds + time.perf_counter() - began, 3))
