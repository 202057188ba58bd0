"""The command line: evaluate, schema, templates; errors name the field and exit with 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kampanya.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = ("evaluate", "--campaigns", str(EXAMPLES / "campaigns.json"), "--cart", str(EXAMPLES / "cart.json"))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_evaluate_prints_the_result_document_of_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys,
        *EXAMPLE,
        "--policy",
        str(EXAMPLES / "policy.json"),
    )

    result = json.loads(out)
    assert (code, err) == (0, "")
    # 5 shirts: the cheapest (180) free; 10% lunch on the rest of 1159.90 - 180 = 979.90 -> 97.99;
    # WELCOME50 on a first order of 881.91 >= 300: 50.00; shipping free from 500
    assert result["discount_total"] == "327.99"
    assert result["shipping_discount"] == "29.90"
    assert result["total"] == "831.91"
    assert [entry["campaign_id"] for entry in result["applied"]] == [
        "buy5pay4-shirts",
        "weekday-lunch-10",
        "welcome-50",
        "free-shipping-500",
    ]
    assert result["rejected_coupons"] == [
        {"code": "OLD10", "reason": "UNKNOWN", "campaign_id": None, "detail": "no live campaign has this code"}
    ]
    assert "explain" not in result


def test_now_overrides_the_cart_clock_and_explain_adds_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        *EXAMPLE,
        "--now",
        "2026-11-28T13:00:00+03:00",
        "--explain",
    )

    result = json.loads(out)
    assert code == 0
    assert "weekday-lunch-10" not in [entry["campaign_id"] for entry in result["applied"]]
    assert {"campaign_id": "weekday-lunch-10", "reason": "OUTSIDE_WINDOW"}.items() <= next(
        skip for skip in result["skipped"] if skip["campaign_id"] == "weekday-lunch-10"
    ).items()
    assert result["explain"][0]["stage"] == "candidates"


def test_an_invalid_cart_is_refused_naming_the_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cart = _write(
        tmp_path,
        "cart.json",
        {"currency": "TRY", "lines": [{"id": "l", "sku": "A", "quantity": 1, "unit_price": "-1"}]},
    )

    code, out, err = _run(capsys, "evaluate", "--campaigns", str(EXAMPLES / "campaigns.json"), "--cart", cart)

    assert (code, out) == (2, "")
    assert err.startswith(f"kampanya: error: {cart}: invalid cart: /lines/0/unit_price:")


def test_an_invalid_campaign_is_refused_naming_its_position(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    campaigns = _write(
        tmp_path,
        "campaigns.json",
        [{"id": "a", "name": {"en": "a"}, "benefit": {"type": "PERCENTAGE", "value": "150"}}],
    )

    code, _, err = _run(capsys, "evaluate", "--campaigns", campaigns, "--cart", str(EXAMPLES / "cart.json"))

    assert code == 2
    assert "/0/benefit/value: a percentage is greater than 0 and at most 100" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), (None, "No such file or directory")],
)
def test_unreadable_input_exits_with_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "cart.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    code, _, err = _run(capsys, "evaluate", "--campaigns", str(EXAMPLES / "campaigns.json"), "--cart", str(path))

    assert code == 2
    assert message in err


def test_now_without_an_offset_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys,
        *EXAMPLE,
        "--now",
        "2026-11-28T13:00:00",
    )

    assert code == 2
    assert "--now" in err
    assert "UTC offset" in err


@pytest.mark.parametrize("document", ["campaign", "cart", "policy", "result"])
def test_schema_prints_a_json_schema(capsys: pytest.CaptureFixture[str], document: str) -> None:
    code, out, _ = _run(capsys, "schema", document)

    schema = json.loads(out)
    assert code == 0
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False or document == "result"


def test_templates_lists_every_template_and_instantiates_with_overrides(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, listing, _ = _run(capsys, "templates")
    overrides = _write(tmp_path, "overrides.json", {"target": {"categories": ["shirts"]}, "priority": 5})
    code, out, _ = _run(
        capsys, "templates", "instantiate", "buy5pay4", "--overrides", overrides, "--id", "shirts-5for4"
    )

    made = json.loads(out)
    assert len(listing.splitlines()) == 28
    assert listing.splitlines()[0].startswith("percent10")
    assert code == 0
    assert (made["id"], made["priority"], made["target"]["categories"]) == ("shirts-5for4", 5, ["shirts"])
    assert made["benefit"]["calculation"] == "BUY_X_GET_Y"


def test_templates_refuse_unknown_names_and_bad_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = _write(tmp_path, "overrides.json", {"benefit": {"value": "abc"}})

    unknown_code, _, unknown_err = _run(capsys, "templates", "show", "buy99")
    bad_code, _, bad_err = _run(capsys, "templates", "instantiate", "percent10", "--overrides", bad)

    assert (unknown_code, bad_code) == (2, 2)
    assert "no template named 'buy99'" in unknown_err
    assert "/benefit/value" in bad_err


def test_the_module_runs_as_a_program_with_the_same_exit_codes() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "kampanya", "schema", "nonsense"], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 2
    assert "invalid choice" in completed.stderr
