"""The worked examples of the engine issue (TRY, HALF_UP, STACK, default phases; one unit per price)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.engine.snapshot import evaluate
from domain.reasons import SkipReason
from tests.builders import campaign, cart, policy

BUY5PAY4 = campaign(
    "buy5pay4",
    {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y", "sort_direction": "ASC"},
    condition={"min_quantity": 5},
)
PERCENT10 = campaign("percent10", {"type": "PERCENTAGE", "value": "10"})
FLAT10OFF = campaign("flat10off", {"type": "AMOUNT", "value": "10.00", "amount_mode": "ORDER"})


def test_buy5pay4_gives_nothing_for_four_units_and_says_one_is_missing() -> None:
    result = evaluate([BUY5PAY4], cart("100", "80", "60", "40"))

    assert result.discount_total == Decimal("0.00")
    assert [(skip.campaign_id, skip.reason) for skip in result.skipped] == [("buy5pay4", SkipReason.MIN_QUANTITY)]
    assert [(hint.campaign_id, hint.missing_quantity) for hint in result.hints] == [("buy5pay4", 1)]


def test_buy5pay4_frees_the_cheapest_of_five() -> None:
    result = evaluate([BUY5PAY4], cart("100", "80", "60", "40", "20"))

    assert result.discount_total == Decimal("20.00")
    assert result.line("l4").discount == Decimal("20.00")


def test_buy5pay4_with_six_units_frees_only_the_cheapest_once() -> None:
    assert evaluate([BUY5PAY4], cart("100", "80", "60", "40", "20", "10")).discount_total == Decimal("10.00")


@pytest.mark.parametrize(("units", "discount"), [(20, "40.00"), (15, "20.00")])
def test_buy10get2_repeats_per_complete_group_of_ten(units: int, discount: str) -> None:
    buy10get2 = campaign(
        "buy10get2",
        {"type": "FREE_UNITS", "value": "2", "calculation": "BUY_X_GET_Y", "repeatable": True},
        condition={"min_quantity": 10},
    )

    assert evaluate([buy10get2], cart(*["10.00"] * units)).discount_total == Decimal(discount)


@pytest.mark.parametrize(("direction", "discount"), [("ASC", "20.00"), ("DESC", "50.00")])
def test_four_for_three_frees_the_cheapest_or_the_dearest_by_sort_direction(direction: str, discount: str) -> None:
    four_for_three = campaign(
        "4for3",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y", "sort_direction": direction},
        condition={"min_quantity": 4},
    )

    assert evaluate([four_for_three], cart("50", "40", "30", "20")).discount_total == Decimal(discount)


@pytest.mark.parametrize(("units", "discount"), [(5, "100.00"), (4, "0.00")])
def test_percent20on5items_needs_five_units(units: int, discount: str) -> None:
    percent20on5items = campaign(
        "percent20on5items", {"type": "PERCENTAGE", "value": "20"}, condition={"min_quantity": 5}
    )

    assert evaluate([percent20on5items], cart(*["100.00"] * units)).discount_total == Decimal(discount)


def test_step_every_fourth_half_price_takes_the_fourth_and_eighth_dearest() -> None:
    step = campaign(
        "stepEvery4_50off",
        {"type": "PERCENTAGE", "value": "50", "calculation": "STEP", "step_index": 4, "repeatable": True},
    )

    result = evaluate([step], cart("80", "70", "60", "50", "40", "30", "20", "10"))

    assert result.discount_total == Decimal("30.00")  # 50% of 50 + 50% of 10
    assert [line.discount for line in result.lines if line.discount] == [Decimal("25.00"), Decimal("5.00")]


@pytest.mark.parametrize(("price", "discount"), [("499.99", "0.00"), ("500.00", "75.00"), ("500.01", "75.00")])
def test_over500_15percent_starts_at_exactly_500(price: str, discount: str) -> None:
    over500 = campaign(
        "over500_15percent", {"type": "PERCENTAGE", "value": "15"}, condition={"min_order_total": "500.00"}
    )

    assert evaluate([over500], cart(price)).discount_total == Decimal(discount)


def test_fixed_price_bundle_splits_the_discount_over_its_units_by_largest_remainder() -> None:
    bundle = campaign("fixedPriceBundle", {"type": "FIXED_PRICE", "value": "100.00", "bundle_size": 3})

    result = evaluate([bundle], cart("50", "45", "40"))

    assert result.discount_total == Decimal("35.00")
    assert [line.discount for line in result.lines] == [Decimal("12.96"), Decimal("11.67"), Decimal("10.37")]


def test_combo_amount_is_split_in_proportion_to_the_lines() -> None:
    combo = campaign("combo3Items20", {"type": "AMOUNT", "value": "20.00"}, condition={"min_quantity": 3})

    result = evaluate([combo], cart("30", "20", "10"))

    assert result.discount_total == Decimal("20.00")
    assert [line.discount for line in result.lines] == [Decimal("10.00"), Decimal("6.67"), Decimal("3.33")]


def test_three_campaigns_stack_in_phase_order() -> None:
    result = evaluate([FLAT10OFF, PERCENT10, BUY5PAY4], cart(*["100.00"] * 5))

    assert result.discount_total == Decimal("150.00")
    assert [(entry.campaign_id, entry.discount) for entry in result.applied] == [
        ("buy5pay4", Decimal("100.00")),
        ("percent10", Decimal("40.00")),
        ("flat10off", Decimal("10.00")),
    ]


def test_single_policy_takes_only_the_first_campaign_that_applies() -> None:
    result = evaluate([FLAT10OFF, PERCENT10, BUY5PAY4], cart(*["100.00"] * 5), policy(stacking="SINGLE"))

    assert result.discount_total == Decimal("100.00")
    assert [entry.campaign_id for entry in result.applied] == ["buy5pay4"]
    assert {skip.campaign_id: skip.reason for skip in result.skipped} == {
        "percent10": SkipReason.NOT_SELECTED,
        "flat10off": SkipReason.NOT_SELECTED,
    }


def test_first_item_20_off_discounts_only_the_cheapest_unit() -> None:
    first_item = campaign(
        "firstItem20off", {"type": "PERCENTAGE", "value": "20", "max_units": 1, "sort_direction": "ASC"}
    )

    assert evaluate([first_item], cart("100", "50")).discount_total == Decimal("10.00")


def test_third_free_frees_the_third_dearest_unit() -> None:
    third_free = campaign("thirdFree", {"type": "FREE_UNITS", "value": "1", "calculation": "STEP", "step_index": 3})

    assert evaluate([third_free], cart("30", "20", "10", "5")).discount_total == Decimal("10.00")


@pytest.mark.parametrize(("rounding", "discount"), [("HALF_UP", "15.00"), ("HALF_EVEN", "15.00"), ("DOWN", "14.99")])
def test_percentage_on_one_line_is_rounded_once_with_the_policy_mode(rounding: str, discount: str) -> None:
    percent15 = campaign("percent15", {"type": "PERCENTAGE", "value": "15"})
    three_units = cart(lines=[{"id": "l0", "sku": "S0", "quantity": 3, "unit_price": "33.33"}])

    result = evaluate([percent15], three_units, policy(rounding=rounding))

    assert result.discount_total == Decimal(discount)  # 3 x 33.33 = 99.99; 15% = 14.9985
