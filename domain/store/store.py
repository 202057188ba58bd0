"""The catalog store: repositories over one database, and the `CatalogReader` of the pricing cores."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from domain.catalog import CatalogChanges
from domain.store.api_keys import ApiKeys
from domain.store.audit import Audit
from domain.store.campaigns import Campaigns
from domain.store.catalog import Catalog
from domain.store.code_admin import CodeAdmin
from domain.store.code_batches import CodeBatches
from domain.store.codes import Codes
from domain.store.customers import Customers
from domain.store.database import Database
from domain.store.notify import CatalogNotifier
from domain.store.orders import Orders
from domain.store.products import Products
from domain.store.reports import Reports
from domain.store.segments import Segments
from domain.store.settings import Settings
from domain.store.users import Users


class Store:
    """Open with `await Store.open(url)` (the schema must be migrated) and close with `await store.close()`,
    or use `async with await Store.open(url) as store:`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.campaigns = Campaigns(database)
        self.codes = Codes(database)
        self.code_batches = CodeBatches(database)
        self.code_admin = CodeAdmin(database)
        self.customers = Customers(database)
        self.products = Products(database)
        self.segments = Segments(database)
        self.settings = Settings(database)
        self.orders = Orders(database)
        self.reports = Reports(database)
        self.users = Users(database)
        self.api_keys = ApiKeys(database)
        self.audit = Audit(database)
        self._catalog = Catalog(database)

    @classmethod
    async def open(cls, url: str, *, notifier: CatalogNotifier | None = None) -> Store:
        """Return a store on the database at `url`; raise `SchemaMissing` when it is not migrated."""
        return cls(await Database.connect(url, notifier))

    async def close(self) -> None:
        await self.database.close()

    async def catalog_version(self) -> int:
        """Return the current catalog version (bumped with every campaign or code change)."""
        return await self._catalog.catalog_version()

    async def changes_since(self, version: int | None) -> CatalogChanges:
        """Return what changed after `version`; with None, every live campaign and its codes."""
        return await self._catalog.changes_since(version)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
