"""What marketing and support do with managed codes one by one or in bulk: search (by code prefix, customer,
campaign, batch) in keyset pages, usage from the ledger, assignment, limits and validity, and CSV imports
stored all good rows at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.queryset import QuerySet

from domain.catalog import StoredCode
from domain.code_batches import CodeTerms
from domain.code_csv import GoodRow
from domain.documents.common import normalize_code
from domain.imports import RowError
from domain.store.codes import _columns, stored_code
from domain.store.database import Database
from domain.store.errors import NotFound
from domain.store.fields import fits, utc
from domain.store.models import CodeRow

LOOKUP_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class CodeFilter:
    prefix: str | None = None
    customer_id: str | None = None
    campaign_id: str | None = None
    batch_id: str | None = None


@dataclass(frozen=True, slots=True)
class CodeUse:
    """One ledger step of an order that came with the code."""

    order_id: str
    kind: str
    customer_id: str | None
    uses: int
    held: int
    discount: int
    order_value: int
    at: datetime


@dataclass(frozen=True, slots=True)
class CodeUsage:
    """What the ledger holds of a code: committed uses net of returns, uses held by open orders, the discount
    and order value committed (minor units), the customers, and every step."""

    code: StoredCode
    uses: int = 0
    held: int = 0
    discount: int = 0
    order_value: int = 0
    customers: tuple[str, ...] = ()
    steps: tuple[CodeUse, ...] = field(default=())


class CodeAdmin:
    def __init__(self, database: Database) -> None:
        self._database = database

    def _can_match(self, wanted: CodeFilter) -> bool:
        """Whether the filter's values fit their columns (a longer one matches no stored code)."""
        return fits(
            self._database.tables.codes,
            customer_id=wanted.customer_id,
            campaign_id=wanted.campaign_id,
            batch_id=wanted.batch_id,
        )

    def _query(self, wanted: CodeFilter) -> QuerySet[CodeRow]:
        query = self._database.tables.codes.all()
        if wanted.prefix:
            query = query.filter(code__startswith=normalize_code(wanted.prefix))
        if wanted.customer_id is not None:
            query = query.filter(customer_id=wanted.customer_id)
        if wanted.campaign_id is not None:
            query = query.filter(campaign_id=wanted.campaign_id)
        if wanted.batch_id is not None:
            query = query.filter(batch_id=wanted.batch_id)
        return query

    async def page(self, wanted: CodeFilter, *, after: str | None = None, limit: int = 50) -> list[StoredCode]:
        """Return up to `limit` codes matching, by code, after the code `after`."""
        if not self._can_match(wanted):
            return []
        with self._database.active():
            query = self._query(wanted)
            if after is not None:
                query = query.filter(code__gt=after)
            rows = await query.order_by("code").limit(limit)
        return [stored_code(row) for row in rows]

    async def count(self, wanted: CodeFilter) -> int:
        if not self._can_match(wanted):
            return 0
        with self._database.active():
            return await self._query(wanted).count()

    async def pages(self, wanted: CodeFilter, *, size: int = 1000) -> AsyncIterator[list[StoredCode]]:
        """Yield every code matching, by code, `size` at a time (one query per page: nothing is held)."""
        after: str | None = None
        while codes := await self.page(wanted, after=after, limit=size):
            yield codes
            after = codes[-1].spec.code

    async def usage(self, code: str) -> CodeUsage | None:
        """Return what the ledger holds of the code, or None for an unknown code. The ledger is read by the
        code's campaign (its index) and filtered by the code each step came with."""
        key = normalize_code(code)
        if not fits(self._database.tables.codes, code=key):
            return None
        with self._database.active():
            row = await self._database.tables.codes.get_or_none(code=key)
            if row is None:
                return None
            entries = await self._database.tables.ledger.filter(campaign_id=row.campaign_id).order_by("id")
        steps = [
            CodeUse(
                order_id=entry.order_id,
                kind=entry.kind,
                customer_id=entry.claim.get("customer_id"),
                uses=entry.used_uses,
                held=entry.held_uses,
                discount=entry.used_discount,
                order_value=entry.used_value,
                at=utc(entry.at) or entry.at,
            )
            for entry in entries
            if (entry.claim.get("code") or {}).get("code") == key
        ]
        customers = sorted({step.customer_id for step in steps if step.customer_id and step.uses > 0})
        return CodeUsage(
            code=stored_code(row),
            uses=sum(step.uses for step in steps),
            held=sum(step.held for step in steps),
            discount=sum(step.discount for step in steps),
            order_value=sum(step.order_value for step in steps),
            customers=tuple(customers),
            steps=tuple(steps),
        )

    async def assign(self, code: str, customer_id: str | None) -> StoredCode:
        """Give the code to a customer (None: to nobody) and return it; raise `NotFound` for an unknown code."""
        return await self._change(code, customer_id=customer_id)

    async def set_terms(self, code: str, terms: CodeTerms) -> StoredCode:
        """Set the code's use limit, once-per-customer flag and validity; raise `NotFound` for an unknown code."""
        return await self._change(
            code,
            max_uses=terms.max_uses,
            once_per_customer=terms.once_per_customer,
            starts_at=utc(terms.starts_at),
            expires_at=utc(terms.expires_at),
        )

    async def _change(self, code: str, **columns: object) -> StoredCode:
        key = normalize_code(code)
        rows = self._database.tables.codes
        if not fits(rows, code=key):
            raise NotFound("code", key)
        async with self._database.catalog_change() as catalog_version:
            if not await rows.filter(code=key).update(**columns, catalog_version=catalog_version):
                raise NotFound("code", key)
            row = await rows.get(code=key)
        return stored_code(row)

    async def import_rows(self, good: Sequence[GoodRow]) -> list[RowError]:
        """Store every row whose code is new and whose campaign exists, all in one transaction (one catalog
        version); return the rows refused for that. Nothing is stored when the transaction fails."""
        tables = self._database.tables
        refused: list[RowError] = []
        if not good:
            return refused
        async with self._database.catalog_change() as catalog_version:
            taken: set[str] = set()
            for start in range(0, len(good), LOOKUP_CHUNK):
                wanted = [row.spec.code for row in good[start : start + LOOKUP_CHUNK]]
                taken.update(
                    str(code) for code in await tables.codes.filter(code__in=wanted).values_list("code", flat=True)
                )
            campaigns = sorted({row.spec.campaign_id for row in good})
            known = {str(key) for key in await tables.campaigns.filter(id__in=campaigns).values_list("id", flat=True)}
            kept = []
            for row in good:
                if row.spec.code in taken:
                    refused.append(RowError(row.row, "code", f"{row.spec.code} exists already"))
                elif row.spec.campaign_id not in known:
                    refused.append(RowError(row.row, "campaign_id", f"no campaign {row.spec.campaign_id!r}"))
                else:
                    kept.append(tables.codes(**_columns(row.spec), catalog_version=catalog_version))
            await tables.codes.bulk_create(kept, batch_size=1000)
        return refused
