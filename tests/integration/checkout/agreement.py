"""Counters against the ledger: what the counter store says is taken must be what the ledger sums to."""

from __future__ import annotations

import time

from domain.limits import Claim, CounterStore, LimitRule, Usage
from domain.store import Store


async def ledger_usage(store: Store, rule: LimitRule) -> Usage:
    """Return the campaign-wide usage the ledger implies (uses, discount, order value of used and held
    takings), counting only what the rule limits, as the counter stores do."""
    takings = await store.orders.takings(rule.campaign_id, now=time.time())
    uses = sum(taken.claim.uses for taken in takings)
    discount = sum(taken.claim.discount for taken in takings)
    value = sum(taken.claim.order_value for taken in takings)
    return Usage(
        uses=uses if rule.total_redemptions is not None else 0,
        discount=discount if rule.budget_discount is not None else 0,
        order_value=value if rule.budget_order_value is not None else 0,
    )


async def counters_usage(counters: CounterStore, rule: LimitRule) -> Usage:
    """Return the campaign-wide usage the counters hold (no customer, device or code keys)."""
    return (await counters.usage([Claim(rule)]))[rule.campaign_id]
