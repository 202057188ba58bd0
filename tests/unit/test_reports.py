"""The pure computations of campaign reports: periods in the tenant's days, return on discount, burn rate and
the exhaustion forecast, the breakdowns by day and channel, and the ranking with its threshold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DocumentError
from domain.money import currency_of
from domain.reports import (
    LedgerStep,
    Limits,
    OrderFact,
    Period,
    PeriodFacts,
    Redemption,
    ReturnFact,
    burn_per_day,
    campaign_report,
    exhausted_on,
    forecast,
    ranking,
    return_on_discount,
)

FIRST = date(2026, 3, 1)
PERIOD = Period.of(FIRST, date(2026, 3, 7), timezone="Europe/Istanbul")
TRY = currency_of("TRY")


def test_a_period_runs_from_local_midnight_to_local_midnight_after_its_last_day() -> None:
    start, end = PERIOD.bounds()

    assert start == datetime(2026, 2, 28, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 7, 21, 0, tzinfo=UTC)
    assert PERIOD.day_of(datetime(2026, 3, 7, 20, 59, tzinfo=UTC)) == date(2026, 3, 7)
    assert PERIOD.day_of(datetime(2026, 3, 7, 21, 0, tzinfo=UTC)) == date(2026, 3, 8)
    assert len(PERIOD.days) == 7


def test_a_period_that_ends_before_it_begins_or_spans_more_than_a_year_is_refused_on_to() -> None:
    for last in (date(2026, 2, 28), date(2027, 3, 2)):
        with pytest.raises(DocumentError) as refused:
            Period.of(FIRST, last, timezone="UTC")
        assert [error.pointer for error in refused.value.errors] == ["/to"]


def test_elapsed_days_count_only_the_days_of_the_period_begun_by_today() -> None:
    assert PERIOD.elapsed(today=date(2026, 2, 27)) == 0
    assert PERIOD.elapsed(today=FIRST) == 1
    assert PERIOD.elapsed(today=date(2026, 3, 4)) == 4
    assert PERIOD.elapsed(today=date(2026, 4, 1)) == 7


def test_return_on_discount_is_what_the_orders_paid_per_unit_of_discount() -> None:
    assert return_on_discount(order_value=45_000, discount=5_000) == Decimal("9.00")
    assert return_on_discount(order_value=10_000, discount=3_000) == Decimal("3.33")
    assert return_on_discount(order_value=10_000, discount=0) is None


@given(remaining=st.integers(1, 10**9), rate=st.decimals(Decimal("0.01"), Decimal(10**7), places=2))
def test_the_forecast_is_the_first_day_on_which_the_remaining_budget_is_burnt(remaining: int, rate: Decimal) -> None:
    today = date(2026, 3, 15)

    day = forecast(remaining=remaining, rate=rate, today=today)

    if day is None:  # later than the calendar goes
        assert remaining / rate > (date.max - today).days
        return
    days = (day - today).days
    assert days * rate >= remaining
    assert (days - 1) * rate < remaining


def test_no_forecast_without_a_burn_or_once_nothing_is_left() -> None:
    today = date(2026, 3, 15)
    assert forecast(remaining=100, rate=None, today=today) is None
    assert forecast(remaining=100, rate=Decimal(0), today=today) is None
    assert forecast(remaining=0, rate=Decimal(5), today=today) is None
    assert forecast(remaining=10**30, rate=Decimal("0.01"), today=today) is None  # beyond the calendar


@given(used=st.integers(-(10**6), 10**9), days=st.integers(1, 366))
def test_the_burn_rate_times_the_elapsed_days_is_what_was_used(used: int, days: int) -> None:
    rate = burn_per_day(used=used, days=days)

    assert rate is not None
    assert rate * days == pytest.approx(Decimal(used))
    assert burn_per_day(used=used, days=0) is None


@given(amounts=st.lists(st.integers(-50, 100), min_size=1, max_size=30), budget=st.integers(1, 500))
def test_a_budget_is_exhausted_on_the_first_day_it_reached_the_budget_and_stayed(
    amounts: list[int], budget: int
) -> None:
    steps = [LedgerStep(FIRST + timedelta(days=index), discount=amount) for index, amount in enumerate(amounts)]
    running = [sum(amounts[: index + 1]) for index in range(len(amounts))]

    day = exhausted_on(steps, budget=budget, amount="discount")

    if running[-1] < budget:
        assert day is None
    else:
        index = (day - FIRST).days  # type: ignore[operator]
        assert all(total >= budget for total in running[index:])
        assert index == 0 or running[index - 1] < budget


def test_budgets_report_use_burn_and_forecast_of_every_limit_the_campaign_has() -> None:
    steps = [LedgerStep(FIRST - timedelta(days=1), 1, 10_000, 50_000)] + [
        LedgerStep(FIRST + timedelta(days=offset), 1, 2_000, 20_000) for offset in range(7)
    ]
    facts = PeriodFacts(orders=(), redemptions=(), returns=())
    limits = Limits(total_redemptions=10, budget_discount=50_000)

    report = campaign_report("c", facts, PERIOD, currency="TRY", limits=limits, steps=steps, today=date(2026, 3, 8))

    uses, discount = report.budgets
    assert (uses.limit, uses.used, uses.remaining) == ("total_redemptions", Decimal(8), Decimal(2))
    assert uses.burn_per_day == Decimal("1.00")
    assert uses.forecast == date(2026, 3, 10)
    assert (discount.used, discount.remaining, discount.used_in_period) == (
        Decimal("240.00"),
        Decimal("260.00"),
        Decimal("140.00"),
    )
    assert discount.burn_per_day == Decimal("20.00")
    assert discount.forecast == date(2026, 3, 8) + timedelta(days=13)
    assert discount.exhausted_on is None


# -- the report's sums -------------------------------------------------------------------------------------------

CAMPAIGNS = ("a", "b", "c")
Drawn = tuple[int, str, int, str | None, str | None, list[tuple[str, int]], list[tuple[int, int]]]

orders_strategy = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from(["TRY", "TRY", "EUR"]),
        st.integers(0, 100_000),
        st.sampled_from(["web", "mobile", None]),
        st.sampled_from(["u1", "u2", "u3", None]),
        st.lists(st.tuples(st.sampled_from(CAMPAIGNS), st.integers(0, 5_000)), max_size=3, unique_by=lambda x: x[0]),
        st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 1_000)), max_size=2),
    ),
    max_size=25,
)


def _facts(
    drawn: list[Drawn],
) -> PeriodFacts:
    orders: list[OrderFact] = []
    redemptions: list[Redemption] = []
    returns: list[ReturnFact] = []
    for index, (day, currency, value, channel, customer, applied, returned) in enumerate(drawn):
        order_id = f"o{index}"
        orders.append(OrderFact(order_id, FIRST + timedelta(days=day), currency, value, channel, customer))
        redemptions.extend(Redemption(order_id, campaign_id, discount, value) for campaign_id, discount in applied)
        returns.extend(
            ReturnFact(order_id, f"{order_id}-r{number}", refund, {campaign_id: clawback for campaign_id, _ in applied})
            for number, (refund, clawback) in enumerate(returned)
        )
    return PeriodFacts(orders, redemptions, returns)


@given(drawn=orders_strategy, campaign_id=st.sampled_from(CAMPAIGNS))
def test_the_days_and_the_channels_add_up_to_the_totals_and_every_order_is_with_or_without(
    drawn: list[Drawn],
    campaign_id: str,
) -> None:
    facts = _facts(drawn)

    report = campaign_report(campaign_id, facts, PERIOD, currency="TRY", today=date(2026, 3, 8))

    mine = [entry for entry in facts.redemptions if entry.campaign_id == campaign_id]
    in_try = {order.order_id for order in facts.orders if order.currency == "TRY"}
    totals = report.totals
    assert totals.redemptions == len([entry for entry in mine if entry.order_id in in_try])
    assert totals.discount == sum((entry.discount for entry in mine if entry.order_id in in_try), 0) / Decimal(100)
    for lines in (report.by_day, report.by_channel):
        assert sum(line.totals.redemptions for line in lines) == totals.redemptions
        assert sum((line.totals.discount for line in lines), Decimal(0)) == totals.discount
        assert sum((line.totals.order_value for line in lines), Decimal(0)) == totals.order_value
    assert totals.redemptions + report.without.orders == len(in_try)
    assert report.other_currency_orders == len([entry for entry in mine if entry.order_id not in in_try])
    assert report.net_discount == totals.discount - report.returns.clawback
    assert report.net_order_value == totals.order_value - report.returns.refunded


@given(drawn=orders_strategy, threshold=st.decimals(Decimal(0), Decimal(100), places=2))
def test_the_ranking_puts_the_best_return_on_discount_first_and_flags_exactly_those_under_the_threshold(
    drawn: list[Drawn],
    threshold: Decimal,
) -> None:
    facts = _facts(drawn)

    ranked = ranking(facts, currencies=dict.fromkeys(CAMPAIGNS, "TRY"), threshold=threshold)

    assert {entry.campaign_id for entry in ranked} == {entry.campaign_id for entry in facts.redemptions}
    assert [entry.rank for entry in ranked] == list(range(1, len(ranked) + 1))
    ratios = [entry.return_on_discount for entry in ranked]
    known = [ratio for ratio in ratios if ratio is not None]
    assert known == sorted(known, reverse=True)
    assert ratios == known + [None] * (len(ratios) - len(known))  # campaigns that cost nothing come last
    for entry in ranked:
        report = campaign_report(entry.campaign_id, facts, PERIOD, currency="TRY", today=FIRST)
        assert entry.return_on_discount == report.return_on_discount
        assert (entry.redemptions, entry.net_discount, entry.net_order_value) == (
            report.totals.redemptions,
            report.net_discount,
            report.net_order_value,
        )
        assert entry.below_threshold == (
            report.return_on_discount is not None and report.return_on_discount < threshold
        )
