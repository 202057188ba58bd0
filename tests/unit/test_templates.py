"""The template test plan for every standard template: thresholds one below / at / one above, ASC vs DESC,
repeats at 10 and 15 units, and the conflict order between templates that compete for the same units.

Every expected figure is worked out by hand from CONTRACT.md; the arithmetic is in the comments. Carts are
built from unit prices, one line of one unit per price (lines l1, l2, …), unless a test says otherwise.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from domain.documents import DEFAULT_POLICY, Campaign, Cart, Policy, Result, parse_cart, parse_policy
from domain.engine.snapshot import evaluate
from domain.errors import DocumentError
from domain.reasons import SkipReason
from domain.templates import TEMPLATES, UnknownTemplate, instantiate, template_names
from kampanya.cli import EXIT_OK, EXIT_USAGE, main

SUNDAY_1300 = "2026-11-22T13:00:00+03:00"  # a Sunday, 13:00 in Istanbul


# --- helpers -----------------------------------------------------------------------------------------------


def cart_of(*prices: str, skus: list[str] | None = None) -> Cart:
    """A cart with one line of one unit per price: lines l1, l2, … (skus S1, S2, … unless given)."""
    lines = [
        {"id": f"l{index}", "sku": skus[index - 1] if skus else f"S{index}", "quantity": 1, "unit_price": price}
        for index, price in enumerate(prices, start=1)
    ]
    return parse_cart({"currency": "TRY", "now": SUNDAY_1300, "lines": lines})


def one_line(quantity: int, unit_price: str) -> Cart:
    """A cart with a single line l1 of `quantity` units at `unit_price`."""
    line = {"id": "l1", "sku": "S1", "quantity": quantity, "unit_price": unit_price}
    return parse_cart({"currency": "TRY", "now": SUNDAY_1300, "lines": [line]})


def ladder(count: int, start: int = 10) -> list[str]:
    """Unit prices start, start+10, start+20, … as money strings: ladder(3) == ["10.00", "20.00", "30.00"]."""
    return [f"{start + 10 * step}.00" for step in range(count)]


def names_of(table: list[Any]) -> list[str]:
    """Parametrize ids: the template name that starts each row of a plan table."""
    return [row[0] for row in table]


def price(campaigns: list[Campaign], cart: Cart, policy: Policy = DEFAULT_POLICY) -> Result:
    return evaluate(campaigns, cart, policy)


def reasons(result: Result) -> dict[str, SkipReason]:
    return {skip.campaign_id: skip.reason for skip in result.skipped}


def applied_ids(result: Result) -> list[str]:
    return [entry.campaign_id for entry in result.applied]


def applications(result: Result, campaign_id: str) -> int:
    return next(entry.applications for entry in result.applied if entry.campaign_id == campaign_id)


def line_discounts(result: Result) -> list[Decimal]:
    return [line.discount for line in result.lines]


def hint(result: Result, campaign_id: str) -> tuple[int | None, Decimal | None]:
    found = next(entry for entry in result.hints if entry.campaign_id == campaign_id)
    return found.missing_quantity, found.missing_amount


def pointers(error: pytest.ExceptionInfo[DocumentError]) -> list[str]:
    return [problem.pointer for problem in error.value.errors]


# --- the library itself ------------------------------------------------------------------------------------


def test_the_library_holds_28_templates_in_library_order() -> None:
    assert len(TEMPLATES) == 28
    assert template_names() == list(TEMPLATES)
    assert all(TEMPLATES[name]["id"] == name for name in TEMPLATES)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_template_has_turkish_and_english_names_and_descriptions(name: str) -> None:
    document = TEMPLATES[name]

    for field in ("name", "description"):
        texts = document[field]
        assert set(texts) >= {"tr", "en"}
        assert texts["tr"].strip()
        assert texts["en"].strip()
        assert texts["tr"] != texts["en"]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_template_instantiates_as_an_automatic_campaign_named_after_it(name: str) -> None:
    campaign = instantiate(name)

    assert campaign.id == name
    assert campaign.name == TEMPLATES[name]["name"]
    assert campaign.description == TEMPLATES[name]["description"]
    assert campaign.kind == "AUTOMATIC"


@pytest.mark.parametrize("argv", [["templates"], ["templates", "list"]])
def test_kampanya_templates_lists_every_template_by_name(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_OK

    rows = capsys.readouterr().out.splitlines()
    assert [row.split()[0] for row in rows] == template_names()
    for row, name in zip(rows, template_names(), strict=True):
        assert TEMPLATES[name]["name"]["en"] in row
        assert TEMPLATES[name]["name"]["tr"] in row


def test_kampanya_templates_show_prints_the_template_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "show", "buy5pay4"]) == EXIT_OK

    assert json.loads(capsys.readouterr().out) == TEMPLATES["buy5pay4"]


def test_kampanya_templates_instantiate_takes_a_new_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "instantiate", "buy5pay4", "--id", "shirts-5for4"]) == EXIT_OK

    document = json.loads(capsys.readouterr().out)
    assert document["id"] == "shirts-5for4"
    assert document["name"] == {"tr": "5 Al 4 Öde", "en": "Buy 5, pay 4"}


def test_kampanya_templates_rejects_an_unknown_template(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "show", "buy7pay1"]) == EXIT_USAGE

    assert "buy7pay1" in capsys.readouterr().err


# --- instantiate and its overrides -------------------------------------------------------------------------


def test_an_unknown_template_raises_unknown_template() -> None:
    with pytest.raises(UnknownTemplate) as error:
        instantiate("buy7pay1")

    assert error.value.name == "buy7pay1"
    assert isinstance(error.value, KeyError)


def test_instantiate_overrides_the_id_and_keeps_the_rest() -> None:
    campaign = instantiate("buy5pay4", {"id": "shirts-5for4"})

    assert campaign.id == "shirts-5for4"
    assert campaign.name == {"tr": "5 Al 4 Öde", "en": "Buy 5, pay 4"}
    assert campaign.condition.min_quantity == 5
    assert campaign.benefit.calculation == "BUY_X_GET_Y"


def test_instantiate_overrides_the_target() -> None:
    campaign = instantiate("percent10", {"target": {"skus": ["A"]}})

    result = price([campaign], cart_of("100.00", "200.00", skus=["A", "B"]))

    assert line_discounts(result) == [Decimal("10.00"), Decimal("0.00")]  # only the A unit: 10% of 100


def test_a_target_override_decides_which_units_count_towards_the_threshold() -> None:
    campaign = instantiate("buy2pay1", {"target": {"skus": ["A"]}})

    # B (5.00) is the cheapest unit in the cart but not a target unit: the A pair frees its cheaper 20.00.
    result = price([campaign], cart_of("30.00", "5.00", "20.00", skus=["A", "B", "A"]))

    assert line_discounts(result) == [Decimal("0.00"), Decimal("0.00"), Decimal("20.00")]


def test_instantiate_overrides_values() -> None:
    campaign = instantiate("percent10", {"benefit": {"value": "25"}})

    assert price([campaign], cart_of("100.00")).discount_total == Decimal("25.00")


def test_instantiate_overrides_a_threshold() -> None:
    campaign = instantiate("over500_15percent", {"condition": {"min_order_total": "300.00"}})

    assert price([campaign], cart_of("299.99")).discount_total == Decimal("0.00")
    assert price([campaign], cart_of("300.00")).discount_total == Decimal("45.00")  # 15% of 300


def test_instantiate_overrides_the_group_size_of_buy_x_get_y() -> None:
    campaign = instantiate("buy5pay4", {"condition": {"min_quantity": 3}})

    assert price([campaign], cart_of(*ladder(3))).discount_total == Decimal("10.00")  # buy 3 pay 2: 10 free


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ({"starts_at": "2026-11-23T00:00:00+03:00"}, SkipReason.NOT_STARTED),
        ({"ends_at": "2026-11-22T13:00:00+03:00"}, SkipReason.ENDED),  # ends_at is exclusive
        # weekdays only, and the cart's now is a Sunday
        (
            {"windows": [{"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "12:00", "to": "16:00"}]},
            SkipReason.OUTSIDE_WINDOW,
        ),
    ],
)
def test_instantiate_overrides_the_schedule(schedule: dict[str, Any], reason: SkipReason) -> None:
    campaign = instantiate("percent10", {"schedule": schedule})

    result = price([campaign], cart_of("100.00"))

    assert result.discount_total == Decimal("0.00")
    assert reasons(result) == {"percent10": reason}


def test_a_schedule_override_that_covers_now_lets_the_template_apply() -> None:
    campaign = instantiate(
        "percent10",
        {
            "schedule": {
                "starts_at": "2026-11-22T13:00:00+03:00",  # starts_at is inclusive
                "ends_at": "2026-11-22T13:01:00+03:00",
                "windows": [{"days": ["SUN"], "from": "13:00", "to": "14:00"}],
            }
        },
    )

    assert price([campaign], cart_of("100.00")).discount_total == Decimal("10.00")


def test_instantiate_leaves_the_library_unchanged() -> None:
    instantiate("percent10", {"benefit": {"value": "25"}, "target": {"skus": ["A"]}, "id": "other"})

    assert TEMPLATES["percent10"]["id"] == "percent10"
    assert TEMPLATES["percent10"]["benefit"]["value"] == "10"
    assert "target" not in TEMPLATES["percent10"]


@pytest.mark.parametrize(
    ("name", "overrides", "field"),
    [
        ("percent10", {"benefit": {"value": "150"}}, "/benefit/value"),  # a percentage is at most 100
        ("percent10", {"benefit": {"value": "0"}}, "/benefit/value"),
        ("flat10off", {"benefit": {"value": "-1.00"}}, "/benefit/value"),  # negative money
        ("flat10off", {"benefit": {"value": 10}}, "/benefit/value"),  # money is a decimal string
        ("buy5pay4", {"benefit": {"value": "5"}}, "/benefit/value"),  # 5 free in a group of 5
        ("secondItemFree", {"benefit": {"value": "2"}}, "/benefit/value"),  # a STEP frees one unit
        ("buy5pay4", {"condition": {"min_quantity": None}}, "/condition/min_quantity"),  # BUY_X_GET_Y needs X
        ("buy5pay4", {"condition": {"min_quantity": 0}}, "/condition/min_quantity"),
        ("fixedPriceBundle", {"benefit": {"bundle_size": None}}, "/benefit/bundle_size"),
        ("thirdFree", {"benefit": {"step_index": None}}, "/benefit/step_index"),
        ("percent10", {"benefit": {"sort_direction": "SIDEWAYS"}}, "/benefit/sort_direction"),
        ("percent10", {"benefit": {"repeatable": True}}, "/benefit/repeatable"),  # nothing to repeat
        ("percent10", {"id": "no spaces allowed"}, "/id"),
        ("percent10", {"discount": "10"}, "/discount"),  # unknown fields are rejected
        ("percent10", {"target": {"skus": ["A"], "exclude": {"skus": ["A"]}}}, "/target/exclude/skus"),
        (
            "percent10",
            {"schedule": {"starts_at": "2026-12-01T00:00:00+03:00", "ends_at": "2026-11-01T00:00:00+03:00"}},
            "/schedule/ends_at",
        ),
    ],
)
def test_a_bad_override_raises_a_document_error_naming_the_field(
    name: str, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(DocumentError) as error:
        instantiate(name, overrides)

    assert field in pointers(error)


# --- thresholds: one below / exactly at / one above --------------------------------------------------------

# (template, N = units it needs, first unit price of the ladder, discount at N units, discount at N+1 units).
# The carts are ladder(N - 1), ladder(N), ladder(N + 1): 10.00, 20.00, 30.00, … one unit per line.
QUANTITY_THRESHOLDS = [
    ("percent20on5items", 5, 10, "30.00", "42.00"),  # 20% of 150; 20% of 210
    ("buy2get15percent", 2, 10, "4.50", "9.00"),  # 15% of 30; 15% of 60
    ("buy3get10percent", 3, 10, "6.00", "10.00"),  # 10% of 60; 10% of 100
    ("buy4get25percent", 4, 10, "25.00", "37.50"),  # 25% of 100; 25% of 150
    ("combo3Items20", 3, 10, "20.00", "20.00"),  # 20 off the order either way
    # dearest first: 40,30,20,[10] -> 50% of 10; 50,40,30,[20],10 -> 50% of 20
    ("stepEvery4_50off", 4, 10, "5.00", "10.00"),
    # 50+60+70 = 180 for 100; with 80 added the cheapest three (ASC) still form the bundle
    ("fixedPriceBundle", 3, 50, "80.00", "80.00"),
    ("buy5pay4", 5, 10, "10.00", "10.00"),  # the cheapest unit is free; one group only
    ("buy10get2", 10, 10, "30.00", "30.00"),  # 10 + 20 free; 11 units are still one group
    ("buy2pay1", 2, 10, "10.00", "10.00"),
    ("buy1get1", 2, 10, "10.00", "10.00"),  # 3 units hold one complete pair
    ("thirdFree", 3, 10, "10.00", "20.00"),  # 30,20,[10]; 40,30,[20],10
    ("fourthFree", 4, 10, "10.00", "20.00"),  # 40,30,20,[10]; 50,40,30,[20],10
    ("every5thItemFree", 5, 10, "10.00", "20.00"),  # 50..20,[10]; 60,50,40,30,[20],10
    ("secondItemFree", 2, 10, "10.00", "20.00"),  # 20,[10]; 30,[20],10
    ("stepEvery3_1Free", 3, 10, "10.00", "20.00"),  # 30,20,[10]; 40,30,[20],10
]

# (template, min_order_total, discount at the total, discount one minor unit above it); one line at that price.
MONEY_THRESHOLDS = [
    ("percent25over200", "200.00", "50.00", "50.00"),  # 25% of 200.01 = 50.0025 -> 50.00
    ("percent5over50", "50.00", "2.50", "2.50"),  # 5% of 50.01 = 2.5005 -> 2.50
    ("percent30Above1000", "1000.00", "300.00", "300.00"),  # 30% of 1000.01 = 300.003 -> 300.00
    ("over500_15percent", "500.00", "75.00", "75.00"),  # 15% of 500.01 = 75.0015 -> 75.00
    ("over100_20off", "100.00", "20.00", "20.00"),
    ("over300get50", "300.00", "50.00", "50.00"),
    ("orderAbove700get100off", "700.00", "100.00", "100.00"),
]

# Templates without a threshold: they apply to a single unit of 100.00 and give this much.
NO_THRESHOLD = [
    ("percent10", "10.00"),
    ("percent15", "15.00"),
    ("firstItem20off", "20.00"),
    ("flat5off", "5.00"),
    ("flat10off", "10.00"),
]


def minor_below(amount: str) -> str:
    return str(Decimal(amount) - Decimal("0.01"))


def minor_above(amount: str) -> str:
    return str(Decimal(amount) + Decimal("0.01"))


def test_the_threshold_plan_covers_every_template_once() -> None:
    planned = [row[0] for row in QUANTITY_THRESHOLDS] + [row[0] for row in MONEY_THRESHOLDS]
    planned += [row[0] for row in NO_THRESHOLD]

    assert sorted(planned) == sorted(TEMPLATES)
    for name, needed, *_ in QUANTITY_THRESHOLDS:
        condition, benefit = TEMPLATES[name].get("condition", {}), TEMPLATES[name]["benefit"]
        assert needed == (condition.get("min_quantity") or benefit.get("step_index") or benefit.get("bundle_size"))
    for name, floor, *_ in MONEY_THRESHOLDS:
        assert TEMPLATES[name]["condition"] == {"min_order_total": floor}
    for name, _ in NO_THRESHOLD:
        assert "condition" not in TEMPLATES[name]


@pytest.mark.parametrize(
    ("name", "needed", "start", "at", "above"), QUANTITY_THRESHOLDS, ids=names_of(QUANTITY_THRESHOLDS)
)
def test_one_unit_below_the_quantity_threshold_gives_nothing_and_a_hint(
    name: str, needed: int, start: int, at: str, above: str
) -> None:
    result = price([instantiate(name)], cart_of(*ladder(needed - 1, start)))

    assert result.discount_total == Decimal("0.00")
    assert reasons(result) == {name: SkipReason.MIN_QUANTITY}
    assert hint(result, name) == (1, None)


@pytest.mark.parametrize(
    ("name", "needed", "start", "at", "above"), QUANTITY_THRESHOLDS, ids=names_of(QUANTITY_THRESHOLDS)
)
def test_exactly_at_the_quantity_threshold_the_template_applies(
    name: str, needed: int, start: int, at: str, above: str
) -> None:
    result = price([instantiate(name)], cart_of(*ladder(needed, start)))

    assert result.discount_total == Decimal(at)
    assert applied_ids(result) == [name]
    assert applications(result, name) == 1


@pytest.mark.parametrize(
    ("name", "needed", "start", "at", "above"), QUANTITY_THRESHOLDS, ids=names_of(QUANTITY_THRESHOLDS)
)
def test_one_unit_above_the_quantity_threshold_the_template_applies(
    name: str, needed: int, start: int, at: str, above: str
) -> None:
    result = price([instantiate(name)], cart_of(*ladder(needed + 1, start)))

    assert result.discount_total == Decimal(above)
    assert applied_ids(result) == [name]
    assert applications(result, name) == 1


# (template, N, discount for N units of 100.00 on one line)
ONE_LINE_AT_THRESHOLD = [
    ("percent20on5items", 5, "100.00"),  # 20% of 500
    ("buy2get15percent", 2, "30.00"),  # 15% of 200
    ("buy3get10percent", 3, "30.00"),  # 10% of 300
    ("buy4get25percent", 4, "100.00"),  # 25% of 400
    ("combo3Items20", 3, "20.00"),
    ("stepEvery4_50off", 4, "50.00"),  # half of the 4th unit
    ("fixedPriceBundle", 3, "200.00"),  # 300 for 100
    ("buy5pay4", 5, "100.00"),
    ("buy10get2", 10, "200.00"),
    ("buy2pay1", 2, "100.00"),
    ("buy1get1", 2, "100.00"),
    ("thirdFree", 3, "100.00"),
    ("fourthFree", 4, "100.00"),
    ("every5thItemFree", 5, "100.00"),
    ("secondItemFree", 2, "100.00"),
    ("stepEvery3_1Free", 3, "100.00"),
]


def test_the_one_line_plan_covers_every_quantity_threshold() -> None:
    assert [row[:2] for row in ONE_LINE_AT_THRESHOLD] == [row[:2] for row in QUANTITY_THRESHOLDS]


@pytest.mark.parametrize(("name", "needed", "discount"), ONE_LINE_AT_THRESHOLD, ids=names_of(ONE_LINE_AT_THRESHOLD))
def test_the_quantity_threshold_counts_units_not_lines(name: str, needed: int, discount: str) -> None:
    below = price([instantiate(name)], one_line(needed - 1, "100.00"))
    at = price([instantiate(name)], one_line(needed, "100.00"))

    assert below.discount_total == Decimal("0.00")
    assert reasons(below) == {name: SkipReason.MIN_QUANTITY}
    assert at.discount_total == Decimal(discount)


@pytest.mark.parametrize(("name", "floor", "at", "above"), MONEY_THRESHOLDS, ids=names_of(MONEY_THRESHOLDS))
def test_one_minor_unit_below_min_order_total_gives_nothing_and_a_hint(
    name: str, floor: str, at: str, above: str
) -> None:
    result = price([instantiate(name)], cart_of(minor_below(floor)))

    assert result.discount_total == Decimal("0.00")
    assert reasons(result) == {name: SkipReason.MIN_ORDER_TOTAL}
    assert hint(result, name) == (None, Decimal("0.01"))


@pytest.mark.parametrize(("name", "floor", "at", "above"), MONEY_THRESHOLDS, ids=names_of(MONEY_THRESHOLDS))
def test_exactly_at_min_order_total_the_template_applies(name: str, floor: str, at: str, above: str) -> None:
    result = price([instantiate(name)], cart_of(floor))

    assert result.discount_total == Decimal(at)
    assert applied_ids(result) == [name]


@pytest.mark.parametrize(("name", "floor", "at", "above"), MONEY_THRESHOLDS, ids=names_of(MONEY_THRESHOLDS))
def test_one_minor_unit_above_min_order_total_the_template_applies(name: str, floor: str, at: str, above: str) -> None:
    result = price([instantiate(name)], cart_of(minor_above(floor)))

    assert result.discount_total == Decimal(above)
    assert applied_ids(result) == [name]


def test_min_order_total_adds_up_every_line() -> None:
    result = price([instantiate("over500_15percent")], cart_of("250.00", "250.00"))

    assert line_discounts(result) == [Decimal("37.50"), Decimal("37.50")]  # 15% of 250 each


@pytest.mark.parametrize(("name", "discount"), NO_THRESHOLD, ids=names_of(NO_THRESHOLD))
def test_a_template_without_threshold_applies_to_a_single_unit(name: str, discount: str) -> None:
    result = price([instantiate(name)], cart_of("100.00"))

    assert result.discount_total == Decimal(discount)
    assert result.skipped == []


# --- sort direction ----------------------------------------------------------------------------------------

HUNDREDS = ["100.00", "200.00", "300.00", "400.00", "500.00"]  # 1500.00 in all

# (template, cart, discount with the template's ASC, discount with sort_direction DESC)
DIRECTIONS = [
    # every target unit receives the benefit: the direction does not matter
    ("percent10", HUNDREDS, "150.00", "150.00"),
    ("percent15", HUNDREDS, "225.00", "225.00"),
    ("percent20on5items", HUNDREDS, "300.00", "300.00"),
    ("buy2get15percent", HUNDREDS, "225.00", "225.00"),
    ("buy3get10percent", HUNDREDS, "150.00", "150.00"),
    ("buy4get25percent", HUNDREDS, "375.00", "375.00"),
    ("percent25over200", HUNDREDS, "375.00", "375.00"),
    ("percent5over50", HUNDREDS, "75.00", "75.00"),
    ("percent30Above1000", HUNDREDS, "450.00", "450.00"),
    ("over500_15percent", HUNDREDS, "225.00", "225.00"),
    ("flat5off", HUNDREDS, "5.00", "5.00"),
    ("flat10off", HUNDREDS, "10.00", "10.00"),
    ("combo3Items20", HUNDREDS, "20.00", "20.00"),
    ("over100_20off", HUNDREDS, "20.00", "20.00"),
    ("over300get50", HUNDREDS, "50.00", "50.00"),
    ("orderAbove700get100off", HUNDREDS, "100.00", "100.00"),
    # the direction picks the receiving units
    ("firstItem20off", ladder(6), "2.00", "12.00"),  # 20% of 10; 20% of 60
    # ASC lists dearest first 60,50,40,[30],20,10; DESC cheapest first 10,20,30,[40],50,60; half off
    ("stepEvery4_50off", ladder(6), "15.00", "20.00"),
    # ASC bundles 50+60+70 = 180 -> 80 off; DESC bundles 80+70+60 = 210 -> 110 off
    ("fixedPriceBundle", ladder(4, 50), "80.00", "110.00"),
    ("buy5pay4", ladder(6), "10.00", "60.00"),  # cheapest 10 free; dearest 60 free
    ("buy10get2", ladder(10), "30.00", "190.00"),  # 10 + 20; 100 + 90
    ("buy2pay1", ladder(6), "10.00", "60.00"),
    ("buy1get1", ladder(6), "60.00", "150.00"),  # 3 pairs: 10 + 20 + 30; 60 + 50 + 40
    ("thirdFree", ladder(6), "40.00", "30.00"),  # 60,50,[40]; 10,20,[30]
    ("fourthFree", ladder(6), "30.00", "40.00"),  # 60,50,40,[30]; 10,20,30,[40]
    ("every5thItemFree", ladder(6), "20.00", "50.00"),  # 60,50,40,30,[20]; 10,20,30,40,[50]
    ("secondItemFree", ladder(6), "50.00", "20.00"),  # 60,[50]; 10,[20]
    ("stepEvery3_1Free", ladder(6), "50.00", "90.00"),  # 60,50,[40],30,20,[10]; 10,20,[30],40,50,[60]
]


def test_the_direction_plan_covers_every_template_once() -> None:
    assert sorted(row[0] for row in DIRECTIONS) == sorted(TEMPLATES)


@pytest.mark.parametrize(("name", "prices", "ascending", "descending"), DIRECTIONS, ids=names_of(DIRECTIONS))
def test_sort_direction_decides_which_units_receive_the_benefit(
    name: str, prices: list[str], ascending: str, descending: str
) -> None:
    asc = price([instantiate(name)], cart_of(*prices))
    desc = price([instantiate(name, {"benefit": {"sort_direction": "DESC"}})], cart_of(*prices))

    assert TEMPLATES[name]["benefit"].get("sort_direction", "ASC") == "ASC"
    assert asc.discount_total == Decimal(ascending)
    assert desc.discount_total == Decimal(descending)


def test_first_item20off_discounts_only_the_cheapest_unit() -> None:
    result = price([instantiate("firstItem20off")], cart_of("30.00", "10.00", "20.00"))

    assert line_discounts(result) == [Decimal("0.00"), Decimal("2.00"), Decimal("0.00")]


def test_first_item20off_with_desc_discounts_only_the_dearest_unit() -> None:
    campaign = instantiate("firstItem20off", {"benefit": {"sort_direction": "DESC"}})

    result = price([campaign], cart_of("30.00", "10.00", "20.00"))

    assert line_discounts(result) == [Decimal("6.00"), Decimal("0.00"), Decimal("0.00")]


def test_buy5pay4_frees_the_cheapest_of_five() -> None:
    result = price([instantiate("buy5pay4")], cart_of("30.00", "50.00", "10.00", "40.00", "20.00"))

    assert line_discounts(result) == [Decimal("0.00")] * 2 + [Decimal("10.00")] + [Decimal("0.00")] * 2


def test_buy_x_get_y_ties_go_to_the_earlier_line() -> None:
    asc = price([instantiate("buy2pay1")], cart_of("20.00", "20.00"))
    desc = price([instantiate("buy2pay1", {"benefit": {"sort_direction": "DESC"}})], cart_of("20.00", "20.00"))

    assert line_discounts(asc) == [Decimal("20.00"), Decimal("0.00")]
    assert line_discounts(desc) == [Decimal("20.00"), Decimal("0.00")]


def test_step_lists_tied_units_in_line_order() -> None:
    result = price([instantiate("thirdFree")], cart_of("20.00", "20.00", "20.00"))

    assert line_discounts(result) == [Decimal("0.00"), Decimal("0.00"), Decimal("20.00")]  # l1, l2, [l3]


def test_third_free_lists_units_dearest_first() -> None:
    # dearest first: 50 (l2), 40 (l4), [30 (l1)], 20 (l5), 10 (l3)
    result = price([instantiate("thirdFree")], cart_of("30.00", "50.00", "10.00", "40.00", "20.00"))

    assert line_discounts(result) == [Decimal("30.00")] + [Decimal("0.00")] * 4


def test_fixed_price_bundle_takes_the_cheapest_units_and_splits_the_discount() -> None:
    result = price([instantiate("fixedPriceBundle")], cart_of("50.00", "60.00", "70.00", "80.00"))

    # 180 - 100 = 80 over nets 50 : 60 : 70 -> 22.222, 26.667, 31.111 -> largest remainder 22.22, 26.67, 31.11
    assert line_discounts(result) == [Decimal("22.22"), Decimal("26.67"), Decimal("31.11"), Decimal("0.00")]


@pytest.mark.parametrize(
    ("prices", "discount"),
    [
        (["33.33", "33.33", "33.33"], "0.00"),  # 99.99: already below the bundle price
        (["33.33", "33.33", "33.34"], "0.00"),  # 100.00: exactly the bundle price
        (["33.33", "33.34", "33.34"], "0.01"),  # 100.01: one minor unit off
    ],
)
def test_fixed_price_bundle_never_raises_the_price(prices: list[str], discount: str) -> None:
    result = price([instantiate("fixedPriceBundle")], cart_of(*prices))

    assert result.discount_total == Decimal(discount)
    assert result.subtotal - result.discount_total <= Decimal("100.00")


# --- amounts and rounding ----------------------------------------------------------------------------------


def test_flat5off_splits_over_equal_units_by_largest_remainder() -> None:
    result = price([instantiate("flat5off")], cart_of("10.00", "10.00", "10.00"))

    # 500 kuruş / 3 = 166.67 each: 166 + 166 + 166, the 2 left go to the earliest equal remainders
    assert line_discounts(result) == [Decimal("1.67"), Decimal("1.67"), Decimal("1.66")]
    assert result.discount_total == Decimal("5.00")


def test_flat10off_splits_in_proportion_to_the_net() -> None:
    result = price([instantiate("flat10off")], cart_of("10.00", "20.00"))

    # 10 x 1/3 = 3.333, 10 x 2/3 = 6.667: the last kuruş goes to the larger remainder
    assert line_discounts(result) == [Decimal("3.33"), Decimal("6.67")]


def test_flat10off_ties_in_the_remainders_go_to_the_earlier_line() -> None:
    result = price([instantiate("flat10off")], cart_of(*HUNDREDS))

    # 1000 kuruş x 1/15, 2/15, … = 66.67, 133.33, 200, 266.67, 333.33 -> 66, 133, 200, 266, 333 (+2 to l1, l4)
    expected = ["0.67", "1.33", "2.00", "2.67", "3.33"]
    assert line_discounts(result) == [Decimal(amount) for amount in expected]


def test_combo3items20_splits_the_amount_over_the_target_units() -> None:
    result = price([instantiate("combo3Items20")], cart_of(*ladder(3)))

    # 20 x 10/60, 20/60, 30/60 = 3.333, 6.667, 10 -> the spare kuruş to the 6.667 share
    assert line_discounts(result) == [Decimal("3.33"), Decimal("6.67"), Decimal("10.00")]


@pytest.mark.parametrize("name", ["flat5off", "flat10off"])
def test_an_amount_never_goes_below_zero(name: str) -> None:
    result = price([instantiate(name)], cart_of("3.00"))

    assert result.discount_total == Decimal("3.00")
    assert result.total == Decimal("0.00")


@pytest.mark.parametrize(
    ("quantity", "rounding", "discount"),
    [
        (3, "HALF_UP", "0.02"),  # 10% of 3 x 0.05 = 0.015, rounded once for the line (not 3 x 0.01)
        (3, "HALF_EVEN", "0.02"),
        (3, "DOWN", "0.01"),
        (5, "HALF_UP", "0.03"),  # 10% of 5 x 0.05 = 0.025
        (5, "HALF_EVEN", "0.02"),
        (5, "DOWN", "0.02"),
    ],
)
def test_percent10_rounds_once_per_line(quantity: int, rounding: str, discount: str) -> None:
    result = price([instantiate("percent10")], one_line(quantity, "0.05"), parse_policy({"rounding": rounding}))

    assert result.discount_total == Decimal(discount)


# --- repeats at 10 and 15 units ----------------------------------------------------------------------------

# (template, (discount, applications) at 10 units, the same at 15 units); one line of units at 100.00.
REPEATS = [
    ("percent10", ("100.00", 1), ("150.00", 1)),
    ("percent15", ("150.00", 1), ("225.00", 1)),
    ("percent20on5items", ("200.00", 1), ("300.00", 1)),
    ("stepEvery4_50off", ("100.00", 2), ("150.00", 3)),  # half off positions 4, 8 (and 12)
    ("firstItem20off", ("20.00", 1), ("20.00", 1)),  # one unit however many there are
    ("buy2get15percent", ("150.00", 1), ("225.00", 1)),
    ("buy3get10percent", ("100.00", 1), ("150.00", 1)),
    ("buy4get25percent", ("250.00", 1), ("375.00", 1)),
    ("percent25over200", ("250.00", 1), ("375.00", 1)),
    ("percent5over50", ("50.00", 1), ("75.00", 1)),
    ("percent30Above1000", ("300.00", 1), ("450.00", 1)),
    ("over500_15percent", ("150.00", 1), ("225.00", 1)),
    ("flat5off", ("5.00", 1), ("5.00", 1)),
    ("flat10off", ("10.00", 1), ("10.00", 1)),
    ("combo3Items20", ("20.00", 1), ("20.00", 1)),
    ("fixedPriceBundle", ("200.00", 1), ("200.00", 1)),  # one bundle of 300 for 100
    ("over100_20off", ("20.00", 1), ("20.00", 1)),
    ("over300get50", ("50.00", 1), ("50.00", 1)),
    ("orderAbove700get100off", ("100.00", 1), ("100.00", 1)),
    ("buy5pay4", ("100.00", 1), ("100.00", 1)),
    ("buy10get2", ("200.00", 1), ("200.00", 1)),  # floor(15 / 10) = 1 group
    ("buy2pay1", ("100.00", 1), ("100.00", 1)),
    ("buy1get1", ("500.00", 5), ("700.00", 7)),  # floor(10 / 2) = 5, floor(15 / 2) = 7 pairs
    ("thirdFree", ("100.00", 1), ("100.00", 1)),
    ("fourthFree", ("100.00", 1), ("100.00", 1)),
    ("every5thItemFree", ("200.00", 2), ("300.00", 3)),  # positions 5, 10 (and 15)
    ("secondItemFree", ("100.00", 1), ("100.00", 1)),
    ("stepEvery3_1Free", ("300.00", 3), ("500.00", 5)),  # positions 3, 6, 9 (and 12, 15)
]


def test_the_repeat_plan_covers_every_template_once() -> None:
    assert sorted(row[0] for row in REPEATS) == sorted(TEMPLATES)


@pytest.mark.parametrize(("name", "at_10", "at_15"), REPEATS, ids=names_of(REPEATS))
def test_repeats_at_10_and_15_units(name: str, at_10: tuple[str, int], at_15: tuple[str, int]) -> None:
    for units, (discount, times) in ((10, at_10), (15, at_15)):
        result = price([instantiate(name)], one_line(units, "100.00"))

        assert result.discount_total == Decimal(discount), f"{units} units"
        assert applications(result, name) == times, f"{units} units"


# (template, discount at 10 units of 100.00, at 15) once the template is made repeatable
MADE_REPEATABLE = [
    ("buy5pay4", "200.00", "300.00"),  # 2 groups, 3 groups
    ("buy2pay1", "500.00", "700.00"),  # 5 pairs, 7 pairs
    ("thirdFree", "300.00", "500.00"),  # positions 3, 6, 9; 3, 6, 9, 12, 15
    ("fourthFree", "200.00", "300.00"),  # positions 4, 8; 4, 8, 12
    ("secondItemFree", "500.00", "700.00"),  # positions 2, 4, …, 10; 2, …, 14
    ("fixedPriceBundle", "600.00", "1000.00"),  # 3 bundles x 200; 5 bundles x 200
    ("combo3Items20", "60.00", "100.00"),  # floor(10 / 3) = 3 x 20; floor(15 / 3) = 5 x 20
    ("over300get50", "150.00", "250.00"),  # floor(1000 / 300) = 3 x 50; floor(1500 / 300) = 5 x 50
]


@pytest.mark.parametrize(("name", "at_10", "at_15"), MADE_REPEATABLE, ids=names_of(MADE_REPEATABLE))
def test_a_template_made_repeatable_repeats_at_10_and_15_units(name: str, at_10: str, at_15: str) -> None:
    campaign = instantiate(name, {"benefit": {"repeatable": True}})

    assert price([campaign], one_line(10, "100.00")).discount_total == Decimal(at_10)
    assert price([campaign], one_line(15, "100.00")).discount_total == Decimal(at_15)


def test_buy10get2_repeats_per_complete_group_of_ten() -> None:
    nineteen = price([instantiate("buy10get2")], cart_of(*ladder(19)))
    twenty = price([instantiate("buy10get2")], cart_of(*ladder(20)))

    assert nineteen.discount_total == Decimal("30.00")  # one group: 10 + 20
    assert twenty.discount_total == Decimal("100.00")  # two groups: 10 + 20 + 30 + 40
    assert applications(twenty, "buy10get2") == 2


def test_buy1get1_frees_the_cheapest_half_of_ten_distinct_units() -> None:
    result = price([instantiate("buy1get1")], cart_of(*ladder(10)))

    assert result.discount_total == Decimal("150.00")  # 10 + 20 + 30 + 40 + 50
    assert line_discounts(result)[5:] == [Decimal("0.00")] * 5


def test_every5th_item_free_at_10_and_15_distinct_units() -> None:
    ten = price([instantiate("every5thItemFree")], cart_of(*ladder(10)))
    fifteen = price([instantiate("every5thItemFree")], cart_of(*ladder(15)))

    assert ten.discount_total == Decimal("70.00")  # 100..10 dearest first: 60 (5th) + 10 (10th)
    assert fifteen.discount_total == Decimal("180.00")  # 150..10: 110 + 60 + 10


def test_step_every3_at_10_and_15_distinct_units() -> None:
    ten = price([instantiate("stepEvery3_1Free")], cart_of(*ladder(10)))
    fifteen = price([instantiate("stepEvery3_1Free")], cart_of(*ladder(15)))

    assert ten.discount_total == Decimal("150.00")  # 80 + 50 + 20
    assert fifteen.discount_total == Decimal("350.00")  # 130 + 100 + 70 + 40 + 10


def test_step_every4_50off_at_10_and_15_distinct_units() -> None:
    ten = price([instantiate("stepEvery4_50off")], cart_of(*ladder(10)))
    fifteen = price([instantiate("stepEvery4_50off")], cart_of(*ladder(15)))

    assert ten.discount_total == Decimal("50.00")  # half of 70 + 30
    assert fifteen.discount_total == Decimal("120.00")  # half of 120 + 80 + 40


def test_a_non_repeatable_step_gives_one_unit_at_10_and_15_distinct_units() -> None:
    ten = price([instantiate("secondItemFree")], cart_of(*ladder(10)))
    fifteen = price([instantiate("secondItemFree")], cart_of(*ladder(15)))

    assert ten.discount_total == Decimal("90.00")  # 100, [90]
    assert fifteen.discount_total == Decimal("140.00")  # 150, [140]


def test_max_applications_caps_a_repeatable_template() -> None:
    campaign = instantiate("buy1get1", {"benefit": {"max_applications": 2}})

    result = price([campaign], one_line(10, "100.00"))

    assert result.discount_total == Decimal("200.00")
    assert applications(result, "buy1get1") == 2


# --- conflict order ----------------------------------------------------------------------------------------


def test_within_free_units_the_id_decides_and_consumed_units_are_not_reused() -> None:
    result = price([instantiate("buy5pay4"), instantiate("buy2pay1")], cart_of(*ladder(6)))

    # buy2pay1 < buy5pay4: 10 is free, 60 qualifies; only 20..50 are left, four of the five buy5pay4 needs
    assert applied_ids(result) == ["buy2pay1"]
    assert reasons(result) == {"buy5pay4": SkipReason.UNITS_CONSUMED}
    assert result.discount_total == Decimal("10.00")


def test_within_free_units_a_renamed_template_goes_later() -> None:
    late = instantiate("buy2pay1", {"id": "zz-buy2pay1"})

    result = price([late, instantiate("buy5pay4")], cart_of(*ladder(6)))

    # buy5pay4 first: 10 free, 60, 50, 40, 30 qualify; 20 alone cannot make a pair
    assert applied_ids(result) == ["buy5pay4"]
    assert reasons(result) == {"zz-buy2pay1": SkipReason.UNITS_CONSUMED}


def test_within_free_units_higher_priority_goes_first() -> None:
    first = instantiate("buy5pay4", {"priority": 1})

    result = price([instantiate("buy2pay1"), first], cart_of(*ladder(7)))

    # buy5pay4: 10 free, 70, 60, 50, 40 consumed; buy2pay1 pairs what is left, 20 and 30: 20 free
    assert applied_ids(result) == ["buy5pay4", "buy2pay1"]
    assert result.discount_of("buy5pay4") == Decimal("10.00")
    assert result.discount_of("buy2pay1") == Decimal("20.00")
    assert line_discounts(result)[:3] == [Decimal("10.00"), Decimal("20.00"), Decimal("0.00")]


def test_a_buy_x_get_y_template_consumes_before_a_step_template() -> None:
    result = price([instantiate("every5thItemFree"), instantiate("buy5pay4")], cart_of(*ladder(10)))

    # buy5pay4 < every5thItemFree: 10 free, 100, 90, 80, 70 consumed; the step lists 60, 50, 40, 30, [20]
    assert applied_ids(result) == ["buy5pay4", "every5thItemFree"]
    assert result.discount_total == Decimal("30.00")


def test_a_step_template_cannot_reuse_the_units_a_buy_x_get_y_template_consumed() -> None:
    result = price([instantiate("every5thItemFree"), instantiate("buy5pay4")], cart_of(*ladder(5)))

    assert reasons(result) == {"every5thItemFree": SkipReason.UNITS_CONSUMED}
    assert result.discount_total == Decimal("10.00")


def test_free_units_go_before_fixed_price_whatever_the_priority() -> None:
    bundle = instantiate("fixedPriceBundle", {"priority": 100})

    result = price([bundle, instantiate("buy2pay1")], cart_of("50.00", "60.00", "70.00", "80.00", "90.00"))

    # buy2pay1: 50 free, 90 qualifies. The bundle takes 60 + 70 + 80 = 210 for 100: 110 over 6 : 7 : 8
    # = 31.428, 36.666, 41.904 -> 31.42, 36.66, 41.90 + 2 kuruş by largest remainder -> 31.43, 36.67, 41.90
    assert applied_ids(result) == ["buy2pay1", "fixedPriceBundle"]
    expected = ["50.00", "31.43", "36.67", "41.90", "0.00"]
    assert line_discounts(result) == [Decimal(amount) for amount in expected]
    assert result.discount_total == Decimal("160.00")


def test_fixed_price_cannot_reuse_units_consumed_by_free_units() -> None:
    result = price([instantiate("fixedPriceBundle"), instantiate("buy2pay1")], cart_of(*ladder(4, 50)))

    # buy2pay1 consumes 50 (free) and 80; only 60 and 70 are left for a bundle of 3
    assert reasons(result) == {"fixedPriceBundle": SkipReason.UNITS_CONSUMED}
    assert result.discount_total == Decimal("50.00")


def test_fixed_price_goes_before_percentage_whatever_the_priority() -> None:
    percent = instantiate("percent10", {"priority": 100})

    result = price([percent, instantiate("fixedPriceBundle")], cart_of("50.00", "60.00", "70.00"))

    # bundle: 22.22, 26.67, 31.11 off -> nets 27.78, 33.33, 38.89; 10% of each: 2.78, 3.33, 3.89
    assert applied_ids(result) == ["fixedPriceBundle", "percent10"]
    assert result.discount_of("percent10") == Decimal("10.00")
    assert line_discounts(result) == [Decimal("25.00"), Decimal("30.00"), Decimal("35.00")]


def test_percentage_applies_to_what_is_left_after_free_units() -> None:
    percent = instantiate("percent10", {"priority": 100})

    result = price([percent, instantiate("buy2pay1")], cart_of(*ladder(3)))

    # buy2pay1: 10 free (30 qualifies). 10% of what is left: 0 + 20 + 30 -> 0, 2.00, 3.00
    assert applied_ids(result) == ["buy2pay1", "percent10"]
    assert result.discount_of("buy2pay1") == Decimal("10.00")
    assert result.discount_of("percent10") == Decimal("5.00")
    assert line_discounts(result) == [Decimal("10.00"), Decimal("2.00"), Decimal("3.00")]


def test_a_step_percentage_template_is_a_quantity_benefit_after_free_units() -> None:
    five = price([instantiate("stepEvery4_50off"), instantiate("buy2pay1")], cart_of(*ladder(5)))
    six = price([instantiate("stepEvery4_50off"), instantiate("buy2pay1")], cart_of(*ladder(6)))

    # five: buy2pay1 consumes 10 and 50; 20, 30, 40 are three of the four the step needs
    assert reasons(five) == {"stepEvery4_50off": SkipReason.UNITS_CONSUMED}
    assert five.discount_total == Decimal("10.00")
    # six: buy2pay1 consumes 10 and 60; the step lists 50, 40, 30, [20]: half of 20
    assert six.discount_of("stepEvery4_50off") == Decimal("10.00")
    assert six.discount_total == Decimal("20.00")


def test_amount_goes_after_percentage_whatever_the_priority() -> None:
    amount = instantiate("flat10off", {"priority": 100})

    result = price([amount, instantiate("percent10")], cart_of("100.00"))

    assert applied_ids(result) == ["percent10", "flat10off"]
    assert result.discount_total == Decimal("20.00")  # 10% of 100, then 10 off the 90 left


def test_amount_is_shared_over_the_units_with_net_left() -> None:
    result = price([instantiate("flat10off"), instantiate("buy2pay1")], cart_of("10.00", "30.00"))

    # buy2pay1 frees the 10.00 unit; the 10 off all goes to the 30.00 unit, the only one with a net
    assert line_discounts(result) == [Decimal("10.00"), Decimal("10.00")]


def test_within_percentage_the_id_decides_then_priority_overrides_it() -> None:
    by_id = price([instantiate("percent15"), instantiate("percent10")], cart_of("100.00"))
    by_priority = price([instantiate("percent15", {"priority": 1}), instantiate("percent10")], cart_of("100.00"))

    assert applied_ids(by_id) == ["percent10", "percent15"]
    assert by_id.discount_of("percent10") == Decimal("10.00")
    assert by_id.discount_of("percent15") == Decimal("13.50")  # 15% of 90
    assert applied_ids(by_priority) == ["percent15", "percent10"]
    assert by_priority.discount_of("percent15") == Decimal("15.00")
    assert by_priority.discount_of("percent10") == Decimal("8.50")  # 10% of 85


def test_min_order_total_sees_the_net_after_an_earlier_phase() -> None:
    result = price([instantiate("over500_15percent"), instantiate("buy2pay1")], cart_of("250.00", "260.00"))

    # 510.00 in the cart, but buy2pay1 frees 250.00 first: 260.00 < 500.00
    assert reasons(result) == {"over500_15percent": SkipReason.MIN_ORDER_TOTAL}
    assert hint(result, "over500_15percent") == (None, Decimal("240.00"))
    assert result.discount_total == Decimal("250.00")


def test_an_amount_threshold_sees_the_net_after_percentage() -> None:
    below = price([instantiate("over100_20off"), instantiate("percent10")], cart_of("100.00"))
    above = price([instantiate("over100_20off"), instantiate("percent10")], cart_of("120.00"))

    assert reasons(below) == {"over100_20off": SkipReason.MIN_ORDER_TOTAL}  # 100 - 10 = 90 < 100
    assert hint(below, "over100_20off") == (None, Decimal("10.00"))
    assert above.discount_total == Decimal("32.00")  # 12.00, then 108 >= 100: 20.00


def test_min_order_total_ignores_campaigns_of_the_same_phase() -> None:
    first = instantiate("percent10", {"id": "a-percent10"})

    result = price([instantiate("over500_15percent"), first], cart_of("500.00"))

    # a-percent10 goes first (50.00) but the PERCENTAGE phase started at 500.00, so over500 still applies:
    # 15% of the 450.00 left = 67.50
    assert applied_ids(result) == ["a-percent10", "over500_15percent"]
    assert result.discount_of("over500_15percent") == Decimal("67.50")
    assert result.discount_total == Decimal("117.50")


def test_a_policy_phase_order_changes_who_goes_first() -> None:
    policy = parse_policy({"phase_order": ["PERCENTAGE", "FREE_UNITS", "FIXED_PRICE", "AMOUNT", "FREE_SHIPPING"]})

    result = price([instantiate("buy2pay1"), instantiate("percent10")], cart_of(*ladder(3)), policy)

    # 10% first: 1.00, 2.00, 3.00 -> nets 9, 18, 27; buy2pay1 then frees the cheapest net, 9.00
    assert applied_ids(result) == ["percent10", "buy2pay1"]
    assert result.discount_of("percent10") == Decimal("6.00")
    assert result.discount_of("buy2pay1") == Decimal("9.00")
    assert result.discount_total == Decimal("15.00")
