"""The segment sweeper: dynamic segments whose rules read time ("last order more than 30 days ago", "5 orders
in the last 90 days") change with no write at all, so the gateway recomputes them in bulk every interval."""

from __future__ import annotations

import asyncio
import logging

from domain.store import Store

log = logging.getLogger("kampanya.gateway.segments")


async def sweep_segments(store: Store, interval: float) -> None:
    """Recompute every dynamic segment every `interval` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            changed = await store.segments.recompute()
        except Exception:
            log.exception("segment sweep failed; trying again next interval")
        else:
            log.info("segments swept", extra={"event": "segments_swept", "changed": changed})
