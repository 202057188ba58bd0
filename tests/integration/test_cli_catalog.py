"""`kampanya migrate` and `kampanya campaigns import|export` on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from domain.documents.common import Status
from domain.store import Store
from kampanya.cli import main
from tests.integration.store.documents import percent_off


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line as a user would (async tests call it in a thread: it runs its own loop)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _file(tmp_path: Path, documents: Any) -> str:
    path = tmp_path / "campaigns.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    return str(path)


def test_migrate_applies_the_migrations_once(capsys: pytest.CaptureFixture[str], blank_database_url: str) -> None:
    first = _run(capsys, "migrate", "--database-url", blank_database_url)
    second = _run(capsys, "migrate", "--database-url", blank_database_url)

    assert first[0] == second[0] == 0
    assert "applied 0001_initial" in first[1]
    assert second[1].strip().endswith("schema is up to date")


def test_import_makes_campaigns_active_unless_they_say_otherwise_and_export_gives_them_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    documents = [
        percent_off("spring").model_dump(mode="json", exclude_defaults=True),
        percent_off("draft", status="DRAFT").model_dump(mode="json", exclude_defaults=True),
    ]

    imported = _run(capsys, "campaigns", "import", _file(tmp_path, documents), "--database-url", database_url)
    exported = _run(capsys, "campaigns", "export", "--database-url", database_url)
    active_only = _run(capsys, "campaigns", "export", "--status", "ACTIVE", "--database-url", database_url)

    assert imported[0] == 0
    assert "imported 2 campaign(s) at catalog version 1: spring (ACTIVE, v1), draft (DRAFT, v1)" in imported[1]
    assert json.loads(exported[1]) == [documents[1], {**documents[0], "status": "ACTIVE"}]  # by id
    assert [document["id"] for document in json.loads(active_only[1])] == ["spring"]


async def test_an_invalid_import_names_the_document_and_field_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    good = percent_off("good").model_dump(mode="json")
    bad = {**percent_off("bad").model_dump(mode="json"), "benefit": {"type": "PERCENTAGE", "value": "150"}}

    code, _, err = await asyncio.to_thread(
        _run, capsys, "campaigns", "import", _file(tmp_path, [good, bad]), "--database-url", database_url
    )

    assert code == 2
    assert "/1/benefit/value: a percentage is greater than 0 and at most 100" in err
    async with await Store.open(database_url) as store:
        assert await store.campaigns.list() == []


async def test_an_import_with_text_no_store_can_hold_is_refused_naming_the_field_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    good = percent_off("good").model_dump(mode="json")
    bad = percent_off("bad").model_dump(mode="json")
    bad["name"]["en"] = "Sum\x00mer"

    code, _, err = await asyncio.to_thread(
        _run, capsys, "campaigns", "import", _file(tmp_path, [good, bad]), "--database-url", database_url
    )

    assert code == 2
    assert "/1/name/en: text may not contain NUL" in err
    assert "Traceback" not in err
    async with await Store.open(database_url) as store:
        assert await store.campaigns.list() == []


async def test_customers_with_text_no_store_can_hold_are_reported_and_the_others_imported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    rows = tmp_path / "customers.csv"
    rows.write_text("id,name,city\nc-1,Ayşe,İzmir\nc-2,A\x00B,Ankara\nc-3,Mehmet,Bursa\n", encoding="utf-8")

    code, out, err = await asyncio.to_thread(
        _run, capsys, "customers", "import", str(rows), "--database-url", database_url
    )

    assert (code, err) == (0, "")
    report = json.loads(out)
    assert (report["rows"], report["stored"], report["rejected"]) == (3, 2, 1)
    assert [(error["row"], error["field"]) for error in report["errors"]] == [(3, "/name")]
    assert report["errors"][0]["message"].startswith("text may not contain NUL")
    async with await Store.open(database_url) as store:
        stored = [await store.customers.get(customer) is not None for customer in ("c-1", "c-2", "c-3")]
    assert stored == [True, False, True]


async def test_an_import_that_breaks_a_lifecycle_rule_is_refused_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    async with await Store.open(database_url) as store:
        await store.campaigns.save(percent_off("old"), status=Status.ACTIVE)
        await store.campaigns.set_status("old", Status.ENDED)
    documents = [percent_off("new").model_dump(mode="json"), percent_off("old").model_dump(mode="json")]

    code, _, err = await asyncio.to_thread(
        _run, capsys, "campaigns", "import", _file(tmp_path, documents), "--database-url", database_url
    )

    assert code == 2
    assert "/1/status: campaign 'old' is ENDED" in err
    async with await Store.open(database_url) as store:
        assert [stored.id for stored in await store.campaigns.list()] == ["old"]


def test_commands_on_an_unmigrated_database_say_to_migrate(
    capsys: pytest.CaptureFixture[str], blank_sqlite_url: str
) -> None:
    code, _, err = _run(capsys, "campaigns", "export", "--database-url", blank_sqlite_url)

    assert code == 2
    assert "run `kampanya migrate`" in err


def test_an_unsupported_database_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "migrate", "--database-url", "mysql://localhost/x")

    assert code == 2
    assert "unsupported database URL scheme 'mysql'" in err
