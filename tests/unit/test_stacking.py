"""Stacking policies STACK, SINGLE and BEST, with exclusive campaigns; the explain trace."""

from __future__ import annotations

from decimal import Decimal

from domain.engine.snapshot import evaluate
from domain.engine.stacking import BEST_EXACT_LIMIT
from domain.reasons import SkipReason
from tests.builders import campaign, cart, policy

PERCENT10 = campaign("percent10", {"type": "PERCENTAGE", "value": "10"})
FLAT30 = campaign("flat30", {"type": "AMOUNT", "value": "30.00"})
EXCLUSIVE25 = campaign("exclusive25", {"type": "PERCENTAGE", "value": "25"}, exclusive=True)
EXCLUSIVE_VIP = campaign("exclusive_vip", {"type": "AMOUNT", "value": "5.00"}, exclusive=True, priority=10)


def _reasons(result: object) -> dict[str, SkipReason]:
    return {skip.campaign_id: skip.reason for skip in result.skipped}  # type: ignore[attr-defined]


def test_stack_applies_every_campaign_that_applies() -> None:
    result = evaluate([PERCENT10, FLAT30], cart("200.00"))

    assert result.discount_total == Decimal("50.00")  # 20 + 30


def test_stack_lets_an_exclusive_campaign_that_applies_stand_alone() -> None:
    result = evaluate([PERCENT10, FLAT30, EXCLUSIVE25], cart("200.00"))

    assert [entry.campaign_id for entry in result.applied] == ["exclusive25"]
    assert result.discount_total == Decimal("50.00")
    assert _reasons(result) == {"percent10": SkipReason.EXCLUSIVE_CONFLICT, "flat30": SkipReason.EXCLUSIVE_CONFLICT}


def test_among_exclusive_campaigns_the_highest_priority_wins_even_if_it_gives_less() -> None:
    result = evaluate([EXCLUSIVE25, EXCLUSIVE_VIP, PERCENT10], cart("200.00"))

    assert [entry.campaign_id for entry in result.applied] == ["exclusive_vip"]
    assert _reasons(result)["exclusive25"] == SkipReason.EXCLUSIVE_CONFLICT


def test_an_exclusive_campaign_that_does_not_apply_leaves_the_others_stacking() -> None:
    exclusive_big = campaign(
        "exclusive_big", {"type": "PERCENTAGE", "value": "40"}, exclusive=True, condition={"min_order_total": "1000.00"}
    )

    result = evaluate([exclusive_big, PERCENT10, FLAT30], cart("200.00"))

    assert [entry.campaign_id for entry in result.applied] == ["percent10", "flat30"]
    assert _reasons(result) == {"exclusive_big": SkipReason.MIN_ORDER_TOTAL}
    assert result.hints[0].missing_amount == Decimal("800.00")


def test_an_exclusive_winner_keeps_the_real_reason_of_campaigns_that_would_not_apply_anyway() -> None:
    big = campaign("big", {"type": "AMOUNT", "value": "100.00"}, condition={"min_order_total": "500.00"})

    result = evaluate([EXCLUSIVE25, big], cart("200.00"))

    assert _reasons(result) == {"big": SkipReason.MIN_ORDER_TOTAL}


def test_single_orders_by_priority_before_phase() -> None:
    urgent_flat = campaign("urgent_flat", {"type": "AMOUNT", "value": "1.00"}, priority=3)

    result = evaluate([PERCENT10, urgent_flat], cart("200.00"), policy(stacking="SINGLE"))

    assert [entry.campaign_id for entry in result.applied] == ["urgent_flat"]


def test_single_skips_over_campaigns_that_do_not_apply() -> None:
    big = campaign("big", {"type": "AMOUNT", "value": "100.00"}, condition={"min_order_total": "500.00"}, priority=9)

    result = evaluate([big, PERCENT10], cart("200.00"), policy(stacking="SINGLE"))

    assert [entry.campaign_id for entry in result.applied] == ["percent10"]
    assert _reasons(result) == {"big": SkipReason.MIN_ORDER_TOTAL}


def test_best_prefers_the_exclusive_campaign_when_it_gives_more() -> None:
    result = evaluate([PERCENT10, EXCLUSIVE25], cart("100.00"), policy(stacking="BEST"))

    assert [entry.campaign_id for entry in result.applied] == ["exclusive25"]
    assert _reasons(result) == {"percent10": SkipReason.EXCLUSIVE_CONFLICT}


def test_best_prefers_the_combination_when_it_gives_more() -> None:
    result = evaluate([PERCENT10, FLAT30, EXCLUSIVE25], cart("200.00"), policy(stacking="BEST"))

    # 10% + 30 = 50.00 ties with 25% = 50.00 on 200; on 100 the exclusive gives 25 < 10 + 30
    assert result.discount_total == Decimal("50.00")
    smaller = evaluate([PERCENT10, FLAT30, EXCLUSIVE25], cart("100.00"), policy(stacking="BEST"))
    assert [entry.campaign_id for entry in smaller.applied] == ["percent10", "flat30"]
    assert _reasons(smaller) == {"exclusive25": SkipReason.NOT_SELECTED}


def test_best_leaves_out_a_campaign_whose_consumption_costs_more_than_it_gives() -> None:
    buy3_cheap = campaign(
        "a_buy3pay2",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        condition={"min_quantity": 3},
    )
    bundle = campaign("b_bundle", {"type": "FIXED_PRICE", "value": "50.00", "bundle_size": 3, "sort_direction": "DESC"})

    stacked = evaluate([buy3_cheap, bundle], cart("100.00", "90.00", "10.00"))
    best = evaluate([buy3_cheap, bundle], cart("100.00", "90.00", "10.00"), policy(stacking="BEST"))

    assert stacked.discount_total == Decimal("10.00")  # FREE_UNITS first consumes all three units
    assert best.discount_total == Decimal("150.00")  # the bundle alone: 200 - 50
    assert _reasons(best) == {"a_buy3pay2": SkipReason.NOT_SELECTED}


def test_best_beyond_the_exact_limit_still_finds_a_combination_at_least_as_good_as_any_single_one() -> None:
    campaigns = [
        campaign(f"p{index:02}", {"type": "AMOUNT", "value": f"{index + 1}.00"})
        for index in range(BEST_EXACT_LIMIT + 4)
    ]

    result = evaluate(campaigns, cart("1000.00"), policy(stacking="BEST"))

    # every amount stacks without conflict, so the best combination is all of them: 1 + 2 + ... + 16
    assert result.discount_total == Decimal(sum(range(1, BEST_EXACT_LIMIT + 5)))


def test_explain_traces_candidates_eligibility_and_each_application() -> None:
    lunch = campaign(
        "lunch",
        {"type": "PERCENTAGE", "value": "10"},
        schedule={"windows": [{"days": ["SAT"], "from": "12:00", "to": "14:00"}]},
    )

    result = evaluate([PERCENT10, lunch], cart("100.00"), explain=True)

    assert result.explain is not None
    stages = [(entry.stage, entry.campaign_id) for entry in result.explain]
    assert stages == [("candidates", None), ("eligibility", "lunch"), ("apply", "percent10")]
    assert "10.00" in result.explain[-1].message
    assert evaluate([PERCENT10], cart("100.00")).explain is None
