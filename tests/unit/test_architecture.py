"""The import rule: `domain`'s pure core imports no I/O framework and none of the outer packages.

Adapter subpackages (`domain/store`, `domain/counters`) are the only parts of `domain` that may talk to
databases or Redis; the core may not import them either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain"
ADAPTERS = ("store", "counters")
FORBIDDEN = (
    "gateway",
    "pricing_core",
    "kampanya",
    "tortoise",
    "redis",
    "grpc",
    "asyncpg",
    "starlette",
    "strawberry",
    "domain.store",
    "domain.counters",
)


def core_modules() -> list[Path]:
    return sorted(
        path
        for path in DOMAIN.rglob("*.py")
        if path.relative_to(DOMAIN).parts[0] not in ADAPTERS or len(path.relative_to(DOMAIN).parts) == 1
    )


def imported_names(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            yield node.lineno, "<dynamic import>"


def violations(path: Path) -> list[str]:
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return [
        f"{label}:{line} imports {name}"
        for line, name in imported_names(path)
        if name == "<dynamic import>"
        or any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    ]


def test_the_core_is_found() -> None:
    names = {path.relative_to(DOMAIN).as_posix() for path in core_modules()}

    assert {"money.py", "engine/snapshot.py", "documents/campaign.py", "templates.py"} <= names


@pytest.mark.parametrize("path", core_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_a_core_module_imports_no_io_framework_nor_outer_package(path: Path) -> None:
    assert violations(path) == []


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "import redis.asyncio\nfrom tortoise import fields\nfrom domain.money import allocate\n"
        "from domain.store.models import Row\nimportlib.import_module('grpc')\n"
    )

    assert violations(sneaky) == [
        f"{sneaky}:1 imports redis.asyncio",
        f"{sneaky}:2 imports tortoise",
        f"{sneaky}:4 imports domain.store.models",
        f"{sneaky}:5 imports <dynamic import>",
    ]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "gateway").rglob("*.py")), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_the_gateway_reaches_the_pricing_core_only_through_the_protobuf_contract(path: Path) -> None:
    outer = [name for _, name in imported_names(path) if name.split(".")[0] in ("pricing_core", "kampanya")]
    assert outer == [name for name in outer if name.startswith("kampanya.pricing.v1")]
