"""The hot catalog: the compiled snapshot in use, kept current by notices and polling.

A change reaches a pricing core through a Redis notice carrying the catalog version (immediately) or
through the poll of the version (every `poll_interval`), so a lost notice or a Redis outage only delays a
change. Reloads fetch what changed since the snapshot's version, recompile only that in a worker thread,
and swap the new catalog in with one assignment: a request sees the old catalog or the new one, never a
mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from domain.catalog import BrokenCampaign, CatalogChanges, CatalogReader, StoredCampaign
from domain.documents.campaign import Campaign
from domain.documents.catalog import TenantSettings
from domain.engine.compiled import CompiledCampaign
from domain.engine.snapshot import Snapshot
from domain.errors import FieldError
from domain.lifecycle import LIVE
from pricing_core.logs import logger
from pricing_core.metrics import PricingMetrics

NoticeSource = Callable[[], AsyncIterator[int]]
"""Opens a stream of catalog versions announced after commits (Redis pub/sub)."""

log = logger("catalog")


@dataclass(frozen=True, slots=True)
class Catalog:
    """What a request prices against: the snapshot (with its catalog version), the tenant settings, and
    the campaigns that could not be loaded."""

    snapshot: Snapshot
    settings: TenantSettings = field(default_factory=TenantSettings)
    broken: dict[str, BrokenCampaign] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.snapshot.version


def apply_changes(catalog: Catalog, changes: CatalogChanges) -> Catalog:
    """Return the catalog with `changes` applied; a campaign that fails to compile is reported among the
    broken ones and left out, never taking the others down."""
    broken = dict(catalog.broken)
    for stored in changes.campaigns:
        broken.pop(stored.id, None)
    for failure in changes.broken:
        broken[failure.campaign_id] = failure
    compiled, failures = _compilable([stored for stored in changes.campaigns if stored.status in LIVE])
    broken.update(failures)
    loaded = {document.id for document in compiled}
    removed = {stored.id for stored in changes.campaigns if stored.status not in LIVE} | set(broken)
    snapshot = catalog.snapshot.with_changes(
        upserts=compiled,
        removed=removed - loaded,
        codes=[stored.spec for stored in changes.codes],
        version=changes.version,
    )
    return Catalog(snapshot=snapshot, settings=changes.settings or catalog.settings, broken=broken)


def _compilable(campaigns: Sequence[StoredCampaign]) -> tuple[list[Campaign], dict[str, BrokenCampaign]]:
    good: list[Campaign] = []
    failures: dict[str, BrokenCampaign] = {}
    for stored in campaigns:
        try:
            CompiledCampaign(stored.document)
        except Exception as error:
            failures[stored.id] = BrokenCampaign(
                campaign_id=stored.id,
                version=stored.version,
                status=stored.status,
                errors=(FieldError("", f"does not compile: {error}"),),
            )
        else:
            good.append(stored.document)
    return good, failures


class CatalogLoader:
    """Loads the catalog at start and keeps it current; `current` is always a complete catalog."""

    def __init__(
        self,
        reader: CatalogReader,
        metrics: PricingMetrics,
        *,
        poll_interval: float,
        notices: NoticeSource | None = None,
    ) -> None:
        self._reader = reader
        self._metrics = metrics
        self._poll_interval = poll_interval
        self._notices = notices
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.current = Catalog(Snapshot.compile([]), broken={})

    async def load(self) -> Catalog:
        """Load every live campaign and its codes; return the catalog installed."""
        async with self._lock:
            changes = await self._reader.changes_since(None)
            empty = Catalog(Snapshot.compile([]), settings=self.current.settings, broken={})
            catalog = await asyncio.to_thread(apply_changes, empty, changes)
            self._install(catalog, "start", changes)
            return catalog

    async def refresh(self, trigger: str = "poll") -> bool:
        """Apply what changed since the snapshot's version; return whether anything did."""
        async with self._lock:
            version = await self._reader.catalog_version()
            if version <= self.current.version:
                return False
            changes = await self._reader.changes_since(self.current.version)
            catalog = await asyncio.to_thread(apply_changes, self.current, changes)
            self._install(catalog, trigger, changes)
            return True

    def _install(self, catalog: Catalog, trigger: str, changes: CatalogChanges) -> None:
        started = time.perf_counter()
        self.current = catalog
        snapshot = catalog.snapshot
        self._metrics.snapshot_installed(
            version=snapshot.version, campaigns=len(snapshot), codes=len(snapshot.codes), broken=len(catalog.broken)
        )
        self._metrics.reloads.labels(trigger, "ok").inc()
        newly_broken = [failure for failure in catalog.broken.values() if failure.campaign_id in _ids(changes)]
        if newly_broken:
            self._metrics.compile_failures.inc(len(newly_broken))
        for failure in newly_broken:
            log.error(
                "campaign skipped: it does not load",
                extra={
                    "event": "campaign_broken",
                    "campaign_id": failure.campaign_id,
                    "campaign_version": failure.version,
                    "errors": [str(error) for error in failure.errors],
                },
            )
        log.info(
            "catalog installed",
            extra={
                "event": "catalog_installed",
                "trigger": trigger,
                "catalog_version": snapshot.version,
                "campaigns": len(snapshot),
                "changed": len(changes.campaigns),
                "codes_changed": len(changes.codes),
                "broken": len(catalog.broken),
                "install_ms": round((time.perf_counter() - started) * 1000, 3),
            },
        )

    async def run(self) -> None:
        """Keep the catalog current until cancelled: refresh on every notice and every poll interval."""
        listener = asyncio.create_task(self._listen()) if self._notices is not None else None
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)
                trigger = "notice" if self._wake.is_set() else "poll"
                self._wake.clear()
                try:
                    await self.refresh(trigger)
                except Exception:
                    self._metrics.reloads.labels(trigger, "error").inc()
                    log.exception(
                        "catalog refresh failed; keeping the current catalog", extra={"event": "reload_failed"}
                    )
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _listen(self) -> None:
        assert self._notices is not None
        backoff = 0.1
        while True:
            try:
                async for version in self._notices():
                    backoff = 0.1
                    if version > self.current.version:
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("catalog notices unavailable; polling only", extra={"event": "notices_down"})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


def _ids(changes: CatalogChanges) -> set[str]:
    return {stored.id for stored in changes.campaigns} | {failure.campaign_id for failure in changes.broken}
