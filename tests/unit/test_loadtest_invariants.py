"""The load run's invariant check (loadtests/invariants.py): every limit and the counters' agreement with
the ledger, judged from the ledger's takings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from domain.limits import Claim, LimitRule, Taken, Usage

RULE = LimitRule(campaign_id="tight", total_redemptions=2, per_customer=1, budget_discount=1_000)


def _invariants() -> ModuleType:
    path = Path(__file__).parents[2] / "loadtests" / "invariants.py"
    spec = importlib.util.spec_from_file_location("loadtest_invariants", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


invariants = _invariants()


def taken(order: str, customer: str, discount: int) -> Taken:
    return Taken(order_id=order, claim=Claim(RULE, discount=discount, order_value=5_000, customer_id=customer))


def test_takings_within_every_limit_and_equal_counters_hold() -> None:
    takings = [taken("o1", "c1", 400), taken("o2", "c2", 600)]

    assert invariants.check_campaign(RULE, takings, Usage(uses=2, discount=1_000)) == []


def test_a_use_beyond_the_limit_is_reported() -> None:
    takings = [taken("o1", "c1", 100), taken("o2", "c2", 100), taken("o3", "c3", 100)]

    (problem,) = invariants.check_campaign(RULE, takings, None)

    assert "3 uses granted, the limit is 2" in problem


def test_a_discount_beyond_the_budget_and_a_customer_twice_are_reported() -> None:
    takings = [taken("o1", "c1", 700), taken("o2", "c1", 400)]

    problems = invariants.check_campaign(RULE, takings, None)

    assert any("1100 (minor units) of discount granted" in problem for problem in problems)
    assert any("customer c1 used it 2 times" in problem for problem in problems)


def test_counters_that_differ_from_the_ledger_are_reported() -> None:
    takings = [taken("o1", "c1", 400)]

    (problem,) = invariants.check_campaign(RULE, takings, Usage(uses=2, discount=400))

    assert "the counters say" in problem


def test_unlimited_dimensions_are_not_compared() -> None:
    rule = LimitRule(campaign_id="uses-only", total_redemptions=5)
    takings = [Taken(order_id="o1", claim=Claim(rule, discount=999, order_value=1))]

    assert invariants.check_campaign(rule, takings, Usage(uses=1)) == []
