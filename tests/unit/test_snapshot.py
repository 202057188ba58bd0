"""The compiled snapshot: the index finds exactly the campaigns that concern a cart."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from domain.documents import Result, parse_campaigns, parse_cart
from domain.engine.cart_view import CartView
from domain.engine.snapshot import Snapshot
from tests.builders import campaign, cart

TEN = {"type": "PERCENTAGE", "value": "10"}


def _line(sku: str, **extra: Any) -> dict[str, Any]:
    return {"id": sku.lower(), "sku": sku, "quantity": 1, "unit_price": "100.00", **extra}


SNAPSHOT = Snapshot.compile(
    [
        campaign("by_sku", TEN, target={"skus": ["SHIRT"]}),
        campaign("by_category", TEN, target={"categories": ["shoes"]}),
        campaign("by_brand", TEN, target={"brands": ["acme"]}),
        campaign("by_collection", TEN, target={"collections": ["summer"]}),
        campaign("by_attribute", TEN, target={"attributes": {"colour": "red"}}),
        campaign("cart_wide", {"type": "AMOUNT", "value": "1.00"}),
        campaign("coupon_wide", TEN, kind="COUPON", codes=["HELLO"]),
        campaign("coupon_shirts", TEN, kind="COUPON", codes=["SHIRTS"], target={"skus": ["SHIRT"]}),
        campaign(
            "phone_case",
            {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
            target={"skus": ["CASE"]},
            condition={"min_quantity": 1, "target": {"skus": ["PHONE"]}},
        ),
        *(campaign(f"elsewhere{index}", TEN, target={"skus": [f"OTHER{index}"]}) for index in range(50)),
    ]
)


def _candidates(*lines: dict[str, Any], coupons: list[str] | None = None) -> set[str]:
    view = CartView(cart(lines=list(lines), coupons=coupons or []), codes=SNAPSHOT.codes)
    return {found.id for found in SNAPSHOT.candidates(view)}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (_line("SHIRT"), {"by_sku", "coupon_shirts"}),
        (_line("X", categories=["shoes"]), {"by_category"}),
        (_line("X", brand="acme"), {"by_brand"}),
        (_line("X", collections=["summer"]), {"by_collection"}),
        (_line("X", attributes={"colour": "red"}), {"by_attribute"}),
        (_line("PHONE"), {"phone_case"}),
        (_line("CASE"), {"phone_case"}),
        (_line("X"), set()),
    ],
)
def test_the_index_finds_campaigns_by_sku_category_brand_collection_and_attribute(
    line: dict[str, Any], expected: set[str]
) -> None:
    assert _candidates(line) == expected | {"cart_wide"}


def test_coupon_campaigns_without_a_target_are_found_only_by_their_code() -> None:
    assert "coupon_wide" not in _candidates(_line("X"))
    assert "coupon_wide" in _candidates(_line("X"), coupons=["hello"])


def test_campaigns_targeting_other_products_are_not_reported_as_skipped() -> None:
    result = SNAPSHOT.evaluate(cart(lines=[_line("SHIRT")]))

    assert [entry.campaign_id for entry in result.applied] == ["by_sku", "cart_wide"]
    assert [(skip.campaign_id, skip.reason) for skip in result.skipped] == [("coupon_shirts", "CODE_REQUIRED")]


def test_with_changes_recompiles_only_what_changed() -> None:
    changed = SNAPSHOT.with_changes(
        upserts=[campaign("by_sku", {"type": "PERCENTAGE", "value": "50"}, target={"skus": ["SHIRT"]})],
        removed=["cart_wide", "unknown-id"],
        version=7,
    )

    assert changed.version == 7
    assert changed.campaigns["by_brand"] is SNAPSHOT.campaigns["by_brand"]
    assert changed.campaigns["by_sku"] is not SNAPSHOT.campaigns["by_sku"]
    assert "cart_wide" not in changed.campaigns
    assert changed.evaluate(cart(lines=[_line("SHIRT")])).discount_total == Decimal("50.00")
    assert SNAPSHOT.evaluate(cart(lines=[_line("SHIRT")])).discount_total == Decimal("11.00")


def test_a_snapshot_cannot_be_changed_in_place() -> None:
    with pytest.raises(TypeError):
        SNAPSHOT.campaigns["x"] = SNAPSHOT.campaigns["by_sku"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        SNAPSHOT.version = 3  # type: ignore[misc]


def _every_document(document: object) -> list[object]:
    if isinstance(document, BaseModel):
        found: list[object] = [document]
        for value in document.__dict__.values():
            found.extend(_every_document(value))
        return found
    if isinstance(document, list):
        return [inner for value in document for inner in _every_document(value)]
    return []


def test_result_documents_carry_every_field_in_order_and_survive_a_round_trip() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    campaigns = parse_campaigns(json.loads((examples / "campaigns.json").read_text(encoding="utf-8")))
    example_cart = parse_cart(json.loads((examples / "cart.json").read_text(encoding="utf-8")))

    result = Snapshot.compile(campaigns).evaluate(example_cart, explain=True)

    documents = _every_document(result)
    assert len(documents) > 20
    for document in documents:
        assert list(document.__dict__) == list(type(document).model_fields)  # type: ignore[attr-defined]
    text = result.model_dump_json()
    assert Result.model_validate_json(text).model_dump_json() == text
