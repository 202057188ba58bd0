"""The overlap check: live campaigns that can meet a draft in one cart, and what the policy does then."""

from __future__ import annotations

from typing import Any

from domain.documents import parse_policy
from domain.documents.campaign import Target
from domain.overlap import CatalogFacts, Outcome, overlaps, target_values, unmatched_targets
from tests.builders import campaign

TEN = {"type": "PERCENTAGE", "value": "10"}
FREE = {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"}


def _ids(draft: Any, *live: Any, **policy: Any) -> list[str]:
    return [overlap.campaign_id for overlap in overlaps(draft, list(live), parse_policy(policy))]


def test_campaigns_on_the_same_category_overlap_and_both_apply_under_stack() -> None:
    draft = campaign("draft", TEN, target={"categories": ["shirts"]})
    live = campaign("live", {"type": "AMOUNT", "value": "5"}, target={"categories": ["shirts", "socks"]})

    [found] = overlaps(draft, [live], parse_policy({}))

    assert (found.campaign_id, found.shared, found.outcome, found.certain) == (
        "live",
        ("category shirts",),
        Outcome.STACK,
        True,
    )
    assert found.detail.startswith("both apply: draft first (PERCENTAGE), then live")


def test_disjoint_targets_channels_currencies_and_schedules_do_not_overlap() -> None:
    draft = campaign("draft", TEN, target={"categories": ["shirts"]}, audience={"channels": ["web"]})

    assert _ids(draft, campaign("socks", TEN, target={"categories": ["socks"]})) == []
    assert _ids(draft, campaign("pos", TEN, audience={"channels": ["pos"]})) == []
    assert _ids(campaign("d", TEN, currency="TRY"), campaign("usd", TEN, currency="USD")) == []
    past = campaign("past", TEN, schedule={"ends_at": "2026-01-01T00:00:00+03:00"})
    future = campaign("future", TEN, schedule={"starts_at": "2026-02-01T00:00:00+03:00"})
    assert _ids(future, past) == []


def test_a_segment_the_other_campaign_shuts_out_and_first_orders_against_regulars_do_not_overlap() -> None:
    vip = campaign("vip", TEN, audience={"segments_any": ["vip"]})
    not_vip = campaign("not-vip", TEN, audience={"segments_none": ["vip"]})
    first = campaign("first", TEN, audience={"first_order": True})
    regulars = campaign("regulars", TEN, audience={"min_orders": 3})

    assert _ids(vip, not_vip) == []
    assert _ids(first, regulars) == []
    assert _ids(vip, regulars) == ["regulars"]


def test_a_target_in_another_dimension_may_overlap_and_says_so() -> None:
    draft = campaign("draft", TEN, target={"skus": ["SHIRT-1"]})
    live = campaign("live", TEN, target={"brands": ["acme"]})

    [found] = overlaps(draft, [live], parse_policy({}))

    assert found.certain is False
    assert found.shared == ("skus SHIRT-1 may include brands acme",)


def test_an_exclusion_of_everything_the_draft_targets_means_no_overlap() -> None:
    draft = campaign("draft", TEN, target={"brands": ["luxe"]})
    live = campaign("live", TEN, target={"exclude": {"brands": ["luxe"]}})

    assert _ids(draft, live) == []
    assert (
        _ids(
            campaign("d2", TEN, target={"attributes": {"color": "red"}}),
            campaign("blue", TEN, target={"attributes": {"color": "blue"}}),
        )
        == []
    )


def test_the_policy_decides_the_outcome() -> None:
    draft = campaign("draft", TEN, priority=5)
    exclusive = campaign("solo", TEN, exclusive=True)

    [stacked] = overlaps(draft, [exclusive], parse_policy({}))
    [single] = overlaps(draft, [exclusive], parse_policy({"stacking": "SINGLE"}))
    [best] = overlaps(draft, [exclusive], parse_policy({"stacking": "BEST"}))

    assert (stacked.outcome, stacked.detail) == (
        Outcome.EXCLUSIVE,
        "solo is exclusive: when it applies, it applies alone",
    )
    assert single.outcome is Outcome.SINGLE
    assert "draft" in single.detail
    assert best.outcome is Outcome.BEST_OF


def test_two_quantity_benefits_are_told_their_units_are_consumed() -> None:
    draft = campaign("draft", FREE, condition={"min_quantity": 3})
    live = campaign("live", FREE, condition={"min_quantity": 2})

    [found] = overlaps(draft, [live], parse_policy({}))

    assert "consumes are not available" in found.detail


def test_the_draft_itself_and_results_are_ordered_by_priority() -> None:
    draft = campaign("draft", TEN)
    live = [campaign("b", TEN), campaign("a", TEN), campaign("top", TEN, priority=9), campaign("draft", TEN)]

    assert _ids(draft, *live) == ["top", "a", "b"]


def test_target_values_nobody_carries_are_warned_of_only_when_the_catalog_has_products() -> None:
    target = Target.model_validate(
        {"skus": ["SHIRT-1", "GHOST"], "categories": ["shirts"], "brands": ["acme"], "collections": ["summer"]}
    )
    carried = CatalogFacts(
        has_products=True, found=frozenset({("skus", "SHIRT-1"), ("categories", "shirts"), ("brands", "ACME")})
    )

    warnings = unmatched_targets(target, carried)

    assert [(warning.dimension, warning.value) for warning in warnings] == [
        ("skus", "GHOST"),
        ("brands", "acme"),
        ("collections", "summer"),
    ]
    assert warnings[0].message == "sku 'GHOST' matches no product of the catalog"
    assert unmatched_targets(target, CatalogFacts(has_products=False)) == []
    assert unmatched_targets(Target(), carried) == []
    assert target_values(target) == {
        "skus": ["SHIRT-1", "GHOST"],
        "categories": ["shirts"],
        "brands": ["acme"],
        "collections": ["summer"],
    }
