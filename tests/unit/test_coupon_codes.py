"""Managed coupon codes: assignment, dates, disabling, and how the code table follows campaign changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.documents.catalog import CouponCodeSpec
from domain.engine.snapshot import Snapshot
from domain.reasons import CouponReason
from tests.builders import campaign, cart

TEN = {"type": "PERCENTAGE", "value": "10"}
SORRY = campaign("sorry", TEN, kind="COUPON")
PUBLIC = campaign("public", {"type": "AMOUNT", "value": "5.00"}, kind="COUPON", codes=["HELLO5"])


def _code(code: str, **fields: Any) -> CouponCodeSpec:
    return CouponCodeSpec.model_validate({"code": code, "campaign_id": "sorry", **fields})


def _rejections(snapshot: Snapshot, **cart_fields: Any) -> list[tuple[str, CouponReason]]:
    result = snapshot.evaluate(cart("100.00", **cart_fields))
    return [(rejected.code, rejected.reason) for rejected in result.rejected_coupons]


def test_a_code_assigned_to_a_customer_works_only_for_that_customer() -> None:
    snapshot = Snapshot.compile([SORRY], codes=[_code("sorry-ayse-1", customer_id="ayse")])

    for_ayse = snapshot.evaluate(cart("100.00", coupons=["SORRY-AYSE-1"], customer={"id": "ayse"}))

    assert for_ayse.discount_total == Decimal("10.00")
    assert for_ayse.applied[0].coupon == "SORRY-AYSE-1"
    assert _rejections(snapshot, coupons=["sorry-ayse-1"], customer={"id": "mehmet"}) == [
        ("SORRY-AYSE-1", CouponReason.NOT_ASSIGNED)
    ]
    assert _rejections(snapshot, coupons=["sorry-ayse-1"]) == [("SORRY-AYSE-1", CouponReason.NOT_ASSIGNED)]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"active": False}, CouponReason.DISABLED),
        ({"expires_at": "2026-11-01T00:00:00+03:00"}, CouponReason.EXPIRED),
        ({"starts_at": "2026-12-01T00:00:00+03:00"}, CouponReason.NOT_STARTED),
    ],
)
def test_a_code_that_is_disabled_or_outside_its_dates_is_rejected(fields: dict[str, Any], reason: CouponReason) -> None:
    snapshot = Snapshot.compile([SORRY], codes=[_code("X1", **fields)])

    assert _rejections(snapshot, coupons=["x1"]) == [("X1", reason)]
    assert snapshot.evaluate(cart("100.00", coupons=["x1"])).discount_total == Decimal("0.00")


def test_public_and_managed_codes_both_activate_their_campaigns() -> None:
    snapshot = Snapshot.compile([SORRY, PUBLIC], codes=[_code("M1")])

    result = snapshot.evaluate(cart("100.00", coupons=["m1", "hello5"]))

    assert [(entry.campaign_id, entry.coupon) for entry in result.applied] == [("sorry", "M1"), ("public", "HELLO5")]


def test_codes_of_a_campaign_leave_with_it_and_codes_of_unknown_campaigns_are_ignored() -> None:
    snapshot = Snapshot.compile([SORRY, PUBLIC], codes=[_code("M1"), _code("M2", customer_id="ayse")])
    orphan = CouponCodeSpec.model_validate({"code": "ORPHAN", "campaign_id": "nowhere"})

    paused = snapshot.with_changes(removed=["sorry"], codes=[orphan])

    assert snapshot.codes.get("M1") is not None
    assert paused.codes.get("M1") is None
    assert paused.codes.get("ORPHAN") is None
    assert paused.codes.assigned_to("ayse") == []
    assert [entry.code for entry in snapshot.codes.assigned_to("ayse")] == ["M2"]
    assert _rejections(paused, coupons=["m1"]) == [("M1", CouponReason.UNKNOWN)]


def test_a_changed_code_replaces_the_old_one() -> None:
    snapshot = Snapshot.compile([SORRY], codes=[_code("M1")])

    disabled = snapshot.with_changes(codes=[_code("M1", active=False)])

    assert _rejections(disabled, coupons=["m1"]) == [("M1", CouponReason.DISABLED)]
    assert snapshot.evaluate(cart("100.00", coupons=["m1"])).discount_total == Decimal("10.00")
