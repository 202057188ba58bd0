"""What storage hands to the rest of the system, and the port the pricing core reads the catalog through.

Records are plain immutable values (never ORM rows); the adapters in `domain.store` produce them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.documents.campaign import Campaign
from domain.documents.catalog import CouponCodeSpec, TenantSettings
from domain.documents.common import Status
from domain.errors import FieldError


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    """One version of a campaign as stored: its document (whose `status` equals `status`), the version
    number (1, 2, … per campaign) and the catalog version at which it was written."""

    document: Campaign
    status: Status
    version: int
    catalog_version: int
    created_at: datetime
    author: str | None = None

    @property
    def id(self) -> str:
        return self.document.id


@dataclass(frozen=True, slots=True)
class StoredCode:
    """A managed coupon code and the catalog version at which it last changed."""

    spec: CouponCodeSpec
    catalog_version: int


@dataclass(frozen=True, slots=True)
class BrokenCampaign:
    """A stored campaign whose document no longer validates: reported and skipped, never loaded."""

    campaign_id: str
    version: int
    status: Status
    errors: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class CatalogChanges:
    """Everything that changed after a catalog version: every campaign written since (live or not, so
    that paused and ended ones can be dropped), every code written since, broken documents, and the
    tenant settings when they changed (always with a full load)."""

    version: int
    campaigns: Sequence[StoredCampaign]
    codes: Sequence[StoredCode]
    broken: Sequence[BrokenCampaign]
    settings: TenantSettings | None = None


class CatalogReader(Protocol):
    """The port the pricing core loads campaigns and codes through."""

    async def catalog_version(self) -> int:
        """Return the current catalog version (bumped with every campaign or code change)."""
        ...

    async def changes_since(self, version: int | None) -> CatalogChanges:
        """Return what changed after `version`; with None, every live campaign and its codes."""
        ...
