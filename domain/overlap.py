"""The overlap check before publishing: which live campaigns could apply to the same carts as a draft
(their targets, audiences, currencies and schedules intersect), and what the stacking policy would do when
both apply."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.documents.campaign import Audience, Campaign, Target
from domain.documents.common import BenefitType, Stacking
from domain.documents.policy import Policy

QUANTITY_TYPES = frozenset({BenefitType.FREE_UNITS, BenefitType.FIXED_PRICE})
DIMENSIONS = ("skus", "categories", "brands", "collections")


class Outcome(StrEnum):
    STACK = "STACK"
    """Both apply, one after the other."""
    EXCLUSIVE = "EXCLUSIVE"
    """An exclusive campaign applies alone."""
    SINGLE = "SINGLE"
    """The policy applies one campaign per cart."""
    BEST_OF = "BEST_OF"
    """The policy picks the combination worth most to the customer."""


@dataclass(frozen=True, slots=True)
class Overlap:
    """A live campaign that could apply with the draft: what they share, and what the policy does."""

    campaign_id: str
    shared: tuple[str, ...]
    outcome: Outcome
    detail: str
    certain: bool
    """False when the targets only may intersect (different dimensions: a SKU of one may be in a category
    of the other)."""


@dataclass(frozen=True, slots=True)
class CatalogFacts:
    """What the product catalog holds of the values a target names: whether it has any product at all, and
    the (dimension, value) pairs at least one product carries."""

    has_products: bool
    found: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class TargetWarning:
    """A value of the draft's target that no product of the catalog carries (it selects nothing today)."""

    dimension: str
    value: str
    message: str


def target_values(target: Target) -> dict[str, list[str]]:
    """Return the values the target names, by dimension (what the catalog is asked about)."""
    return {dimension: list(values) for dimension in DIMENSIONS if (values := getattr(target, dimension))}


def unmatched_targets(target: Target, catalog: CatalogFacts) -> list[TargetWarning]:
    """Return a warning for every value of the target no product carries; none when the catalog has no
    products at all (the shop does not keep its catalog here)."""
    if not catalog.has_products:
        return []
    return [
        TargetWarning(dimension, value, f"{_SINGULAR[dimension]} {value!r} matches no product of the catalog")
        for dimension, values in target_values(target).items()
        for value in values
        if (dimension, value) not in catalog.found
    ]


_SINGULAR = {"skus": "sku", "categories": "category", "brands": "brand", "collections": "collection"}


def overlaps(draft: Campaign, live: Sequence[Campaign], policy: Policy) -> list[Overlap]:
    """Return the live campaigns (other than the draft itself) whose carts can intersect the draft's, by
    priority (higher first) then id."""
    found: list[Overlap] = []
    for other in sorted(live, key=lambda campaign: (-campaign.priority, campaign.id)):
        if other.id == draft.id or _apart(draft, other):
            continue
        targets = _target_overlap(draft.target, other.target)
        if targets is None:
            continue
        shared, certain = targets
        outcome, detail = _policy_outcome(draft, other, policy)
        found.append(Overlap(other.id, tuple(shared), outcome, detail, certain))
    return found


def _apart(one: Campaign, other: Campaign) -> bool:
    """Whether no cart can meet both: other currencies, disjoint schedules, or disjoint audiences."""
    if one.currency and other.currency and one.currency != other.currency:
        return True
    if not _schedules_meet(one, other):
        return True
    return _audiences_apart(one.audience, other.audience)


def _schedules_meet(one: Campaign, other: Campaign) -> bool:
    def bounds(campaign: Campaign) -> tuple[datetime | None, datetime | None]:
        return _aware(campaign.schedule.starts_at, campaign), _aware(campaign.schedule.ends_at, campaign)

    (start_a, end_a), (start_b, end_b) = bounds(one), bounds(other)
    if end_a is not None and start_b is not None and end_a <= start_b:
        return False
    return not (end_b is not None and start_a is not None and end_b <= start_a)


def _aware(moment: datetime | None, campaign: Campaign) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(campaign.schedule.timezone))


def _audiences_apart(one: Audience, other: Audience) -> bool:
    def disjoint(first: Sequence[str], second: Sequence[str]) -> bool:
        return bool(first) and bool(second) and not {v.lower() for v in first} & {v.lower() for v in second}

    if disjoint(one.channels, other.channels) or disjoint(one.countries, other.countries):
        return True
    if disjoint(one.cities, other.cities):
        return True
    if _segments_exclude(one, other) or _segments_exclude(other, one):
        return True
    return _order_history_apart(one, other)


def _segments_exclude(one: Audience, other: Audience) -> bool:
    """Whether every customer `one` admits is shut out by `other` (or `one` needs what `other` forbids)."""
    return bool(one.segments_any) and set(one.segments_any) <= set(other.segments_none)


def _order_history_apart(one: Audience, other: Audience) -> bool:
    def orders_range(audience: Audience) -> tuple[int, float]:
        low = audience.min_orders or 0
        high: float = audience.max_orders if audience.max_orders is not None else float("inf")
        if audience.first_order is True:
            high = min(high, 0)
        if audience.first_order is False:
            low = max(low, 1)
        return low, high

    (low_a, high_a), (low_b, high_b) = orders_range(one), orders_range(other)
    return max(low_a, low_b) > min(high_a, high_b)


def _target_overlap(one: Target, other: Target) -> tuple[list[str], bool] | None:
    """Return what two targets share and whether the overlap is certain, or None when they cannot meet."""
    if _attributes_clash(one, other) or _excluded(one, other) or _excluded(other, one):
        return None
    everything_a, everything_b = _selects_everything(one), _selects_everything(other)
    if everything_a and everything_b:
        return ["every product"], True
    if everything_a or everything_b:
        narrow = other if everything_a else one
        return list(_selectors(narrow)), True
    shared = [
        f"{dimension[:-1] if dimension != 'categories' else 'category'} {value}"
        for dimension in DIMENSIONS
        for value in sorted(set(getattr(one, dimension)) & set(getattr(other, dimension)))
    ]
    if shared:
        return shared, True
    used_a = {dimension for dimension in DIMENSIONS if getattr(one, dimension)}
    used_b = {dimension for dimension in DIMENSIONS if getattr(other, dimension)}
    if used_a == used_b:
        return None  # the same kinds of selectors, no value in common
    return [f"{' / '.join(_selectors(one))} may include {' / '.join(_selectors(other))}"], False


def _selects_everything(target: Target) -> bool:
    return not any(getattr(target, dimension) for dimension in DIMENSIONS)


def _selectors(target: Target) -> Iterator[str]:
    for dimension in DIMENSIONS:
        for value in getattr(target, dimension):
            yield f"{dimension} {value}"
    for key, value in target.attributes.items():
        yield f"attribute {key}={value}"


def _attributes_clash(one: Target, other: Target) -> bool:
    return any(key in other.attributes and other.attributes[key] != value for key, value in one.attributes.items())


def _excluded(one: Target, other: Target) -> bool:
    """Whether `other` excludes everything `one` selects (in one dimension)."""
    if _selects_everything(one):
        return False
    for dimension in DIMENSIONS:
        selected = set(getattr(one, dimension))
        if selected and selected <= set(getattr(other.exclude, dimension)):
            only = all(not getattr(one, rest) for rest in DIMENSIONS if rest != dimension)
            if only:
                return True
    return False


def _policy_outcome(draft: Campaign, other: Campaign, policy: Policy) -> tuple[Outcome, str]:
    phases = [*policy.phase_order, BenefitType.GIFT]

    def rank(campaign: Campaign) -> tuple[int, int, str]:
        return phases.index(campaign.benefit.type), -campaign.priority, campaign.id

    first, second = sorted([draft, other], key=rank)
    if policy.stacking is Stacking.SINGLE:
        winner = min([draft, other], key=lambda campaign: (-campaign.priority, rank(campaign)))
        return Outcome.SINGLE, f"one campaign per cart: {winner.id} (higher priority, then phase, then id) applies"
    exclusive = [campaign for campaign in (draft, other) if campaign.exclusive]
    if exclusive and policy.stacking is Stacking.STACK:
        winner = min(exclusive, key=lambda campaign: (-campaign.priority, campaign.id))
        return Outcome.EXCLUSIVE, f"{winner.id} is exclusive: when it applies, it applies alone"
    if policy.stacking is Stacking.BEST:
        alone = " (exclusive campaigns never together)" if exclusive else ""
        return Outcome.BEST_OF, f"the combination worth most to the customer applies{alone}"
    detail = f"both apply: {first.id} first ({first.benefit.type}), then {second.id} on what it left"
    if first.benefit.type in QUANTITY_TYPES and second.benefit.type in QUANTITY_TYPES:
        detail += f"; units {first.id} consumes are not available to {second.id}"
    return Outcome.STACK, detail
