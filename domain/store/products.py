"""Products: SKU, categories, brand, collections, attributes and price."""

from __future__ import annotations

import builtins

from domain.documents.catalog import Product
from domain.store.database import Database
from domain.store.fields import fits
from domain.store.models import ProductRow

_FIELDS = ("name", "categories", "brand", "collections", "attributes", "price", "currency")


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

    async def get(self, sku: str) -> Product | None:
        if not fits(self._database.tables.products, sku=sku):
            return None
        with self._database.active():
            row = await self._database.tables.products.get_or_none(sku=sku)
        return None if row is None else _product(row)

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
