"""What a shopper is shown of a priced cart: refused codes all alike, nothing of their campaigns, no
campaign the shopper is not eligible for, no budget figures."""

from __future__ import annotations

from domain.checkout.coupons import GONE, REFUSED, shopper_result
from domain.engine.snapshot import Snapshot
from domain.limits import Headroom, Limit, LimitsView
from domain.reasons import CouponReason, SkipReason
from tests.builders import campaign, cart

TEN = {"type": "PERCENTAGE", "value": "10"}

SNAPSHOT = Snapshot.compile(
    [
        campaign("churn-offer", TEN, audience={"segments_any": ["churn-risk"]}),
        campaign("next-week", TEN, schedule={"starts_at": "2099-01-01T00:00:00Z"}),
        campaign("over-500", {"type": "AMOUNT", "value": "50.00"}, condition={"min_order_total": "500.00"}),
        campaign("big-spender", TEN, kind="COUPON", codes=["BIGSPENDER"], condition={"min_order_total": "500.00"}),
        campaign("old", TEN, kind="COUPON", codes=["OLDCODE"], schedule={"ends_at": "2020-01-01T00:00:00Z"}),
        campaign("hidden", TEN, kind="COUPON", codes=["HIDDEN"]),
        campaign("welcome", TEN, kind="COUPON", codes=["WELCOME"]),
    ]
)


def test_a_refused_code_that_exists_reads_like_one_that_does_not() -> None:
    full = SNAPSHOT.evaluate(cart("100.00", coupons=["BIGSPENDER", "OLDCODE", "NOPE"], customer={"id": "c1"}))

    shown = shopper_result(full)

    assert {entry.reason for entry in full.rejected_coupons} == {
        CouponReason.NOT_APPLICABLE,
        CouponReason.EXPIRED,
        CouponReason.UNKNOWN,
    }
    assert [(entry.code, entry.reason, entry.campaign_id, entry.detail) for entry in shown.rejected_coupons] == [
        (entry.code, CouponReason.NOT_APPLICABLE, None, REFUSED) for entry in full.rejected_coupons
    ]
    assert "big-spender" in {hint.campaign_id for hint in full.hints}
    assert "big-spender" in {skip.campaign_id for skip in full.skipped}
    assert "big-spender" not in {hint.campaign_id for hint in shown.hints}
    assert "big-spender" not in {skip.campaign_id for skip in shown.skipped}


def test_a_shopper_sees_what_the_cart_lacks_but_not_the_campaigns_meant_for_others() -> None:
    full = SNAPSHOT.evaluate(cart("100.00", coupons=["WELCOME"], customer={"id": "c1"}))

    shown = shopper_result(full)

    assert {skip.campaign_id: skip.reason for skip in full.skipped} == {
        "churn-offer": SkipReason.AUDIENCE,
        "next-week": SkipReason.NOT_STARTED,
        "over-500": SkipReason.MIN_ORDER_TOTAL,
    }
    assert [(skip.campaign_id, skip.reason) for skip in shown.skipped] == [("over-500", SkipReason.MIN_ORDER_TOTAL)]
    assert [hint.campaign_id for hint in shown.hints] == ["over-500"]
    assert (shown.total, shown.applied, shown.lines) == (full.total, full.applied, full.lines)


def test_a_used_up_campaign_says_only_that_it_is_gone() -> None:
    limits = LimitsView(
        campaigns={
            "over-500": Headroom(exhausted=Limit.BUDGET_DISCOUNT),
            "welcome": Headroom(exhausted=Limit.TOTAL_REDEMPTIONS),
        }
    )
    full = SNAPSHOT.evaluate(cart("600.00", coupons=["WELCOME"], customer={"id": "c1"}), limits=limits)

    shown = shopper_result(full)

    assert {skip.campaign_id: skip.detail for skip in full.skipped if skip.reason is SkipReason.LIMIT_REACHED} == {
        "over-500": "budget_discount is used up",
        "welcome": "total_redemptions is used up",
    }
    assert [(entry.code, entry.reason) for entry in full.rejected_coupons] == [("WELCOME", CouponReason.USED_UP)]
    assert [(entry.code, entry.detail) for entry in shown.rejected_coupons] == [("WELCOME", REFUSED)]
    assert [(skip.campaign_id, skip.reason, skip.detail) for skip in shown.skipped] == [
        ("over-500", SkipReason.LIMIT_REACHED, GONE)
    ]
