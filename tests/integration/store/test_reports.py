"""Campaign reports over a ledger history made for real through the checkout lifecycle (reserve, commit,
release, return on the store's order book, SQL counters), on SQLite and PostgreSQL: every figure equals the
sums the test computes itself from the order book and the ledger rows."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.checkout.orders import OrderStatus
from domain.errors import DocumentError
from domain.reports import CampaignReport, Period
from domain.store import Store
from tests.integration.report_history import HISTORY, NOW, PERIOD, SHIRTS, SHOES, Placed, place


@dataclass
class Expected:
    redemptions: int = 0
    customers: set[str] = field(default_factory=set)
    discount: int = 0
    value: int = 0
    without_orders: int = 0
    without_value: int = 0
    returns: int = 0
    refunded: int = 0
    clawback: int = 0
    other_currency: int = 0
    by_day: dict[str, list[int]] = field(default_factory=dict)
    by_channel: dict[str | None, list[int]] = field(default_factory=dict)
    budget_used: int = 0


def _cents(amount: str | Decimal) -> int:
    return int(Decimal(amount) * 100)


async def _expected(store: Store, campaign_id: str, history: Iterable[Placed], period: Period) -> Expected:
    """The report's figures summed straight from the order book and the ledger rows of every order."""
    start, end = period.bounds()
    expected = Expected()
    for placed in history:
        order = await store.orders.get(placed.order_id)
        assert order is not None
        rows = await store.orders.ledger(placed.order_id)
        expected.budget_used += sum(row["used"][1] for row in rows if row["campaign_id"] == campaign_id)
        if order.status not in (OrderStatus.COMMITTED, OrderStatus.RETURNED) or not start <= placed.at < end:
            continue
        commits = [row for row in rows if row["kind"] == "COMMIT" and row["campaign_id"] == campaign_id]
        currency = order.result["currency"]
        value = _cents(order.result["subtotal"]) - _cents(order.result["discount_total"])
        if currency != "TRY":
            expected.other_currency += bool(commits)
            continue
        if not commits:
            expected.without_orders += 1
            expected.without_value += value
            continue
        discount = sum(row["used"][1] for row in commits)
        expected.redemptions += 1
        expected.discount += discount
        expected.value += sum(row["used"][2] for row in commits)
        if placed.customer:
            expected.customers.add(placed.customer)
        day = (placed.at + timedelta(hours=3)).date()  # Europe/Istanbul is UTC+3 all year
        for key, group in ((day.isoformat(), expected.by_day), (placed.channel, expected.by_channel)):
            line = group.setdefault(key, [0, 0, 0])  # type: ignore[arg-type]
            line[0] += 1
            line[1] += discount
            line[2] += sum(row["used"][2] for row in commits)
        for receipt in order.receipts.values():
            expected.returns += 1
            expected.refunded += _cents(receipt["receipt"]["refund"])
            expected.clawback += _cents(receipt["receipt"]["clawback"].get(campaign_id, "0"))
    return expected


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _assert_equal(report: CampaignReport, expected: Expected) -> None:
    totals = report.totals
    assert (totals.redemptions, totals.customers) == (expected.redemptions, len(expected.customers))
    assert (totals.discount, totals.order_value) == (_money(expected.discount), _money(expected.value))
    assert totals.average_order_value == _money(round(expected.value / expected.redemptions))
    assert (report.without.orders, report.without.order_value) == (
        expected.without_orders,
        _money(expected.without_value),
    )
    assert (report.returns.returns, report.returns.refunded, report.returns.clawback) == (
        expected.returns,
        _money(expected.refunded),
        _money(expected.clawback),
    )
    assert report.net_discount == _money(expected.discount - expected.clawback)
    assert report.net_order_value == _money(expected.value - expected.refunded)
    assert report.other_currency_orders == expected.other_currency
    days = {line.key: line.totals for line in report.by_day if line.totals.redemptions}
    assert {key: [t.redemptions, _cents(t.discount), _cents(t.order_value)] for key, t in days.items()} == (
        expected.by_day
    )
    assert [line.key for line in report.by_day] == [day.isoformat() for day in report.period.days]
    channels = {line.key: line.totals for line in report.by_channel}
    assert {key: [t.redemptions, _cents(t.discount), _cents(t.order_value)] for key, t in channels.items()} == (
        expected.by_channel
    )


async def test_a_campaign_report_equals_the_sums_of_the_order_book_and_the_ledger(store: Store) -> None:
    await place(store, HISTORY)
    period = await store.reports.period(*PERIOD)

    report = await store.reports.campaign(SHIRTS.id, period, now=NOW)

    assert report is not None
    expected = await _expected(store, SHIRTS.id, HISTORY, period)
    assert (expected.redemptions, expected.returns, expected.without_orders) == (6, 2, 2)
    _assert_equal(report, expected)
    assert (report.by_day[2].key, report.by_day[2].totals.redemptions) == ("2026-03-10", 1)  # 23:30 local
    (discount_budget,) = [use for use in report.budgets if use.limit == "budget_discount"]
    assert discount_budget.used == _money(expected.budget_used)
    assert discount_budget.remaining == Decimal("400.00") - _money(expected.budget_used)


async def test_a_campaign_without_a_currency_reports_in_the_tenants_and_counts_other_currencies_apart(
    store: Store,
) -> None:
    await place(store, HISTORY)
    period = await store.reports.period(*PERIOD)

    report = await store.reports.campaign(SHOES.id, period, now=NOW)

    assert report is not None
    expected = await _expected(store, SHOES.id, HISTORY, period)
    assert (expected.redemptions, expected.other_currency) == (2, 1)
    assert (report.currency, report.budgets) == ("TRY", ())
    _assert_equal(report, expected)


async def test_the_ranking_orders_campaigns_by_return_on_discount_and_flags_those_under_the_threshold(
    store: Store,
) -> None:
    await place(store, HISTORY)
    period = await store.reports.period(*PERIOD)
    reports = [await store.reports.campaign(campaign_id, period, now=NOW) for campaign_id in (SHIRTS.id, SHOES.id)]
    ratios = {report.campaign_id: report.return_on_discount for report in reports if report is not None}
    middle = (min(ratios.values()) + max(ratios.values())) / 2  # type: ignore[type-var, operator]

    ranked = await store.reports.ranking(period, threshold=middle, now=NOW)

    assert [entry.campaign_id for entry in ranked] == sorted(ratios, key=lambda key: -ratios[key])  # type: ignore[operator]
    assert [entry.rank for entry in ranked] == [1, 2]
    assert [entry.below_threshold for entry in ranked] == [False, True]
    assert all(entry.return_on_discount == ratios[entry.campaign_id] for entry in ranked)


async def test_a_budget_burning_in_the_period_is_forecast_to_run_out_at_that_rate(store: Store) -> None:
    await place(store, HISTORY)
    period = await store.reports.period(*PERIOD)

    report = await store.reports.campaign(SHIRTS.id, period, now=NOW)

    assert report is not None
    (use,) = [use for use in report.budgets if use.limit == "budget_discount"]
    rate = use.used_in_period / 7
    assert use.burn_per_day == rate.quantize(Decimal("0.01"))
    assert use.forecast == date(2026, 3, 15) + timedelta(days=math.ceil(use.remaining / rate))
    (uses,) = [use for use in report.budgets if use.limit == "total_redemptions"]
    # eight commits (o12 and o11 outside the period too); o9 came back whole and gave its use back
    assert (uses.budget, uses.used) == (Decimal(50), Decimal(7))


async def test_an_unknown_campaign_has_no_report_and_a_reversed_or_too_long_period_is_refused(store: Store) -> None:
    period = await store.reports.period(*PERIOD)

    assert await store.reports.campaign("nowhere", period) is None
    assert await store.reports.campaign("x" * 500, period) is None
    with pytest.raises(DocumentError) as reversed_period:
        await store.reports.period(date(2026, 3, 9), date(2026, 3, 8))
    with pytest.raises(DocumentError):
        await store.reports.period(date(2025, 1, 1), date(2026, 1, 2))
    assert reversed_period.value.errors[0].pointer == "/to"
