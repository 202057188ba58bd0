"""Dynamic segments: a rule over a customer's attributes and order statistics, evaluated purely.

A rule is a group of conditions (`match` ALL or ANY; a condition may itself be a group). Conditions read
`CustomerFacts`: the profile's fields and the times of the customer's orders within the rule's horizon
(the longest `days` of its `orders_in_days` conditions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, ValidationError

from domain.documents.campaign import Tag
from domain.documents.common import Count, Document, Money, NonNegativeCount
from domain.errors import DocumentError, field_errors

if TYPE_CHECKING:  # the catalog's documents import the rule
    from domain.documents.catalog import CustomerProfile

Days = Annotated[int, Field(strict=True, ge=1, le=3650)]
Places = Annotated[list[Annotated[str, Field(strict=True, min_length=1, max_length=100)]], Field(min_length=1)]


class ConsentChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What a rule may read of one customer."""

    customer_id: str
    country: str | None = None
    city: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    consents: frozenset[str] = frozenset()
    orders_count: int = 0
    total_spent: Decimal = Decimal(0)
    last_order_at: datetime | None = None
    order_times: Sequence[datetime] = ()
    """When the customer's orders were placed, at least those within the rule's horizon."""

    @classmethod
    def of(cls, profile: CustomerProfile, *, order_times: Sequence[datetime] = ()) -> CustomerFacts:
        """Return the facts of a profile as it is stored."""
        return cls(
            customer_id=profile.id,
            country=profile.country,
            city=profile.city,
            attributes=profile.attributes,
            consents=profile.consents.channels(),
            orders_count=profile.orders_count,
            total_spent=profile.total_spent,
            last_order_at=profile.last_order_at,
            order_times=order_times,
        )


class OrdersInDays(Document):
    """At least `at_least` orders placed in the last `days` days."""

    kind: Literal["orders_in_days"]
    days: Days
    at_least: Count

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        since = now - timedelta(days=self.days)
        return sum(1 for at in facts.order_times if since <= at <= now) >= self.at_least


class OrdersCount(Document):
    """At least `at_least` (and at most `at_most`) orders ever."""

    kind: Literal["orders_count"]
    at_least: NonNegativeCount = 0
    at_most: NonNegativeCount | None = None

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        return facts.orders_count >= self.at_least and (self.at_most is None or facts.orders_count <= self.at_most)


class TotalSpent(Document):
    """Spent more than `more_than` (and, if given, at most `at_most`) in all orders."""

    kind: Literal["total_spent"]
    more_than: Money = Decimal(0)
    at_most: Money | None = None

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        spent = facts.total_spent
        return spent > self.more_than and (self.at_most is None or spent <= self.at_most)


class LastOrderBefore(Document):
    """The last order was placed more than `days` days ago (with `or_never`, also customers who never ordered)."""

    kind: Literal["last_order_before_days"]
    days: Days
    or_never: bool = False

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        if facts.last_order_at is None:
            return self.or_never
        return facts.last_order_at < now - timedelta(days=self.days)


class CityIn(Document):
    kind: Literal["city_in"]
    cities: Places

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        return facts.city is not None and facts.city.casefold() in {city.casefold() for city in self.cities}


class CountryIn(Document):
    kind: Literal["country_in"]
    countries: Places

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        return facts.country is not None and facts.country.upper() in {country.upper() for country in self.countries}


class AttributeEquals(Document):
    kind: Literal["attribute_equals"]
    key: Tag
    value: Annotated[str, Field(strict=True, max_length=200)]

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        return facts.attributes.get(self.key) == self.value


class Consent(Document):
    """The customer agreed to marketing through `channel`."""

    kind: Literal["consent"]
    channel: ConsentChannel

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        return self.channel.value in facts.consents


class Group(Document):
    """ALL (every condition) or ANY (at least one) of the conditions; `negate` turns the answer round."""

    kind: Literal["group"] = "group"
    match: Literal["ALL", "ANY"] = "ALL"
    negate: bool = False
    conditions: Annotated[list[Condition], Field(min_length=1, max_length=50)]

    def is_satisfied(self, facts: CustomerFacts, *, now: datetime) -> bool:
        answers = (condition.is_satisfied(facts, now=now) for condition in self.conditions)
        found = all(answers) if self.match == "ALL" else any(answers)
        return found != self.negate

    def horizon(self) -> int:
        """Return how many days of order history the rule reads (0: none)."""
        return max((_horizon(condition) for condition in self.conditions), default=0)


Condition = Annotated[
    OrdersInDays | OrdersCount | TotalSpent | LastOrderBefore | CityIn | CountryIn | AttributeEquals | Consent | Group,
    Field(discriminator="kind"),
]

Group.model_rebuild()

SegmentRule = Group
"""A dynamic segment's rule: its top-level group."""


def _horizon(condition: Condition) -> int:
    if isinstance(condition, OrdersInDays):
        return condition.days
    if isinstance(condition, Group):
        return condition.horizon()
    return 0


def parse_rule(data: Any) -> SegmentRule:
    """Return the validated rule, or raise `DocumentError` naming each offending field."""
    try:
        return SegmentRule.model_validate(data)
    except ValidationError as error:
        raise DocumentError("segment rule", field_errors(error)) from None


def members(rules: dict[str, SegmentRule], facts: CustomerFacts, *, now: datetime) -> frozenset[str]:
    """Return the ids of the dynamic segments whose rule the customer satisfies at `now`."""
    return frozenset(segment_id for segment_id, rule in rules.items() if rule.is_satisfied(facts, now=now))


@dataclass(frozen=True, slots=True)
class MembershipChanges:
    """Segment membership at a membership version: every customer's (`complete`), or only the changed
    customers' (an empty set: the customer left every segment)."""

    version: int
    segments: dict[str, frozenset[str]]
    complete: bool
