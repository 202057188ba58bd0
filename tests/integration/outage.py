"""A database the test can make unreachable: the test PostgreSQL database behind loadtests/tcp_proxy.py (the
proxy of the load run's `postgres-outage` fault), whose `cut()` aborts every connection and refuses new ones
until `restore()`."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest


def _tcp_proxy() -> ModuleType:
    path = Path(__file__).parents[2] / "loadtests" / "tcp_proxy.py"
    spec = importlib.util.spec_from_file_location("loadtest_tcp_proxy", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def proxied_postgres(postgres_url: str) -> Iterator[tuple[str, Any]]:
    """The test database's URL through a proxy, and the proxy."""
    parts = urlsplit(postgres_url)
    proxy = _tcp_proxy().TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    try:
        yield urlunsplit(parts._replace(netloc=netloc)), proxy
    finally:
        proxy.close()
