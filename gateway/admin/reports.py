"""The admin graph's reports: one campaign over a period (`campaignReport`) and the ranking of campaigns by
return on discount (`campaignRanking`), read from the ledger and the order book; money is a decimal string."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from domain.access import Operation
from domain.errors import DocumentError
from domain.reports import BudgetUse, CampaignReport, Line, Period, Ranked, Totals
from gateway.admin.workflow import refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound, ValidationFailed

Info = strawberry.Info[AdminContext, None]


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


@strawberry.type(description="Redemptions of the campaign and what they cost and brought.")
class ReportTotals:
    redemptions: int
    customers: int = strawberry.field(description="Distinct known customers (anonymous carts not counted).")
    discount: str
    order_value: str = strawberry.field(description="What the orders' items were paid, after every discount.")
    average_order_value: str | None


@strawberry.type(description="Totals under a day (ISO date, tenant time zone) or a channel (null: none given).")
class ReportLine:
    key: str | None
    totals: ReportTotals


@strawberry.type(description="Committed orders of the period in the report's currency that did not redeem it.")
class OrdersWithout:
    orders: int
    order_value: str
    average_order_value: str | None


@strawberry.type(description="Returns of the period's redeeming orders, whenever they came.")
class ReportReturns:
    returns: int
    orders: int
    refunded: str
    clawback: str = strawberry.field(description="What the campaign's discount shrank by.")


@strawberry.type(description="One limit of the campaign: use now, burn rate over the period, exhaustion.")
class ReportBudget:
    limit: str = strawberry.field(description="total_redemptions, budget_discount or budget_order_value.")
    budget: str
    used: str = strawberry.field(description="Committed, less what returns gave back, now.")
    remaining: str
    used_in_period: str
    burn_per_day: str | None = strawberry.field(description="Used in the period per day begun so far.")
    exhausted_on: date | None = strawberry.field(description="The day the use reached the limit (and stayed).")
    forecast: date | None = strawberry.field(description="The day what is left runs out at the burn rate.")


@strawberry.type(description="What a campaign brought and cost over tenant-local days `from` to `to`.")
class CampaignReportView:
    campaign_id: str
    currency: str
    first_day: date
    last_day: date
    totals: ReportTotals
    without: OrdersWithout
    returns: ReportReturns
    net_discount: str
    net_order_value: str
    return_on_discount: str | None = strawberry.field(
        description="(order value − refunds) / (discount − clawback); null when it cost nothing."
    )
    budgets: list[ReportBudget]
    by_channel: list[ReportLine]
    by_day: list[ReportLine]
    other_currency_orders: int = strawberry.field(description="Redeeming orders in another currency (left out).")


@strawberry.type(description="A campaign's place in the ranking.")
class RankedCampaign:
    rank: int
    campaign_id: str
    currency: str
    redemptions: int
    net_discount: str
    net_order_value: str
    return_on_discount: str | None
    below_threshold: bool


@strawberry.type(description="Campaigns by return on discount, best first; those under the threshold flagged.")
class CampaignRanking:
    first_day: date
    last_day: date
    threshold: str
    campaigns: list[RankedCampaign]


CampaignReportResult = Annotated[
    CampaignReportView | NotFound | ValidationFailed | Forbidden, strawberry.union("CampaignReportResult")
]
CampaignRankingResult = Annotated[
    CampaignRanking | ValidationFailed | Forbidden, strawberry.union("CampaignRankingResult")
]


def totals_of(totals: Totals) -> ReportTotals:
    return ReportTotals(
        redemptions=totals.redemptions,
        customers=totals.customers,
        discount=str(totals.discount),
        order_value=str(totals.order_value),
        average_order_value=money(totals.average_order_value),
    )


def line_of(line: Line) -> ReportLine:
    return ReportLine(key=line.key, totals=totals_of(line.totals))


def budget_of(use: BudgetUse) -> ReportBudget:
    return ReportBudget(
        limit=use.limit,
        budget=str(use.budget),
        used=str(use.used),
        remaining=str(use.remaining),
        used_in_period=str(use.used_in_period),
        burn_per_day=money(use.burn_per_day),
        exhausted_on=use.exhausted_on,
        forecast=use.forecast,
    )


def report_view(report: CampaignReport) -> CampaignReportView:
    return CampaignReportView(
        campaign_id=report.campaign_id,
        currency=report.currency,
        first_day=report.period.first,
        last_day=report.period.last,
        totals=totals_of(report.totals),
        without=OrdersWithout(
            orders=report.without.orders,
            order_value=str(report.without.order_value),
            average_order_value=money(report.without.average_order_value),
        ),
        returns=ReportReturns(
            returns=report.returns.returns,
            orders=report.returns.orders,
            refunded=str(report.returns.refunded),
            clawback=str(report.returns.clawback),
        ),
        net_discount=str(report.net_discount),
        net_order_value=str(report.net_order_value),
        return_on_discount=money(report.return_on_discount),
        budgets=[budget_of(use) for use in report.budgets],
        by_channel=[line_of(line) for line in report.by_channel],
        by_day=[line_of(line) for line in report.by_day],
        other_currency_orders=report.other_currency_orders,
    )


def ranked_of(entry: Ranked) -> RankedCampaign:
    return RankedCampaign(
        rank=entry.rank,
        campaign_id=entry.campaign_id,
        currency=entry.currency,
        redemptions=entry.redemptions,
        net_discount=str(entry.net_discount),
        net_order_value=str(entry.net_order_value),
        return_on_discount=money(entry.return_on_discount),
        below_threshold=entry.below_threshold,
    )


async def period_or_problem(context: AdminContext, first: date, last: date) -> Period | ValidationFailed:
    try:
        return await context.store.reports.period(first, last)
    except DocumentError as error:
        return ValidationFailed.of(error)


@strawberry.type
class ReportQueries:
    @strawberry.field(description="A campaign's report over tenant-local days `from` to `to` (both included).")
    async def campaign_report(
        self,
        info: Info,
        campaign_id: str,
        first: Annotated[date, strawberry.argument(name="from")],
        last: Annotated[date, strawberry.argument(name="to")],
    ) -> CampaignReportResult:
        context = info.context
        if problem := refused(context, Operation.READ_REPORTS):
            return problem
        period = await period_or_problem(context, first, last)
        if isinstance(period, ValidationFailed):
            return period
        report = await context.store.reports.campaign(campaign_id, period)
        return NotFound.of("campaign", campaign_id) if report is None else report_view(report)

    @strawberry.field(description="Campaigns that gave orders of the period a discount, by return on discount.")
    async def campaign_ranking(
        self,
        info: Info,
        first: Annotated[date, strawberry.argument(name="from")],
        last: Annotated[date, strawberry.argument(name="to")],
    ) -> CampaignRankingResult:
        context = info.context
        if problem := refused(context, Operation.READ_REPORTS):
            return problem
        period = await period_or_problem(context, first, last)
        if isinstance(period, ValidationFailed):
            return period
        threshold = context.services.settings.report_min_return
        ranked = await context.store.reports.ranking(period, threshold=threshold)
        return CampaignRanking(
            first_day=period.first,
            last_day=period.last,
            threshold=str(threshold),
            campaigns=[ranked_of(entry) for entry in ranked],
        )
