"""`kampanya codes generate|export|import` on SQLite and PostgreSQL: a batch generated and stored under the
guessing rule, exported as CSV and imported into another database unchanged, bad rows reported by row and
field while the good ones are stored, and bad input refused with a message and exit code 2."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from kampanya.cli import main
from tests.integration.store.documents import percent_off


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _campaigns(tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, *ids: str) -> None:
    path = tmp_path / f"campaigns-{len(ids)}.json"
    path.write_text(json.dumps([percent_off(campaign_id).model_dump(mode="json") for campaign_id in ids]))
    assert _run(capsys, "campaigns", "import", str(path), "--database-url", url)[0] == 0


def test_a_generated_batch_exports_and_imports_into_another_database_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    _campaigns(tmp_path, capsys, database_url, "spring")
    other = f"sqlite://{tmp_path / 'other.sqlite3'}"
    assert _run(capsys, "migrate", "--database-url", other)[0] == 0
    _campaigns(tmp_path, capsys, other, "spring")

    code, out, _ = _run(
        capsys, "codes", "generate", "--campaign", "spring", "--count", "2500", "--pattern", "SPR-*****-*****",
        "--expires-at", "2031-01-01T00:00:00+03:00", "--database-url", database_url,
    )  # fmt: skip
    generated = json.loads(out)
    exported = _run(capsys, "codes", "export", "--campaign", "spring", "--database-url", database_url)
    (tmp_path / "codes.csv").write_text(exported[1])
    imported = _run(capsys, "codes", "import", str(tmp_path / "codes.csv"), "--database-url", other)
    again = _run(capsys, "codes", "export", "--database-url", other)

    assert code == 0
    assert (generated["status"], generated["stored"]) == ("DONE", 2500)
    table = list(csv.DictReader(io.StringIO(exported[1])))
    assert len({row["code"] for row in table}) == 2500
    assert all(re.fullmatch(r"SPR-[A-Z2-9]{5}-[A-Z2-9]{5}", row["code"]) for row in table)
    assert {(row["max_uses"], row["expires_at"]) for row in table} == {
        ("1", "2030-12-31T21:00:00+00:00")
    }  # kept in UTC
    assert (imported[0], json.loads(imported[1])["stored"]) == (0, 2500)
    assert again[1] == exported[1]


def test_an_import_stores_the_good_rows_and_names_the_bad_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    _campaigns(tmp_path, capsys, database_url, "spring")
    path = tmp_path / "mixed.csv"
    path.write_text(
        "code,campaign_id,max_uses,customer_id\nGOOD-1,spring,1,\nBAD-1,nowhere,1,\nGOOD-2,spring,many,\nGOOD-3,spring,,\n"
        "BAD-2,spring,1,c-\x001\n"
    )

    code, out, _ = _run(capsys, "codes", "import", str(path), "--database-url", database_url)
    exported = _run(capsys, "codes", "export", "--database-url", database_url)[1]

    report = json.loads(out)
    assert code == 0
    assert (report["rows"], report["stored"], report["refused"]) == (5, 2, 3)
    assert sorted((error["row"], error["field"]) for error in report["errors"]) == [
        (3, "campaign_id"),
        (4, "max_uses"),
        (6, "customer_id"),  # a NUL, which no store can hold
    ]
    assert sorted(row["code"] for row in csv.DictReader(io.StringIO(exported))) == ["GOOD-1", "GOOD-3"]


def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    _campaigns(tmp_path, capsys, database_url, "spring")

    guessable = _run(
        capsys, "codes", "generate", "--campaign", "spring", "--count", "2", "--pattern", "KMP-####-????",
        "--database-url", database_url,
    )  # fmt: skip
    unknown = _run(capsys, "codes", "generate", "--campaign", "nowhere", "--count", "5", "--database-url", database_url)
    naive = _run(
        capsys, "codes", "generate", "--campaign", "spring", "--count", "5", "--expires-at", "2031-01-01T00:00",
        "--database-url", database_url,
    )  # fmt: skip
    missing = _run(capsys, "codes", "import", str(tmp_path / "none.csv"), "--database-url", database_url)
    exported = _run(capsys, "codes", "export", "--database-url", database_url)[1]

    assert [result[0] for result in (guessable, unknown, naive, missing)] == [2, 2, 2, 2]
    assert "pattern" in guessable[2]
    assert "nowhere" in unknown[2]
    assert "offset" in naive[2]
    assert "none.csv" in missing[2]
    assert exported.strip().count("\n") == 0  # the header only
