"""The facts of campaign reports, read from the order book (committed orders placed in the period, their
return receipts) and the ledger (what each campaign gave each order, what it used of its limits), never from
the counters; `domain.reports` computes the reports from them.

Reports aggregate the columns an order's facts are kept in (`domain.store.order_facts`) and the ledger's
amounts in SQL; only the return receipts of returned orders are read from the order documents."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import RawSQL, Subquery
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from domain.checkout.orders import OrderStatus
from domain.documents import Campaign
from domain.limits import LimitRule
from domain.money import currency_of, to_minor
from domain.reports import (
    CampaignFacts,
    CampaignReport,
    CampaignSums,
    LedgerStep,
    Limits,
    OrderFact,
    Period,
    Ranked,
    Redemption,
    ReturnFact,
    campaign_report,
    campaign_sums,
    ranking,
)
from domain.store.config import Dialect
from domain.store.database import Database
from domain.store.fields import fits, utc
from domain.store.models import OrderRow
from domain.store.settings import read_settings

COMMITTED = [OrderStatus.COMMITTED.value, OrderStatus.RETURNED.value]
_REDEEMED = """SELECT o.order_id, o.created_at, o.channel, o.customer_id, o.currency, o.order_value, o.return_count,
    SUM(l.used_discount), SUM(l.used_value)
FROM ledger l JOIN checkout_order o ON o.order_id = l.order_id
WHERE l.campaign_id = {0} AND l.kind = 'COMMIT' AND o.created_at >= {1} AND o.created_at < {2}
    AND o.status IN ({3})
GROUP BY o.order_id"""
_STATUSES = ", ".join(f"'{status}'" for status in COMMITTED)
_USED = "(used_uses <> 0 OR used_discount <> 0 OR used_value <> 0)"
_SQL: dict[Dialect, dict[str, str]] = {
    "postgres": {
        "redeemed": _REDEEMED.format("$1", "$2", "$3", _STATUSES),
        "steps": "SELECT to_timestamp(floor(extract(epoch FROM at) / 900) * 900) AS quarter, SUM(used_uses),"
        f" SUM(used_discount), SUM(used_value) FROM ledger WHERE campaign_id = $1 AND {_USED} GROUP BY quarter",
    },
    "sqlite": {
        "redeemed": _REDEEMED.format("?", "?", "?", _STATUSES),
        "steps": f"SELECT at, used_uses, used_discount, used_value FROM ledger WHERE campaign_id = ? AND {_USED}",
    },
}
"""The campaign report's statements: the period's committed orders that redeemed the campaign, with what its
COMMIT rows gave each; its use of its limits (PostgreSQL sums it by quarter hour)."""


class Reports:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def period(self, first: date, last: date) -> Period:
        """Return the period in the tenant's time zone (raise `DocumentError` when it is not one)."""
        with self._database.active():
            settings = await read_settings(self._database.tables)
        assert settings is not None
        return Period.of(first, last, timezone=settings.timezone)

    async def campaign(self, campaign_id: str, period: Period, *, now: datetime | None = None) -> CampaignReport | None:
        """Return the campaign's report over the period, or None when there is no such campaign."""
        if not fits(self._database.tables.campaigns, id=campaign_id):
            return None
        with self._database.active():
            row = await self._database.tables.campaigns.get_or_none(id=campaign_id)
            if row is None:
                return None
            settings = await read_settings(self._database.tables)
            assert settings is not None
            campaign = Campaign.model_validate(row.document)
            rule = LimitRule.of(campaign)
            limits = Limits(rule.total_redemptions, rule.budget_discount, rule.budget_order_value)
            facts, steps = await asyncio.gather(
                self._campaign_facts(campaign_id, period),
                self._steps(campaign_id, period) if limits != Limits() else _nothing(),
            )
        return campaign_report(
            campaign_id,
            facts,
            period,
            currency=campaign.currency or settings.currency,
            limits=limits,
            steps=steps,
            today=period.day_of(now or datetime.now(UTC)),
        )

    async def ranking(self, period: Period, *, threshold: Decimal, now: datetime | None = None) -> tuple[Ranked, ...]:
        """Return the campaigns that gave orders of the period a discount, by return on discount (`now` is
        accepted for symmetry with `campaign`: a ranking does not depend on it)."""
        tables = self._database.tables
        with self._database.active():
            settings = await read_settings(tables)
            assert settings is not None
            sums = await self._sums(period)
            ids = sorted({entry.campaign_id for entry in sums})
            documents = dict(await tables.campaigns.filter(id__in=ids).values_list("id", "document"))
        currencies = {
            campaign_id: str((documents.get(campaign_id) or {}).get("currency") or settings.currency)
            for campaign_id in ids
        }
        return ranking(sums, currencies=currencies, threshold=threshold)

    def _placed(self, period: Period) -> QuerySet[OrderRow]:
        """The committed orders placed in the period."""
        start, end = period.bounds()
        return self._database.tables.orders.filter(created_at__gte=start, created_at__lt=end, status__in=COMMITTED)

    async def _campaign_facts(self, campaign_id: str, period: Period) -> CampaignFacts:
        placed = self._placed(period)
        start, end = period.bounds()
        # two statements at once, on two connections of PostgreSQL's pool
        rows, totals = await asyncio.gather(
            self._query("redeemed", [campaign_id, self._moment(start), self._moment(end)]),
            self._placed_totals(placed),
        )
        orders = [_order_fact(row[:7], period) for row in rows]
        redeeming = placed.filter(
            order_id__in=Subquery(
                self._database.tables.ledger.filter(campaign_id=campaign_id, kind="COMMIT").values("order_id")
            )
        )
        returned = await self._receipts(redeeming) if any(row[6] for row in rows) else {}
        return CampaignFacts(
            orders=orders,
            redemptions=[Redemption(str(row[0]), campaign_id, int(row[7]), int(row[8])) for row in rows],
            returns=[entry for entries in returned.values() for entry in entries],
            placed=totals,
        )

    async def _query(self, statement: str, values: list[Any]) -> list[tuple[Any, ...]]:
        """Run one of the `_SQL` statements in this database's dialect."""
        _, rows = await self._database.tables.execute(_SQL, statement, values)
        return rows

    def _moment(self, moment: datetime) -> datetime | str:
        """A timestamp as a statement parameter: SQLite keeps timestamps as UTC text (see `fields.utc`)."""
        return moment if self._database.tables.dialect == "postgres" else moment.isoformat(sep=" ")

    async def _placed_totals(self, placed: QuerySet[OrderRow]) -> dict[str, tuple[int, int]]:
        """Return the count and value of the orders per currency."""
        rows = (
            await placed.group_by("currency")
            .annotate(orders=Count("order_id"), value=Sum("order_value"))
            .values_list("currency", "orders", "value")
        )
        return {str(currency): (int(count), int(value or 0)) for currency, count, value in rows}

    async def _receipts(self, orders: QuerySet[OrderRow]) -> dict[str, list[ReturnFact]]:
        """Return the returns of those of the orders that had any, by order."""
        receipts = _json_text(self._database.tables.dialect, "receipts")
        rows = (
            await orders.filter(return_count__gt=0)
            .annotate(receipts=receipts)
            .values_list("order_id", "currency", "receipts")
        )
        return {
            str(order_id): list(_returns(str(order_id), str(currency), json.loads(text)))
            for order_id, currency, text in rows
        }

    async def _sums(self, period: Period) -> list[CampaignSums]:
        """Return what each campaign gave the period's orders in each currency, returns included."""
        tables = self._database.tables
        placed = self._placed(period)
        totals: list[CampaignSums] = []
        for currency in await self._placed_totals(placed):
            rows = (
                await tables.ledger.filter(
                    kind="COMMIT", order_id__in=Subquery(placed.filter(currency=currency).values("order_id"))
                )
                .group_by("campaign_id")
                .annotate(
                    orders=Count("order_id", distinct=True), discount=Sum("used_discount"), value=Sum("used_value")
                )
                .values_list("campaign_id", "orders", "discount", "value")
            )
            totals.extend(
                CampaignSums(str(campaign_id), currency, int(orders), int(discount), int(value))
                for campaign_id, orders, discount, value in rows
            )
        returned = placed.filter(return_count__gt=0)
        receipts = await self._receipts(returned)
        currencies = dict(await returned.values_list("order_id", "currency"))
        pairs: Sequence[tuple[str, str]] = (
            await tables.ledger.filter(kind="COMMIT", order_id__in=Subquery(returned.values("order_id")))
            .distinct()
            .values_list("campaign_id", "order_id")
            if receipts
            else []
        )
        return campaign_sums(
            totals,
            [
                (str(campaign_id), str(currencies[order_id]), entry)
                for campaign_id, order_id in pairs
                for entry in receipts.get(str(order_id), [])
            ],
        )

    async def _steps(self, campaign_id: str, period: Period) -> list[LedgerStep]:
        """Return the campaign's use of its limits by quarter hour (a day in any time zone begins on one)."""
        rows = await self._query("steps", [campaign_id])
        return [
            LedgerStep(period.day_of(_at(at)), int(uses), int(discount), int(value))
            for at, uses, discount, value in rows
        ]


async def _nothing() -> list[LedgerStep]:
    return []


def _at(moment: Any) -> datetime:
    """A timestamp as read: aware (PostgreSQL), or UTC text (SQLite)."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment
    aware = utc(moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment)))
    assert aware is not None
    return aware


def _json_text(dialect: str, *path: str) -> RawSQL:
    """Return the SQL of the text at `path` in the order document (JSON text for an object)."""
    if dialect == "postgres":
        return RawSQL("document #>> '{" + ",".join(path) + "}'")
    return RawSQL("json_extract(document, '$." + ".".join(path) + "')")


def _order_fact(row: Sequence[Any], period: Period) -> OrderFact:
    order_id, created_at, channel, customer_id, currency, value, _ = row
    return OrderFact(
        order_id=str(order_id),
        day=period.day_of(_at(created_at)),
        currency=str(currency),
        value=int(value),
        channel=channel,
        customer_id=customer_id,
    )


def _returns(order_id: str, currency_code: str, receipts: dict[str, Any]) -> Iterator[ReturnFact]:
    currency = currency_of(currency_code)
    for return_id, stored in sorted(receipts.items()):
        receipt = stored["receipt"]
        yield ReturnFact(
            order_id=order_id,
            return_id=str(return_id),
            refund=to_minor(Decimal(receipt["refund"]), currency=currency),
            clawback={
                campaign_id: to_minor(Decimal(amount), currency=currency)
                for campaign_id, amount in receipt["clawback"].items()
            },
        )
