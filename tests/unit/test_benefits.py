"""Benefit types, calculations, caps, consumption, thresholds on the running net, hints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.engine.snapshot import evaluate
from domain.reasons import SkipReason
from tests.builders import campaign, cart, policy


def _lines(*specs: tuple[str, int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": f"l{index}", "sku": f"S{index}", "quantity": quantity, "unit_price": price, **extra}
        for index, (price, quantity, extra) in enumerate(specs)
    ]


def test_amount_per_unit_takes_the_value_off_each_unit_but_never_below_zero() -> None:
    per_unit = campaign("per_unit", {"type": "AMOUNT", "value": "15.00", "amount_mode": "PER_UNIT"})

    result = evaluate([per_unit], cart(lines=_lines(("40.00", 2, {}), ("10.00", 1, {}))))

    assert [line.discount for line in result.lines] == [Decimal("30.00"), Decimal("10.00")]


def test_amount_per_line_takes_the_value_off_each_target_line() -> None:
    per_line = campaign("per_line", {"type": "AMOUNT", "value": "15.00", "amount_mode": "PER_LINE"})

    result = evaluate([per_line], cart(lines=_lines(("40.00", 2, {}), ("10.00", 1, {}))))

    assert [line.discount for line in result.lines] == [Decimal("15.00"), Decimal("10.00")]
    assert result.lines[0].adjustments[0].units == 2


def test_an_order_amount_never_exceeds_what_the_target_costs() -> None:
    flat = campaign("flat", {"type": "AMOUNT", "value": "100.00"})

    result = evaluate([flat], cart("30.00", "20.00"))

    assert result.discount_total == Decimal("50.00")
    assert result.total == Decimal("0.00")


def test_max_discount_caps_a_percentage_and_allocates_the_cap_exactly() -> None:
    capped = campaign("capped", {"type": "PERCENTAGE", "value": "50", "max_discount": "100.00"})

    result = evaluate([capped], cart("300.00", "100.00", "50.00"))

    assert result.discount_total == Decimal("100.00")
    assert sum(line.discount for line in result.lines) == Decimal("100.00")
    assert [line.discount for line in result.lines] == [Decimal("66.67"), Decimal("22.22"), Decimal("11.11")]


def test_max_applications_caps_repeated_groups() -> None:
    capped = campaign(
        "b2p1",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y", "repeatable": True, "max_applications": 2},
        condition={"min_quantity": 2},
    )

    result = evaluate([capped], cart(*["10.00"] * 8))

    assert result.discount_total == Decimal("20.00")
    assert result.applied[0].applications == 2


def test_max_units_caps_the_receiving_units_of_repeated_groups() -> None:
    capped = campaign(
        "b2p1",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y", "repeatable": True, "max_units": 3},
        condition={"min_quantity": 2},
    )

    assert evaluate([capped], cart(*["10.00"] * 10)).discount_total == Decimal("30.00")


def test_buy_x_get_y_with_a_percentage_discounts_the_received_units() -> None:
    half_off_third = campaign(
        "third_half",
        {"type": "PERCENTAGE", "value": "50", "calculation": "BUY_X_GET_Y", "get_quantity": 1},
        condition={"min_quantity": 3},
    )

    assert evaluate([half_off_third], cart("90", "60", "30")).discount_total == Decimal("15.00")


def test_buy_a_phone_get_a_case_free_uses_a_separate_qualifying_target() -> None:
    phone_case = campaign(
        "phone_case",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        target={"categories": ["cases"]},
        condition={"min_quantity": 1, "target": {"categories": ["phones"]}},
    )
    phone = ("1000.00", 1, {"categories": ["phones"]})
    case = ("80.00", 1, {"categories": ["cases"]})

    with_case = evaluate([phone_case], cart(lines=_lines(phone, case)))
    without_case = evaluate([phone_case], cart(lines=_lines(phone)))
    only_case = evaluate([phone_case], cart(lines=_lines(case)))

    assert with_case.discount_total == Decimal("80.00")
    assert with_case.line("l1").discount == Decimal("80.00")
    assert without_case.skipped[0].reason == SkipReason.NO_TARGET_UNITS
    assert without_case.hints[0].missing_quantity == 1
    assert only_case.skipped[0].reason == SkipReason.NO_TARGET_UNITS


def test_a_quantity_benefit_does_not_reuse_units_another_consumed() -> None:
    buy5pay4 = campaign(
        "a_buy5pay4",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        condition={"min_quantity": 5},
    )
    buy2pay1 = campaign(
        "b_buy2pay1",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        condition={"min_quantity": 2},
    )

    five = evaluate([buy5pay4, buy2pay1], cart("50", "40", "30", "20", "10"))
    six = evaluate([buy5pay4, buy2pay1], cart("60", "50", "40", "30", "20", "10"))

    assert five.discount_total == Decimal("10.00")
    assert [(skip.campaign_id, skip.reason) for skip in five.skipped] == [("b_buy2pay1", SkipReason.UNITS_CONSUMED)]
    # buy5pay4 takes the cheapest (10) and consumes 60, 50, 40, 30; the 20 alone is not a pair
    assert six.discount_total == Decimal("10.00")
    assert six.skipped[0].reason == SkipReason.UNITS_CONSUMED
    assert six.hints == []


def test_a_higher_priority_quantity_campaign_consumes_first_within_a_phase() -> None:
    buy2pay1 = campaign(
        "b_buy2pay1",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        condition={"min_quantity": 2},
        priority=5,
    )
    buy5pay4 = campaign(
        "a_buy5pay4",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        condition={"min_quantity": 5},
    )

    result = evaluate([buy5pay4, buy2pay1], cart("50", "40", "30", "20", "10"))

    assert [entry.campaign_id for entry in result.applied] == ["b_buy2pay1"]
    assert result.discount_total == Decimal("10.00")


def test_a_threshold_sees_the_net_after_earlier_phases_but_not_its_own_phase() -> None:
    percent = campaign("percent20", {"type": "PERCENTAGE", "value": "20"})
    over500 = campaign("over500", {"type": "AMOUNT", "value": "50.00"}, condition={"min_order_total": "500.00"})
    over400 = campaign("over400", {"type": "AMOUNT", "value": "10.00"}, condition={"min_order_total": "400.00"})

    result = evaluate([percent, over500, over400], cart("300.00", "300.00"))

    # 600 - 20% = 480: over500 misses by 20.00; over400 is judged on 480 too, not on 480 - 50
    assert [entry.campaign_id for entry in result.applied] == ["percent20", "over400"]
    assert [(hint.campaign_id, hint.missing_amount) for hint in result.hints] == [("over500", Decimal("20.00"))]


def test_the_phase_order_is_configurable() -> None:
    percent = campaign("percent10", {"type": "PERCENTAGE", "value": "10"})
    flat = campaign("flat50", {"type": "AMOUNT", "value": "50.00"})
    amount_first = policy(phase_order=["AMOUNT", "FREE_UNITS", "FIXED_PRICE", "PERCENTAGE", "FREE_SHIPPING"])

    assert evaluate([percent, flat], cart("100.00")).discount_total == Decimal("60.00")  # 10 then 50
    assert evaluate([percent, flat], cart("100.00"), amount_first).discount_total == Decimal("55.00")  # 50 then 5


def test_free_shipping_discounts_the_shipping_above_a_threshold_with_a_hint_below() -> None:
    free_shipping = campaign("ship", {"type": "FREE_SHIPPING"}, condition={"min_order_total": "200.00"})
    shipping = {"method": "standard", "amount": "29.90"}

    above = evaluate([free_shipping], cart("250.00", shipping=shipping))
    below = evaluate([free_shipping], cart("150.00", shipping=shipping))

    assert (above.shipping_discount, above.total, above.discount_total) == (
        Decimal("29.90"),
        Decimal("250.00"),
        Decimal("0.00"),
    )
    assert above.applied[0].discount == Decimal("29.90")
    assert below.hints[0].missing_amount == Decimal("50.00")
    assert below.total == Decimal("179.90")


def test_half_shipping_rounds_with_the_policy_and_no_shipping_means_no_benefit() -> None:
    half = campaign("half_ship", {"type": "FREE_SHIPPING", "value": "50"})

    assert evaluate([half], cart("10.00", shipping={"amount": "29.95"})).shipping_discount == Decimal("14.98")
    assert evaluate([half], cart("10.00")).skipped[0].reason == SkipReason.NO_BENEFIT


def test_a_gift_is_added_as_a_free_line_and_repeats_per_threshold() -> None:
    gift = campaign(
        "tote",
        {"type": "GIFT", "gift": {"sku": "TOTE", "quantity": 1}, "repeatable": True},
        condition={"min_order_total": "100.00"},
    )

    result = evaluate([gift], cart("250.00"))

    assert [(line.sku, line.quantity) for line in result.gifts] == [("TOTE", 2)]
    assert result.discount_total == Decimal("0.00")


def test_a_repeatable_order_amount_is_earned_per_threshold_multiple() -> None:
    every100 = campaign(
        "every100", {"type": "AMOUNT", "value": "10.00", "repeatable": True}, condition={"min_order_total": "100.00"}
    )

    assert evaluate([every100], cart("350.00")).discount_total == Decimal("30.00")


def test_a_bundle_that_would_cost_more_than_its_units_gives_nothing() -> None:
    bundle = campaign("bundle", {"type": "FIXED_PRICE", "value": "100.00", "bundle_size": 2})

    result = evaluate([bundle], cart("40.00", "50.00"))

    assert result.discount_total == Decimal("0.00")
    assert result.skipped[0].reason == SkipReason.NO_BENEFIT


def test_repeatable_bundles_are_taken_in_benefit_order() -> None:
    bundle = campaign("two_for_50", {"type": "FIXED_PRICE", "value": "50.00", "bundle_size": 2, "repeatable": True})

    result = evaluate([bundle], cart("40.00", "35.00", "30.00", "20.00", "10.00"))

    # cheapest first: (10 + 20) is below 50 and gives nothing; (30 + 35) gives 15; 40 is left alone
    assert result.discount_total == Decimal("15.00")


def test_target_excludes_and_attributes_limit_the_discounted_units() -> None:
    shirts = campaign(
        "shirts",
        {"type": "PERCENTAGE", "value": "10"},
        target={"categories": ["shirts"], "attributes": {"season": "SS26"}, "exclude": {"brands": ["luxe"]}},
    )
    lines = _lines(
        ("100.00", 1, {"categories": ["shirts"], "attributes": {"season": "SS26"}}),
        ("100.00", 1, {"categories": ["shirts"], "attributes": {"season": "AW25"}}),
        ("100.00", 1, {"categories": ["shirts"], "brand": "luxe", "attributes": {"season": "SS26"}}),
        ("100.00", 1, {"categories": ["shoes"], "attributes": {"season": "SS26"}}),
    )

    result = evaluate([shirts], cart(lines=lines))

    assert [line.discount for line in result.lines] == [Decimal("10.00"), Decimal(0), Decimal(0), Decimal(0)]


@pytest.mark.parametrize(("currency", "price", "discount"), [("JPY", "999", "100"), ("KWD", "9.999", "1.000")])
def test_minor_units_follow_the_currency(currency: str, price: str, discount: str) -> None:
    percent = campaign("percent10", {"type": "PERCENTAGE", "value": "10"})

    result = evaluate([percent], cart(price, currency=currency))

    assert str(result.discount_total) == discount


def test_percentages_apply_to_what_a_free_unit_left_which_is_nothing() -> None:
    buy2pay1 = campaign(
        "buy2pay1", {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"}, condition={"min_quantity": 2}
    )
    percent = campaign("percent10", {"type": "PERCENTAGE", "value": "10"})

    result = evaluate([buy2pay1, percent], cart("100.00", "60.00"))

    assert result.line("l1").discount == Decimal("60.00")
    assert result.line("l0").discount == Decimal("10.00")
    assert result.discount_total == Decimal("70.00")
