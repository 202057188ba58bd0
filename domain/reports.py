"""Campaign reports: what a campaign brought and cost over a period of tenant-local days (the orders placed
in it, their returns whenever they came), how fast its limits burn and when they run out, and the ranking of
campaigns by return on discount.

Pure: the facts come from the order book and the ledger (`domain.store.reports`); money in them is in integer
minor units of the order's currency, money out is `Decimal` with the currency's decimal places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from domain.errors import DocumentError, FieldError
from domain.money import Currency, currency_of, from_minor

MAX_DAYS = 366
"""The longest period a report covers (one row per day)."""

RATIO = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Period:
    """Tenant-local days `first` to `last`, both included."""

    first: date
    last: date
    timezone: str

    @classmethod
    def of(cls, first: date, last: date, *, timezone: str) -> Period:
        """Return the period, or raise `DocumentError` naming `/from` or `/to`."""
        if first.year < 2:  # the day's bounds in UTC would fall before year 1
            raise DocumentError("period", [FieldError("/from", "a report starts in year 2 or later")])
        if last.year > 9998:
            raise DocumentError("period", [FieldError("/to", "a report ends in year 9998 or earlier")])
        if last < first:
            raise DocumentError("period", [FieldError("/to", "must not be before from")])
        if (last - first).days + 1 > MAX_DAYS:
            raise DocumentError("period", [FieldError("/to", f"a report covers at most {MAX_DAYS} days")])
        return cls(first, last, timezone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """Return the UTC instants where the period starts (included) and ends (excluded)."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.first, time(0), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def elapsed(self, *, today: date) -> int:
        """Return how many of the period's days have begun by `today`."""
        return max(0, (min(self.last, today) - self.first).days + 1)


# -- the facts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderFact:
    """A committed order placed in the period; `value` is what its items were paid (after every discount)."""

    order_id: str
    day: date
    currency: str
    value: int
    channel: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Redemption:
    """What a campaign gave one committed order (the ledger's COMMIT rows)."""

    order_id: str
    campaign_id: str
    discount: int
    value: int


@dataclass(frozen=True, slots=True)
class ReturnFact:
    """One return of an order: the refund and what each campaign clawed back."""

    order_id: str
    return_id: str
    refund: int
    clawback: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerStep:
    """A change of what a campaign has used (a commit, a return giving budget back), by tenant-local day."""

    day: date
    uses: int = 0
    discount: int = 0
    value: int = 0


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    """Every committed order placed in the period, what campaigns gave them, and their returns."""

    orders: Sequence[OrderFact]
    redemptions: Sequence[Redemption]
    returns: Sequence[ReturnFact]


@dataclass(frozen=True, slots=True)
class CampaignFacts:
    """One campaign's part of a period: the committed orders of the period that redeemed it (any currency),
    what it gave them, their returns, and the period's committed orders per currency (count, value)."""

    orders: Sequence[OrderFact]
    redemptions: Sequence[Redemption]
    returns: Sequence[ReturnFact]
    placed: Mapping[str, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class CampaignSums:
    """What a campaign gave the period's committed orders in one currency (its COMMIT rows summed over
    `redemptions` orders), and what the returns of those orders refunded and clawed back from it."""

    campaign_id: str
    currency: str
    redemptions: int
    discount: int
    value: int
    refunded: int = 0
    clawback: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits a report measures use against (None: no such limit); money in minor units."""

    total_redemptions: int | None = None
    budget_discount: int | None = None
    budget_order_value: int | None = None


# -- the report --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Totals:
    redemptions: int
    customers: int
    discount: Decimal
    order_value: Decimal
    average_order_value: Decimal | None


@dataclass(frozen=True, slots=True)
class Line:
    """Totals under one key: a day (ISO date) or a channel (None: carts without one)."""

    key: str | None
    totals: Totals


@dataclass(frozen=True, slots=True)
class Without:
    """The period's committed orders (in the report's currency) that did not redeem the campaign."""

    orders: int
    order_value: Decimal
    average_order_value: Decimal | None


@dataclass(frozen=True, slots=True)
class Returns:
    returns: int
    orders: int
    refunded: Decimal
    clawback: Decimal


@dataclass(frozen=True, slots=True)
class BudgetUse:
    """One limit: what is used of it now, how fast the period used it, when it ran out or will."""

    limit: str
    budget: Decimal
    used: Decimal
    remaining: Decimal
    used_in_period: Decimal
    burn_per_day: Decimal | None
    exhausted_on: date | None
    forecast: date | None


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign_id: str
    currency: str
    period: Period
    totals: Totals
    without: Without
    returns: Returns
    net_discount: Decimal
    net_order_value: Decimal
    return_on_discount: Decimal | None
    budgets: tuple[BudgetUse, ...]
    by_channel: tuple[Line, ...]
    by_day: tuple[Line, ...]
    other_currency_orders: int


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    campaign_id: str
    currency: str
    redemptions: int
    net_discount: Decimal
    net_order_value: Decimal
    return_on_discount: Decimal | None
    below_threshold: bool


# -- computations ------------------------------------------------------------------------------------------------


def return_on_discount(*, order_value: int, discount: int) -> Decimal | None:
    """Return what the orders were paid per unit of discount given (net of returns and clawbacks), to two
    places; None when the campaign cost nothing."""
    if discount <= 0:
        return None
    return (Decimal(order_value) / Decimal(discount)).quantize(RATIO, rounding=ROUND_HALF_UP)


def burn_per_day(*, used: int, days: int) -> Decimal | None:
    """Return the average use per elapsed day, in minor units (None before the period began)."""
    if days <= 0:
        return None
    return Decimal(used) / Decimal(days)


def forecast(*, remaining: int, rate: Decimal | None, today: date) -> date | None:
    """Return the day the `remaining` budget runs out at `rate` per day from `today`; None when nothing is
    left (see `exhausted_on`) or it does not burn."""
    if remaining <= 0 or rate is None or rate <= 0:
        return None
    days = (Decimal(remaining) / rate).to_integral_value(rounding=ROUND_CEILING)
    if days > (date.max - today).days:
        return None
    return today + timedelta(days=int(days))


def exhausted_on(steps: Iterable[LedgerStep], *, budget: int, amount: str) -> date | None:
    """Return the first day the running total of `amount` reached `budget` and stayed there to the end."""
    totals: dict[date, int] = {}
    for step in steps:
        totals[step.day] = totals.get(step.day, 0) + int(getattr(step, amount))
    running, reached = 0, None
    for day in sorted(totals):
        running += totals[day]
        if running >= budget and reached is None:
            reached = day
        elif running < budget:
            reached = None
    return reached


def budget_uses(
    limits: Limits, steps: Sequence[LedgerStep], period: Period, *, currency: Currency, today: date
) -> tuple[BudgetUse, ...]:
    """Return the use of each limit the campaign has (redemptions count as whole units)."""
    found: list[BudgetUse] = []
    for name, amount, budget in (
        ("total_redemptions", "uses", limits.total_redemptions),
        ("budget_discount", "discount", limits.budget_discount),
        ("budget_order_value", "value", limits.budget_order_value),
    ):
        if budget is None:
            continue
        money = amount != "uses"
        found.append(_budget_use(name, amount, budget, steps, period, currency if money else None, today))
    return tuple(found)


def _budget_use(
    name: str,
    amount: str,
    budget: int,
    steps: Sequence[LedgerStep],
    period: Period,
    currency: Currency | None,
    today: date,
) -> BudgetUse:
    used = sum(int(getattr(step, amount)) for step in steps)
    in_period = sum(int(getattr(step, amount)) for step in steps if period.first <= step.day <= period.last)
    rate = burn_per_day(used=in_period, days=period.elapsed(today=today))
    remaining = max(0, budget - used)

    def out(units: int | Decimal) -> Decimal:
        if currency is None:
            return Decimal(units)
        return Decimal(units).scaleb(-currency.exponent)

    return BudgetUse(
        limit=name,
        budget=out(budget),
        used=out(used),
        remaining=out(remaining),
        used_in_period=out(in_period),
        burn_per_day=None if rate is None else out(rate).quantize(RATIO, rounding=ROUND_HALF_UP),
        exhausted_on=exhausted_on(steps, budget=budget, amount=amount) if used >= budget else None,
        forecast=forecast(remaining=remaining, rate=rate, today=today),
    )


def _totals(redemptions: Sequence[Redemption], orders: Mapping[str, OrderFact], currency: Currency) -> Totals:
    value = sum(redemption.value for redemption in redemptions)
    customers = {orders[entry.order_id].customer_id for entry in redemptions} - {None}
    return Totals(
        redemptions=len(redemptions),
        customers=len(customers),
        discount=from_minor(sum(entry.discount for entry in redemptions), currency=currency),
        order_value=from_minor(value, currency=currency),
        average_order_value=_average(value, len(redemptions), currency),
    )


def _average(value: int, count: int, currency: Currency) -> Decimal | None:
    if not count:
        return None
    return (Decimal(value) / count).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-currency.exponent)


def _grouped(
    redemptions: Sequence[Redemption], orders: Mapping[str, OrderFact], key: str
) -> dict[str | None, list[Redemption]]:
    groups: dict[str | None, list[Redemption]] = {}
    for redemption in redemptions:
        order = orders[redemption.order_id]
        label = order.day.isoformat() if key == "day" else order.channel
        groups.setdefault(label, []).append(redemption)
    return groups


def _campaign_redemptions(
    campaign_id: str, redemptions: Iterable[Redemption], orders: Mapping[str, OrderFact]
) -> list[Redemption]:
    """Return one redemption per order of the campaign (its COMMIT rows summed), of the orders given."""
    merged: dict[str, Redemption] = {}
    for entry in redemptions:
        if entry.campaign_id != campaign_id or entry.order_id not in orders:
            continue
        before = merged.get(entry.order_id)
        if before is not None:
            entry = Redemption(
                entry.order_id, campaign_id, before.discount + entry.discount, before.value + entry.value
            )
        merged[entry.order_id] = entry
    return list(merged.values())


def _returns(
    campaign_id: str, returns: Iterable[ReturnFact], redeemed: set[str], currency: Currency
) -> tuple[Returns, int, int]:
    mine = [entry for entry in returns if entry.order_id in redeemed]
    refunded = sum(entry.refund for entry in mine)
    clawback = sum(entry.clawback.get(campaign_id, 0) for entry in mine)
    summary = Returns(
        returns=len(mine),
        orders=len({entry.order_id for entry in mine}),
        refunded=from_minor(refunded, currency=currency),
        clawback=from_minor(clawback, currency=currency),
    )
    return summary, refunded, clawback


def campaign_facts(campaign_id: str, facts: PeriodFacts) -> CampaignFacts:
    """Return the campaign's part of the period's facts."""
    every = {order.order_id: order for order in facts.orders}
    redemptions = [entry for entry in facts.redemptions if entry.campaign_id == campaign_id and entry.order_id in every]
    redeemed = {entry.order_id for entry in redemptions}
    placed: dict[str, tuple[int, int]] = {}
    for order in facts.orders:
        count, value = placed.get(order.currency, (0, 0))
        placed[order.currency] = (count + 1, value + order.value)
    return CampaignFacts(
        orders=[order for order in facts.orders if order.order_id in redeemed],
        redemptions=redemptions,
        returns=[entry for entry in facts.returns if entry.order_id in redeemed],
        placed=placed,
    )


def campaign_report(
    campaign_id: str,
    facts: PeriodFacts | CampaignFacts,
    period: Period,
    *,
    currency: str,
    limits: Limits = Limits(),
    steps: Sequence[LedgerStep] = (),
    today: date,
) -> CampaignReport:
    """Return the campaign's report over the period: orders in `currency` only (others are counted apart)."""
    if isinstance(facts, PeriodFacts):
        facts = campaign_facts(campaign_id, facts)
    money = currency_of(currency)
    orders = {order.order_id: order for order in facts.orders if order.currency == currency}
    redemptions = _campaign_redemptions(campaign_id, facts.redemptions, orders)
    mine = {entry.order_id for entry in facts.redemptions if entry.campaign_id == campaign_id}
    others = mine & {order.order_id for order in facts.orders}
    redeemed = {entry.order_id for entry in redemptions}
    returns, refunded, clawback = _returns(campaign_id, facts.returns, redeemed, money)
    totals = _totals(redemptions, orders, money)
    discount = sum(entry.discount for entry in redemptions) - clawback
    value = sum(entry.value for entry in redemptions) - refunded
    placed_count, placed_value = facts.placed.get(currency, (0, 0))
    without_value = placed_value - sum(orders[order_id].value for order_id in redeemed)
    without_count = placed_count - len(redeemed)
    days = _grouped(redemptions, orders, "day")
    return CampaignReport(
        campaign_id=campaign_id,
        currency=currency,
        period=period,
        totals=totals,
        without=Without(
            orders=without_count,
            order_value=from_minor(without_value, currency=money),
            average_order_value=_average(without_value, without_count, money),
        ),
        returns=returns,
        net_discount=from_minor(discount, currency=money),
        net_order_value=from_minor(value, currency=money),
        return_on_discount=return_on_discount(order_value=value, discount=discount),
        budgets=budget_uses(limits, steps, period, currency=money, today=today),
        by_channel=tuple(
            Line(channel, _totals(group, orders, money))
            for channel, group in sorted(_grouped(redemptions, orders, "channel").items(), key=_channel_order)
        ),
        by_day=tuple(
            Line(day.isoformat(), _totals(days.get(day.isoformat(), []), orders, money)) for day in period.days
        ),
        other_currency_orders=len(others - set(orders)),
    )


def _channel_order(item: tuple[str | None, list[Redemption]]) -> tuple[bool, str]:
    return item[0] is None, item[0] or ""


def campaign_sums(
    totals: Iterable[CampaignSums], returned: Iterable[tuple[str, str, ReturnFact]]
) -> list[CampaignSums]:
    """Return the totals of each campaign and currency with what the returns refunded and clawed back added;
    `returned` gives each return once for every campaign that redeemed its order, with the order's currency."""
    sums = {(entry.campaign_id, entry.currency): entry for entry in totals}
    for campaign_id, currency, entry in returned:
        before = sums.get((campaign_id, currency))
        if before is not None:
            sums[campaign_id, currency] = replace(
                before,
                refunded=before.refunded + entry.refund,
                clawback=before.clawback + entry.clawback.get(campaign_id, 0),
            )
    return list(sums.values())


def period_sums(facts: PeriodFacts) -> list[CampaignSums]:
    """Return the sums of every campaign and currency that redeemed an order of the period."""
    orders = {order.order_id: order for order in facts.orders}
    totals: dict[tuple[str, str], list[int]] = {}
    redeemers: dict[str, set[str]] = {}
    for entry in facts.redemptions:
        order = orders.get(entry.order_id)
        if order is None:
            continue
        total = totals.setdefault((entry.campaign_id, order.currency), [0, 0, 0])
        if entry.campaign_id not in redeemers.setdefault(entry.order_id, set()):
            total[0] += 1
        redeemers[entry.order_id].add(entry.campaign_id)
        total[1] += entry.discount
        total[2] += entry.value
    returned = [
        (campaign_id, orders[entry.order_id].currency, entry)
        for entry in facts.returns
        for campaign_id in sorted(redeemers.get(entry.order_id, ()))
    ]
    sums = [CampaignSums(campaign_id, currency, *total) for (campaign_id, currency), total in totals.items()]
    return campaign_sums(sums, returned)


def ranking(
    facts: PeriodFacts | Iterable[CampaignSums],
    *,
    currencies: Mapping[str, str],
    threshold: Decimal,
) -> tuple[Ranked, ...]:
    """Return every campaign that gave a discount to an order of the period, best return on discount first
    (campaigns that cost nothing last, then by id); those under `threshold` are flagged. `currencies` gives
    each campaign's report currency; the sums of a campaign in other currencies are left out."""
    sums = period_sums(facts) if isinstance(facts, PeriodFacts) else facts
    chosen: dict[str, CampaignSums] = {}
    for entry in sums:
        currency = currencies[entry.campaign_id]
        if entry.currency == currency:
            chosen[entry.campaign_id] = entry
        else:
            chosen.setdefault(entry.campaign_id, CampaignSums(entry.campaign_id, currency, 0, 0, 0))
    ranked = sorted((_ranked(entry, threshold) for entry in chosen.values()), key=_rank_key)
    return tuple(replace(entry, rank=index + 1) for index, entry in enumerate(ranked))


def _ranked(sums: CampaignSums, threshold: Decimal) -> Ranked:
    money = currency_of(sums.currency)
    discount, value = sums.discount - sums.clawback, sums.value - sums.refunded
    ratio = return_on_discount(order_value=value, discount=discount)
    return Ranked(
        rank=0,
        campaign_id=sums.campaign_id,
        currency=sums.currency,
        redemptions=sums.redemptions,
        net_discount=from_minor(discount, currency=money),
        net_order_value=from_minor(value, currency=money),
        return_on_discount=ratio,
        below_threshold=ratio is not None and ratio < threshold,
    )


def _rank_key(entry: Ranked) -> tuple[bool, Decimal, str]:
    ratio = entry.return_on_discount
    return ratio is None, -(ratio or Decimal(0)), entry.campaign_id
