"""Eligibility: schedule and recurring windows, channels, audience, currency, coupon codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.engine.snapshot import evaluate
from domain.reasons import CouponReason, SkipReason
from tests.builders import campaign, cart

TEN_PERCENT = {"type": "PERCENTAGE", "value": "10"}
WEEKDAY_LUNCH = {
    "timezone": "Europe/Istanbul",
    "windows": [{"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "12:00", "to": "16:00"}],
}


def _skip_reason(result: Any, campaign_id: str) -> SkipReason | None:
    return next((skip.reason for skip in result.skipped if skip.campaign_id == campaign_id), None)


@pytest.mark.parametrize(
    ("now", "applies"),
    [
        ("2026-11-23T13:00:00+03:00", True),  # Monday 13:00 in Istanbul
        ("2026-11-23T12:00:00+03:00", True),  # from is inclusive
        ("2026-11-23T15:59:59+03:00", True),
        ("2026-11-23T16:00:00+03:00", False),  # to is exclusive
        ("2026-11-28T13:00:00+03:00", False),  # Saturday
        ("2026-11-23T10:00:00+00:00", True),  # 13:00 in Istanbul, given in UTC
        ("2026-11-23T13:00:00+00:00", False),  # 16:00 in Istanbul
    ],
)
def test_weekday_lunch_window_applies_only_inside_it(now: str, applies: bool) -> None:
    lunch = campaign("lunch", TEN_PERCENT, schedule=WEEKDAY_LUNCH)

    result = evaluate([lunch], cart("100.00", now=now))

    assert result.discount_total == (Decimal("10.00") if applies else Decimal("0.00"))
    assert _skip_reason(result, "lunch") == (None if applies else SkipReason.OUTSIDE_WINDOW)


@pytest.mark.parametrize(
    ("now", "detail"),
    [
        ("2026-11-28T13:05:00+03:00", "Sat 13:05 is outside every window"),
        ("2026-11-23T06:07:00+00:00", "Mon 09:07 is outside every window"),  # the campaign's local time
        ("2026-11-29T21:30:00+00:00", "Mon 00:30 is outside every window"),  # Sunday in UTC, Monday there
    ],
)
def test_a_campaign_outside_its_windows_says_the_local_day_and_time(now: str, detail: str) -> None:
    lunch = campaign("lunch", TEN_PERCENT, schedule=WEEKDAY_LUNCH)

    result = evaluate([lunch], cart("100.00", now=now))

    assert [(skip.reason, skip.detail) for skip in result.skipped] == [(SkipReason.OUTSIDE_WINDOW, detail)]


@pytest.mark.parametrize(
    ("now", "applies"),
    [
        ("2026-11-27T23:30:00+03:00", True),  # Friday night
        ("2026-11-28T01:59:00+03:00", True),  # after midnight, still Friday's window
        ("2026-11-28T02:00:00+03:00", False),
        ("2026-11-28T23:30:00+03:00", False),  # Saturday night: not a listed day
    ],
)
def test_a_window_past_midnight_belongs_to_the_day_it_starts(now: str, applies: bool) -> None:
    night = campaign(
        "night",
        TEN_PERCENT,
        schedule={"timezone": "Europe/Istanbul", "windows": [{"days": ["FRI"], "from": "22:00", "to": "02:00"}]},
    )

    assert bool(evaluate([night], cart("100.00", now=now)).applied) is applies


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        ("2026-11-30T23:59:59+03:00", SkipReason.NOT_STARTED),
        ("2026-12-01T00:00:00+03:00", None),
        ("2026-12-31T23:59:59+03:00", None),
        ("2027-01-01T00:00:00+03:00", SkipReason.ENDED),
    ],
)
def test_starts_at_is_inclusive_and_ends_at_exclusive_in_the_campaign_time_zone(
    now: str, reason: SkipReason | None
) -> None:
    december = campaign(
        "december",
        TEN_PERCENT,
        schedule={"starts_at": "2026-12-01T00:00:00", "ends_at": "2027-01-01T00:00:00", "timezone": "Europe/Istanbul"},
    )

    assert _skip_reason(evaluate([december], cart("100.00", now=now)), "december") == reason


def test_channels_restrict_case_insensitively() -> None:
    mobile_only = campaign("mobile", TEN_PERCENT, audience={"channels": ["mobile"]})

    assert evaluate([mobile_only], cart("100.00", channel="MOBILE")).applied
    assert _skip_reason(evaluate([mobile_only], cart("100.00", channel="web")), "mobile") == SkipReason.CHANNEL
    assert _skip_reason(evaluate([mobile_only], cart("100.00")), "mobile") == SkipReason.CHANNEL


@pytest.mark.parametrize(
    ("audience", "customer", "applies"),
    [
        ({"segments_any": ["vip", "gold"]}, {"segments": ["gold"]}, True),
        ({"segments_any": ["vip"]}, {"segments": ["new"]}, False),
        ({"segments_none": ["blocked"]}, {"segments": ["blocked"]}, False),
        ({"segments_none": ["blocked"]}, None, True),
        ({"first_order": True}, {"orders_count": 0}, True),
        ({"first_order": True}, {"orders_count": 1}, False),
        ({"first_order": True}, None, False),
        ({"first_order": False}, {"orders_count": 2}, True),
        ({"min_orders": 3}, {"orders_count": 3}, True),
        ({"min_orders": 3}, {"orders_count": 2}, False),
        ({"max_orders": 1}, {"orders_count": 2}, False),
        ({"min_total_spent": "1000.00"}, {"total_spent": "1000.00"}, True),
        ({"min_total_spent": "1000.00"}, {"total_spent": "999.99"}, False),
        ({"countries": ["TR"]}, {"country": "tr"}, True),
        ({"countries": ["TR"]}, {"country": "DE"}, False),
        ({"cities": ["Istanbul", "Ankara"]}, {"city": "ISTANBUL"}, True),
        ({"cities": ["Ankara"]}, {"city": "Izmir"}, False),
        ({"attributes": {"tier": "gold"}}, {"attributes": {"tier": "gold"}}, True),
        ({"attributes": {"tier": "gold"}}, {"attributes": {"tier": "silver"}}, False),
    ],
)
def test_audience_predicates(audience: dict[str, Any], customer: dict[str, Any] | None, applies: bool) -> None:
    targeted = campaign("targeted", TEN_PERCENT, audience=audience)

    result = evaluate([targeted], cart("100.00", customer=customer))

    assert bool(result.applied) is applies
    assert _skip_reason(result, "targeted") == (None if applies else SkipReason.AUDIENCE)


def test_a_campaign_in_another_currency_is_skipped() -> None:
    dollars = campaign("dollars", {"type": "AMOUNT", "value": "5.00"}, currency="USD")

    assert _skip_reason(evaluate([dollars], cart("100.00")), "dollars") == SkipReason.CURRENCY
    assert evaluate([dollars], cart("100.00", currency="USD")).discount_total == Decimal("5.00")


def test_a_coupon_campaign_applies_only_with_one_of_its_codes_in_any_case() -> None:
    welcome = campaign("welcome", TEN_PERCENT, kind="COUPON", codes=["WELCOME10"])

    without = evaluate([welcome], cart("100.00"))
    with_code = evaluate([welcome], cart("100.00", coupons=[" welcome10 "]))

    assert not without.applied
    assert with_code.discount_total == Decimal("10.00")
    assert with_code.applied[0].coupon == "WELCOME10"
    assert with_code.rejected_coupons == []


def test_a_targeted_coupon_campaign_without_its_code_is_skipped_as_code_required() -> None:
    shirts = campaign("shirts", TEN_PERCENT, kind="COUPON", codes=["SHIRT5"], target={"skus": ["S0"]})

    assert _skip_reason(evaluate([shirts], cart("100.00")), "shirts") == SkipReason.CODE_REQUIRED


def test_unknown_and_inapplicable_codes_are_rejected_with_reasons() -> None:
    big_orders = campaign("big", TEN_PERCENT, kind="COUPON", codes=["BIG"], condition={"min_order_total": "1000.00"})
    ended = campaign(
        "old", TEN_PERCENT, kind="COUPON", codes=["OLD10"], schedule={"ends_at": "2026-01-01T00:00:00+03:00"}
    )
    future = campaign(
        "future", TEN_PERCENT, kind="COUPON", codes=["SOON"], schedule={"starts_at": "2027-01-01T00:00:00+03:00"}
    )

    result = evaluate([big_orders, ended, future], cart("100.00", coupons=["NOPE", "BIG", "old10", "SOON"]))

    assert [(rejected.code, rejected.reason) for rejected in result.rejected_coupons] == [
        ("NOPE", CouponReason.UNKNOWN),
        ("BIG", CouponReason.NOT_APPLICABLE),
        ("OLD10", CouponReason.EXPIRED),
        ("SOON", CouponReason.NOT_STARTED),
    ]
    assert "MIN_ORDER_TOTAL" in result.rejected_coupons[1].detail
    assert result.discount_total == Decimal("0.00")
