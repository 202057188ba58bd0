"""The invariant check after a load run: for every campaign with a limit, what the ledger says was granted
never exceeds the limit, and the counters (Redis, or the SQL counters without Redis) equal the ledger.

A run that breaks an invariant fails whatever its latencies. Read from the database (the source of truth)
and, for the comparison only, from the counter store.

    python loadtests/invariants.py --database-url postgres://... [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.limits import Claim, CounterStore, LimitRule, Taken, Usage
from domain.store import Store

HOLD_GRACE = 300.0
"""The pricing core's default `KAMPANYA_HOLD_GRACE`: counters keep a hold this long after the ledger
expires it, so the ledger is read as of that much earlier."""


@dataclass
class Report:
    campaigns_checked: int = 0
    granted_uses: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _limited(rule: LimitRule, uses: int, discount: int, value: int) -> Usage:
    """The campaign-wide usage the counters keep for `rule`: only what it limits is counted."""
    return Usage(
        uses=uses if rule.total_redemptions is not None else 0,
        discount=discount if rule.budget_discount is not None else 0,
        order_value=value if rule.budget_order_value is not None else 0,
    )


def check_campaign(rule: LimitRule, takings: Sequence[Taken], counted: Usage | None) -> list[str]:
    """Return what is wrong with one campaign's takings (and its counters, when given)."""
    problems = []
    uses = sum(taken.claim.uses for taken in takings)
    discount = sum(taken.claim.discount for taken in takings)
    value = sum(taken.claim.order_value for taken in takings)
    name = rule.campaign_id
    if rule.total_redemptions is not None and uses > rule.total_redemptions:
        problems.append(f"{name}: {uses} uses granted, the limit is {rule.total_redemptions}")
    if rule.budget_discount is not None and discount > rule.budget_discount:
        problems.append(f"{name}: {discount} (minor units) of discount granted, the budget is {rule.budget_discount}")
    if rule.budget_order_value is not None and value > rule.budget_order_value:
        problems.append(f"{name}: {value} of order value granted, the limit is {rule.budget_order_value}")
    if rule.per_customer is not None:
        per_customer = Counter[str]()
        for taken in takings:
            if taken.claim.customer_id is not None:
                per_customer[taken.claim.customer_id] += taken.claim.uses
        for customer, count in per_customer.items():
            if count > rule.per_customer:
                problems.append(f"{name}: customer {customer} used it {count} times, the limit is {rule.per_customer}")
    if counted is not None:
        ledger = _limited(rule, uses, discount, value)
        if counted != ledger:
            problems.append(f"{name}: the counters say {counted}, the ledger {ledger}")
    return problems


async def check(store: Store, counters: CounterStore | None, *, hold_grace: float = HOLD_GRACE) -> Report:
    """Check every stored campaign that has a limit."""
    report = Report()
    now = time.time()
    for stored in await store.campaigns.list():
        rule = LimitRule.of(stored.document)
        if not rule.counted:
            continue
        report.campaigns_checked += 1
        takings = await store.orders.takings(rule.campaign_id, now=now - hold_grace)
        report.granted_uses += sum(taken.claim.uses for taken in takings)
        counted = (await counters.usage([Claim(rule)]))[rule.campaign_id] if counters is not None else None
        report.problems.extend(check_campaign(rule, takings, counted))
    return report


async def check_deployment(database_url: str, redis_url: str | None, *, hold_grace: float = HOLD_GRACE) -> Report:
    """Open the store (and the counter store the pricing cores use) and check."""
    store = await Store.open(database_url)
    counters: RedisCounters | SqlCounters
    try:
        if redis_url:
            counters = RedisCounters.from_url(redis_url, ledger=store.orders, hold_grace=hold_grace)
            try:
                return await check(store, counters, hold_grace=hold_grace)
            finally:
                await counters.close()
        return await check(store, SqlCounters(store.database, hold_grace=hold_grace), hold_grace=hold_grace)
    finally:
        await store.close()


def print_report(report: Report) -> None:
    print(f"invariants: {report.campaigns_checked} limited campaigns, {report.granted_uses} uses granted")
    for problem in report.problems:
        print(f"  BROKEN  {problem}")
    print("invariants: " + ("hold" if report.ok else f"{len(report.problems)} broken"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url")
    arguments = parser.parse_args(argv)
    report = asyncio.run(check_deployment(arguments.database_url, arguments.redis_url))
    print_report(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
