"""Limits of campaigns and coupon codes: what an order claims from them, what is taken, what is left,
and the ports of the counter stores that enforce them atomically (Redis, or SQL when no Redis is
configured) and of the ledger they are rebuilt from.

All money here is in integer minor units of the campaign's currency (a campaign with a money budget
must name its currency).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.documents.campaign import Campaign
from domain.documents.common import FailMode, PartialBudget
from domain.money import currency_of, to_minor


class CountersUnavailable(Exception):
    """The counter store cannot be reached; each campaign's `fail_mode` decides what happens."""


class Limit(StrEnum):
    """The limit that refused a claim (or is used up)."""

    TOTAL_REDEMPTIONS = "total_redemptions"
    PER_CUSTOMER = "per_customer"
    PER_CUSTOMER_PER_DAY = "per_customer_per_day"
    PER_DEVICE = "per_device"
    BUDGET_DISCOUNT = "budget_discount"
    BUDGET_ORDER_VALUE = "budget_order_value"
    CODE_USES = "code_uses"
    CODE_PER_CUSTOMER = "code_per_customer"
    UNAVAILABLE = "unavailable"
    """The counter store could not be reached and the campaign fails closed."""


def limit_detail(limit: Limit) -> str:
    """Return the sentence a LIMIT_REACHED skip carries for `limit`."""
    if limit is Limit.UNAVAILABLE:
        return "the limit counters cannot be reached and the campaign fails closed"
    return f"{limit} is used up"


@dataclass(frozen=True, slots=True)
class LimitRule:
    """The limits of one campaign (None: no such limit)."""

    campaign_id: str
    total_redemptions: int | None = None
    per_customer: int | None = None
    per_customer_per_day: int | None = None
    per_device: int | None = None
    budget_discount: int | None = None
    budget_order_value: int | None = None
    fail_open: bool = False
    cap_partial_budget: bool = True

    @classmethod
    def of(cls, campaign: Campaign) -> LimitRule:
        limits = campaign.limits
        currency = currency_of(campaign.currency) if campaign.currency else None

        def minor(amount: Decimal | None) -> int | None:
            return None if amount is None or currency is None else to_minor(amount, currency=currency)

        return cls(
            campaign_id=campaign.id,
            total_redemptions=limits.total_redemptions,
            per_customer=limits.per_customer,
            per_customer_per_day=limits.per_customer_per_day,
            per_device=limits.per_device,
            budget_discount=minor(limits.budget_discount),
            budget_order_value=minor(limits.budget_order_value),
            fail_open=limits.fail_mode is FailMode.OPEN,
            cap_partial_budget=limits.partial_budget is PartialBudget.CAP,
        )

    @property
    def counted(self) -> bool:
        """Whether the campaign has any limit at all (campaigns without limits never touch counters)."""
        return any(
            value is not None
            for value in (
                self.total_redemptions,
                self.per_customer,
                self.per_customer_per_day,
                self.per_device,
                self.budget_discount,
                self.budget_order_value,
            )
        )


@dataclass(frozen=True, slots=True)
class CodeRule:
    """The limits of one managed coupon code."""

    code: str
    max_uses: int | None = None
    once_per_customer: bool = False

    @property
    def counted(self) -> bool:
        return self.max_uses is not None or self.once_per_customer


@dataclass(frozen=True, slots=True)
class Claim:
    """What one order takes from one campaign: one use, its discount and order value, counted under the
    customer, the customer's local day, the device and the code it came with."""

    rule: LimitRule
    discount: int = 0
    order_value: int = 0
    customer_id: str | None = None
    device_id: str | None = None
    day: str = ""
    code: CodeRule | None = None
    uses: int = 1

    @property
    def campaign_id(self) -> str:
        return self.rule.campaign_id


@dataclass(frozen=True, slots=True)
class Usage:
    """What is taken from one campaign now (committed plus held), for the keys of one claim."""

    uses: int = 0
    discount: int = 0
    order_value: int = 0
    customer_uses: int = 0
    customer_day_uses: int = 0
    device_uses: int = 0
    code_uses: int = 0
    code_customer_uses: int = 0


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a counter store refused a claim."""

    campaign_id: str
    limit: Limit
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Headroom:
    """What a campaign may still give a cart: nothing (`exhausted` names the limit), or at most
    `discount_left` (None: unlimited)."""

    exhausted: Limit | None = None
    discount_left: int | None = None
    code_exhausted: Limit | None = None


def exhausted_limit(claim: Claim, usage: Usage) -> Limit | None:
    """Return the first limit `claim` would exceed on top of `usage`, or None if it fits."""
    rule = claim.rule
    checks: list[tuple[Limit, int | None, int, int]] = [
        (Limit.TOTAL_REDEMPTIONS, rule.total_redemptions, usage.uses, claim.uses),
        (Limit.BUDGET_DISCOUNT, rule.budget_discount, usage.discount, claim.discount),
        (Limit.BUDGET_ORDER_VALUE, rule.budget_order_value, usage.order_value, claim.order_value),
    ]
    if claim.customer_id is not None:
        checks.append((Limit.PER_CUSTOMER, rule.per_customer, usage.customer_uses, claim.uses))
        checks.append((Limit.PER_CUSTOMER_PER_DAY, rule.per_customer_per_day, usage.customer_day_uses, claim.uses))
    if claim.device_id is not None:
        checks.append((Limit.PER_DEVICE, rule.per_device, usage.device_uses, claim.uses))
    if claim.code is not None:
        checks.append((Limit.CODE_USES, claim.code.max_uses, usage.code_uses, claim.uses))
        if claim.code.once_per_customer and claim.customer_id is not None:
            checks.append((Limit.CODE_PER_CUSTOMER, 1, usage.code_customer_uses, claim.uses))
    for limit, ceiling, taken, wanted in checks:
        if ceiling is not None and taken + wanted > ceiling:
            return limit
    return None


def headroom(claim: Claim, usage: Usage) -> Headroom:
    """Return what the campaign may still give a cart, given what is taken (`claim` carries the cart's
    keys with no discount yet). A per-customer limit needs a known customer: an anonymous cart cannot be
    counted against it, so such a campaign is refused to anonymous carts."""
    rule = claim.rule
    probe = Claim(rule, 0, 0, claim.customer_id, claim.device_id, claim.day, claim.code, claim.uses)
    anonymous = (claim.customer_id is None and (rule.per_customer or rule.per_customer_per_day)) or (
        claim.device_id is None and rule.per_device
    )
    limit = exhausted_limit(probe, usage)
    if limit in (Limit.CODE_USES, Limit.CODE_PER_CUSTOMER):
        return Headroom(code_exhausted=limit)
    if limit is not None:
        return Headroom(exhausted=limit)
    if anonymous:
        return Headroom(exhausted=Limit.PER_CUSTOMER if claim.customer_id is None else Limit.PER_DEVICE)
    if rule.budget_discount is not None:
        left = rule.budget_discount - usage.discount
        if left <= 0:
            return Headroom(exhausted=Limit.BUDGET_DISCOUNT)
        return Headroom(discount_left=left)
    return Headroom()


@dataclass(frozen=True, slots=True)
class Taken:
    """One order's net taking from one campaign, as the ledger knows it: held until `expires_at` (unix
    seconds), or used for good when `expires_at` is None."""

    order_id: str
    claim: Claim
    expires_at: float | None = None
    returns: tuple[str, ...] = ()
    """The ids of the returns already given back from this taking (a rebuild remembers them, so that a
    give-back repeated after it counts once)."""


class LedgerReader(Protocol):
    """The port counter stores rebuild from: the ledger is the source of truth."""

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        """Return every order's net taking from the campaign: used ones, and holds not yet expired."""
        ...


class CounterStore(Protocol):
    """Atomic counters of campaign and code limits. Every operation is idempotent on its order id."""

    async def usage(self, claims: Sequence[Claim]) -> Mapping[str, Usage]:
        """Return what is taken, per campaign id, for the keys of each claim (amounts are ignored)."""
        ...

    async def reserve(self, order_id: str, claims: Sequence[Claim], *, ttl: float) -> Refusal | None:
        """Hold every claim for `ttl` seconds, all or nothing: campaign by campaign, each checking all its
        limits before writing anything; when one is refused, the holds already taken are released. A
        campaign the order holds already is not taken again, but its hold is made to last `ttl` from now."""
        ...

    async def commit(self, order_id: str, campaign_ids: Sequence[str]) -> list[str]:
        """Turn the order's holds into uses; return the campaign ids whose hold had expired (nothing was
        committed for those: reserve them again)."""
        ...

    async def release(self, order_id: str, campaign_ids: Sequence[str], *, ended_by: float | None = None) -> None:
        """Give the order's holds back (once; releasing again changes nothing). With `ended_by` (unix
        seconds; an expiry gives the end of the reservation that expired, with some slack) only a hold
        that ends by then, the store's own grace aside: a hold the order took again since (a late commit
        holding an expired reservation again) is the new reservation's, and stays."""
        ...

    async def give_back(self, order_id: str, return_id: str, claims: Sequence[Claim]) -> None:
        """Subtract these amounts from committed uses after a return (once per return id)."""
        ...

    async def resync(self, campaign_ids: Sequence[str]) -> None:
        """Make the counters of these campaigns equal to the ledger again (after a change the ledger took
        but the counters may have missed: the store was unreachable, or the process died in between)."""
        ...


@dataclass(frozen=True, slots=True)
class Attempt:
    """An attempt counted under a key as it starts: the attempts the key's window holds with it, and the
    token that takes it back."""

    count: int
    token: str


class AttemptLimiter(Protocol):
    """Counts failed coupon attempts per key (customer, client address) in a sliding window. An attempt is
    counted as it starts (`attempt`), so that attempts made at the same time see each other, and taken
    back (`forget`) when it turns out not to have failed."""

    async def failures(self, key: str, *, window: float) -> int: ...

    async def attempt(self, key: str, *, window: float) -> Attempt: ...

    async def forget(self, key: str, token: str) -> None: ...


class Counters(CounterStore, AttemptLimiter, Protocol):
    """A counter store that also counts failed coupon attempts (both backends are)."""


@dataclass(frozen=True, slots=True)
class LimitsView:
    """What EvaluateCart knows of the limits of one cart's campaigns and codes."""

    campaigns: Mapping[str, Headroom] = field(default_factory=dict)
    codes: Mapping[str, Limit] = field(default_factory=dict)


def claim_document(claim: Claim) -> dict[str, object]:
    """Return a claim as JSON-ready data (what the ledger stores)."""
    rule = claim.rule
    return {
        "campaign_id": rule.campaign_id,
        "rule": {
            "total_redemptions": rule.total_redemptions,
            "per_customer": rule.per_customer,
            "per_customer_per_day": rule.per_customer_per_day,
            "per_device": rule.per_device,
            "budget_discount": rule.budget_discount,
            "budget_order_value": rule.budget_order_value,
            "fail_open": rule.fail_open,
            "cap_partial_budget": rule.cap_partial_budget,
        },
        "uses": claim.uses,
        "discount": claim.discount,
        "order_value": claim.order_value,
        "customer_id": claim.customer_id,
        "device_id": claim.device_id,
        "day": claim.day,
        "code": None
        if claim.code is None
        else {
            "code": claim.code.code,
            "max_uses": claim.code.max_uses,
            "once_per_customer": claim.code.once_per_customer,
        },
    }


def claim_of(document: Mapping[str, object]) -> Claim:
    """Return the claim a `claim_document` describes."""
    rule = document["rule"]
    code = document.get("code")
    assert isinstance(rule, dict)
    return Claim(
        rule=LimitRule(campaign_id=str(document["campaign_id"]), **rule),
        uses=int(str(document["uses"])),
        discount=int(str(document["discount"])),
        order_value=int(str(document["order_value"])),
        customer_id=None if document["customer_id"] is None else str(document["customer_id"]),
        device_id=None if document["device_id"] is None else str(document["device_id"]),
        day=str(document["day"]),
        code=CodeRule(**code) if isinstance(code, dict) else None,
    )
