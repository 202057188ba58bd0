"""Limits as the engine sees them: what a claim would exceed, what a cart may still get, and how a
used-up limit or a nearly spent budget shows in the result."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.documents import parse_campaign
from domain.engine.snapshot import Snapshot
from domain.errors import DocumentError
from domain.limits import Claim, CodeRule, Headroom, Limit, LimitRule, LimitsView, Usage, exhausted_limit, headroom
from domain.reasons import CouponReason, SkipReason
from tests.builders import campaign, cart

TEN = {"type": "PERCENTAGE", "value": "10"}


def test_a_limit_rule_reads_the_campaign_limits_in_minor_units() -> None:
    limited = campaign(
        "limited",
        TEN,
        currency="KWD",
        limits={"total_redemptions": 100, "per_customer": 1, "budget_discount": "250.500", "fail_mode": "OPEN"},
    )

    rule = LimitRule.of(limited)

    assert (rule.total_redemptions, rule.per_customer, rule.budget_discount, rule.fail_open) == (100, 1, 250_500, True)
    assert rule.counted
    assert not LimitRule.of(campaign("free", TEN)).counted


def test_a_money_budget_needs_the_campaign_currency() -> None:
    with pytest.raises(DocumentError) as error:
        parse_campaign({"id": "x", "name": {"en": "x"}, "benefit": TEN, "limits": {"budget_discount": "100.00"}})

    assert [problem.pointer for problem in error.value.errors] == ["/limits/budget_discount"]


@pytest.mark.parametrize(
    ("rule", "usage", "claim_fields", "limit"),
    [
        (LimitRule("c", total_redemptions=2), Usage(uses=2), {}, Limit.TOTAL_REDEMPTIONS),
        (LimitRule("c", total_redemptions=2), Usage(uses=1), {}, None),
        (LimitRule("c", budget_discount=1000), Usage(discount=900), {"discount": 101}, Limit.BUDGET_DISCOUNT),
        (LimitRule("c", budget_discount=1000), Usage(discount=900), {"discount": 100}, None),
        (
            LimitRule("c", budget_order_value=500),
            Usage(order_value=400),
            {"order_value": 200},
            Limit.BUDGET_ORDER_VALUE,
        ),
        (LimitRule("c", per_customer=1), Usage(customer_uses=1), {}, Limit.PER_CUSTOMER),
        (LimitRule("c", per_customer=1), Usage(customer_uses=1), {"customer_id": None}, None),
        (LimitRule("c", per_customer_per_day=2), Usage(customer_day_uses=2), {}, Limit.PER_CUSTOMER_PER_DAY),
        (LimitRule("c", per_device=1), Usage(device_uses=1), {}, Limit.PER_DEVICE),
        (LimitRule("c"), Usage(code_uses=5), {"code": CodeRule("X", max_uses=5)}, Limit.CODE_USES),
        (
            LimitRule("c"),
            Usage(code_customer_uses=1),
            {"code": CodeRule("X", once_per_customer=True)},
            Limit.CODE_PER_CUSTOMER,
        ),
    ],
)
def test_a_claim_is_refused_by_the_first_limit_it_would_exceed(
    rule: LimitRule, usage: Usage, claim_fields: dict[str, object], limit: Limit | None
) -> None:
    fields: dict[str, object] = {"customer_id": "ayse", "device_id": "d1", "day": "2026-11-22"}
    fields.update(claim_fields)

    assert exhausted_limit(Claim(rule, **fields), usage) is limit  # type: ignore[arg-type]


def test_headroom_says_what_is_left_of_a_budget_and_refuses_anonymous_carts_per_customer_limits() -> None:
    budget = LimitRule("b", budget_discount=10_000)
    per_customer = LimitRule("p", per_customer=1)

    assert headroom(Claim(budget, customer_id="a"), Usage(discount=7_500)) == Headroom(discount_left=2_500)
    assert headroom(Claim(budget, customer_id="a"), Usage(discount=10_000)) == Headroom(exhausted=Limit.BUDGET_DISCOUNT)
    assert headroom(Claim(per_customer), Usage()) == Headroom(exhausted=Limit.PER_CUSTOMER)
    assert headroom(Claim(per_customer, customer_id="a"), Usage()) == Headroom()


SNAPSHOT = Snapshot.compile(
    [
        campaign("capped", TEN, currency="TRY", limits={"budget_discount": "1000.00"}),
        campaign(
            "all_or_nothing",
            {"type": "AMOUNT", "value": "30.00"},
            currency="TRY",
            limits={"budget_discount": "1000.00", "partial_budget": "SKIP"},
        ),
        campaign("popular", {"type": "AMOUNT", "value": "1.00"}, limits={"total_redemptions": 10}),
        campaign("coded", {"type": "AMOUNT", "value": "2.00"}, kind="COUPON", codes=["ONCE"]),
    ]
)


def test_a_used_up_campaign_is_skipped_as_limit_reached() -> None:
    result = SNAPSHOT.evaluate(
        cart("100.00"), limits=LimitsView({"popular": Headroom(exhausted=Limit.TOTAL_REDEMPTIONS)})
    )

    assert "popular" not in [entry.campaign_id for entry in result.applied]
    assert {skip.campaign_id: (skip.reason, skip.detail) for skip in result.skipped}["popular"] == (
        SkipReason.LIMIT_REACHED,
        "total_redemptions is used up",
    )


def test_a_budget_only_partly_enough_caps_the_discount_or_skips_the_campaign() -> None:
    view = LimitsView({"capped": Headroom(discount_left=250), "all_or_nothing": Headroom(discount_left=2_999)})

    result = SNAPSHOT.evaluate(cart("100.00", "100.00"), limits=view)

    assert result.discount_of("capped") == Decimal("2.50")  # 20.00 wanted, 2.50 of budget left
    assert sum(line.discount for line in result.lines) == result.discount_total
    assert "all_or_nothing" in {skip.campaign_id for skip in result.skipped if skip.reason is SkipReason.LIMIT_REACHED}


def test_a_used_up_code_is_rejected_as_used_up() -> None:
    result = SNAPSHOT.evaluate(cart("100.00", coupons=["once"]), limits=LimitsView(codes={"ONCE": Limit.CODE_USES}))

    assert [(rejected.code, rejected.reason) for rejected in result.rejected_coupons] == [
        ("ONCE", CouponReason.USED_UP)
    ]
    assert result.discount_of("coded") == Decimal(0)
