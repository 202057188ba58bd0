"""Managed coupon codes: normalized, unique, optionally assigned to a customer, with their own limits."""

from __future__ import annotations

from collections.abc import Sequence

from domain.catalog import StoredCode
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import normalize_code
from domain.store.database import Database
from domain.store.errors import AlreadyExists, NotFound
from domain.store.fields import fits, utc
from domain.store.models import CodeRow


class Codes:
    """Every change bumps the catalog version in the same transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, specs: Sequence[CouponCodeSpec]) -> list[StoredCode]:
        """Add codes in one transaction, or none: raise `AlreadyExists` for a code already stored (or twice
        in `specs`) and `NotFound` for a code of an unknown campaign."""
        if not specs:
            return []
        tables = self._database.tables
        async with self._database.catalog_change() as catalog_version:
            await self._check_new(specs)
            rows = [tables.codes(**_columns(spec), catalog_version=catalog_version) for spec in specs]
            await tables.codes.bulk_create(rows)
        return [StoredCode(spec, catalog_version) for spec in specs]

    async def get(self, code: str) -> StoredCode | None:
        """Return the code, whatever its case, or None."""
        if not fits(self._database.tables.codes, code=normalize_code(code)):
            return None
        with self._database.active():
            row = await self._database.tables.codes.get_or_none(code=normalize_code(code))
        return None if row is None else stored_code(row)

    async def set_active(self, code: str, active: bool) -> StoredCode:
        """Switch a code on or off and return it; raise `NotFound` for an unknown code."""
        key = normalize_code(code)
        rows = self._database.tables.codes
        if not fits(rows, code=key):
            raise NotFound("code", key)
        async with self._database.catalog_change() as catalog_version:
            if not await rows.filter(code=key).update(active=active, catalog_version=catalog_version):
                raise NotFound("code", key)
            row = await rows.get(code=key)
        return stored_code(row)

    async def for_customer(self, customer_id: str) -> list[StoredCode]:
        """Return the codes assigned to the customer, by code."""
        if not fits(self._database.tables.codes, customer_id=customer_id):
            return []
        with self._database.active():
            rows = await self._database.tables.codes.filter(customer_id=customer_id).order_by("code")
        return [stored_code(row) for row in rows]

    async def for_campaign(self, campaign_id: str) -> list[StoredCode]:
        """Return the codes of the campaign, by code."""
        if not fits(self._database.tables.codes, campaign_id=campaign_id):
            return []
        with self._database.active():
            rows = await self._database.tables.codes.filter(campaign_id=campaign_id).order_by("code")
        return [stored_code(row) for row in rows]

    async def _check_new(self, specs: Sequence[CouponCodeSpec]) -> None:
        tables = self._database.tables
        seen: set[str] = set()
        for spec in specs:
            if spec.code in seen:
                raise AlreadyExists("code", spec.code)
            seen.add(spec.code)
        taken = await tables.codes.filter(code__in=sorted(seen)).order_by("code").first()
        if taken is not None:
            raise AlreadyExists("code", taken.code)
        wanted = {spec.campaign_id for spec in specs}
        known = {row.id for row in await tables.campaigns.filter(id__in=sorted(wanted)).only("id")}
        for spec in specs:
            if spec.campaign_id not in known:
                raise NotFound("campaign", spec.campaign_id, wanted_by=f"code {spec.code}")


def stored_code(row: CodeRow) -> StoredCode:
    spec = CouponCodeSpec(
        code=row.code,
        campaign_id=row.campaign_id,
        customer_id=row.customer_id,
        max_uses=row.max_uses,
        once_per_customer=row.once_per_customer,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
        active=row.active,
    )
    return StoredCode(spec, row.catalog_version)


def _columns(spec: CouponCodeSpec) -> dict[str, object]:
    columns = spec.model_dump()  # the code is normalized already (`CouponCode`)
    return columns | {"starts_at": utc(spec.starts_at), "expires_at": utc(spec.expires_at)}
