"""The storage adapter: Tortoise ORM models, migrations and repositories of the catalog (SQLite embedded,
PostgreSQL through asyncpg in production), and Redis notices of catalog changes."""

from domain.store.config import DEFAULT_DATABASE_URL, database_url, tortoise_config
from domain.store.errors import AlreadyExists, NotFound, SchemaMissing, StoreError, UnsupportedDatabase
from domain.store.notify import CATALOG_CHANNEL, CatalogNotifier, RedisCatalogNotifier, catalog_notices
from domain.store.schema import migrate
from domain.store.store import Store

__all__ = [
    "CATALOG_CHANNEL",
    "DEFAULT_DATABASE_URL",
    "AlreadyExists",
    "CatalogNotifier",
    "NotFound",
    "RedisCatalogNotifier",
    "SchemaMissing",
    "Store",
    "StoreError",
    "UnsupportedDatabase",
    "catalog_notices",
    "database_url",
    "migrate",
    "tortoise_config",
]
