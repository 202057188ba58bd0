"""Where the catalog lives: the database URL and the Tortoise configuration for it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from domain.store.errors import UnsupportedDatabase

DEFAULT_DATABASE_URL = "sqlite://kampanya.sqlite3"
"""The embedded default: a SQLite file in the working directory."""

DATABASE_URL_VARIABLE = "KAMPANYA_DATABASE_URL"
APP = "kampanya"
MODELS = "domain.store.models"
MIGRATIONS = "domain.store.migrations"

Dialect = Literal["sqlite", "postgres"]

_DIALECTS: dict[str, Dialect] = {
    "sqlite": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "asyncpg": "postgres",
}


def database_url(environ: Mapping[str, str] = os.environ) -> str:
    """Return `KAMPANYA_DATABASE_URL`, or the SQLite file in the working directory when it is unset."""
    return environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL


def dialect_of(url: str) -> Dialect:
    """Return the SQL dialect of a database URL; only SQLite and PostgreSQL (asyncpg) are supported."""
    scheme = urlsplit(url).scheme
    if scheme not in _DIALECTS:
        raise UnsupportedDatabase(url)
    return _DIALECTS[scheme]


def tortoise_config(url: str) -> dict[str, Any]:
    """Return the Tortoise configuration of the catalog models and migrations on `url`."""
    connection = dialect_of(url)
    return {
        "connections": {connection: url},
        "apps": {APP: {"models": [MODELS], "migrations": MIGRATIONS, "default_connection": connection}},
        "use_tz": True,
        "timezone": "UTC",
    }


TORTOISE_ORM = tortoise_config("sqlite://:memory:")
"""For Tortoise's own tooling: `tortoise -c domain.store.config.TORTOISE_ORM makemigrations`."""
