"""Products: SKU, categories, brand, collections, attributes and price."""

from __future__ import annotations

import builtins
import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from tortoise.connection import get_connections

from domain.documents.catalog import Product
from domain.imports import ImportReport, Reporter, Row, RowError
from domain.overlap import CatalogFacts
from domain.store.database import Database
from domain.store.fields import fits
from domain.store.models import ProductRow

_CARRIED = {
    "postgres": "SELECT DISTINCT item FROM product, jsonb_array_elements_text(product.{column}) AS item"
    " WHERE item = ANY($1::text[])",
    "sqlite": "SELECT DISTINCT listed.value AS item FROM product, json_each(product.{column}) AS listed"
    " WHERE listed.value IN (SELECT value FROM json_each(?))",
}
"""Which of the values a product's list column (categories, collections) carries."""
_FIELDS = ("name", "categories", "brand", "collections", "attributes", "price", "currency")
BATCH = 2000


class Products:
    """Product changes do not bump the catalog version."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def upsert(self, product: Product) -> Product:
        rows = self._database.tables.products
        with self._database.active():
            row = rows(sku=product.sku, **product.model_dump(include=set(_FIELDS)))
            await rows.bulk_create([row], on_conflict=["sku"], update_fields=_FIELDS)
        return product

    async def import_rows(
        self, rows: Iterable[Row[Product] | builtins.list[RowError]], *, noted: dict[str, Any] | None = None
    ) -> ImportReport:
        """Store every valid row (all its fields) and report the others, in one transaction; the counts go
        into `noted` (an audit entry's `after`) before it commits."""
        reporter = Reporter()
        stored = 0
        table = self._database.tables.products
        batch: builtins.list[ProductRow] = []
        with self._database.active():
            async with self._database.transaction():
                for item in rows:
                    row = reporter.take(item)
                    if row is not None:
                        batch.append(table(sku=row.document.sku, **row.document.model_dump(include=set(_FIELDS))))
                    if len(batch) >= BATCH:
                        await table.bulk_create(batch, on_conflict=["sku"], update_fields=_FIELDS)
                        stored += len(batch)
                        batch = []
                if batch:
                    await table.bulk_create(batch, on_conflict=["sku"], update_fields=_FIELDS)
                    stored += len(batch)
                report = reporter.report(stored)
                if noted is not None:
                    noted.update(rows=report.rows, stored=report.stored, rejected=report.rejected)
        return report

    async def get(self, sku: str) -> Product | None:
        if not fits(self._database.tables.products, sku=sku):
            return None
        with self._database.active():
            row = await self._database.tables.products.get_or_none(sku=sku)
        return None if row is None else _product(row)

    async def catalog_facts(self, values: Mapping[str, Collection[str]]) -> CatalogFacts:
        """Return whether there are products at all and which of these values (by dimension: skus,
        categories, brands, collections) at least one product carries."""
        rows = self._database.tables.products
        dialect = self._database.tables.dialect
        found: set[tuple[str, str]] = set()
        with self._database.active():
            if not await rows.exists():
                return CatalogFacts(has_products=False)
            if skus := sorted(values.get("skus", ())):
                found |= {("skus", str(sku)) for sku in await rows.filter(sku__in=skus).values_list("sku", flat=True)}
            if brands := sorted(values.get("brands", ())):
                carried = await rows.filter(brand__in=brands).distinct().values_list("brand", flat=True)
                found |= {("brands", str(brand)) for brand in carried}
            client = get_connections().get(self._database.tables.connection)
            for dimension in ("categories", "collections"):
                if wanted := sorted(values.get(dimension, ())):
                    listed = wanted if dialect == "postgres" else json.dumps(wanted)
                    _, items = await client.execute_query(_CARRIED[dialect].format(column=dimension), [listed])
                    found |= {(dimension, str(row["item"])) for row in items}
        return CatalogFacts(has_products=True, found=frozenset(found))

    async def list(self) -> builtins.list[Product]:
        """Return every product, by SKU."""
        with self._database.active():
            rows = await self._database.tables.products.all().order_by("sku")
        return [_product(row) for row in rows]


def _product(row: ProductRow) -> Product:
    return Product(
        sku=row.sku,
        name=row.name,
        categories=row.categories,
        brand=row.brand,
        collections=row.collections,
        attributes=row.attributes,
        price=row.price,
        currency=row.currency,
    )
