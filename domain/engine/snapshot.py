"""The compiled snapshot: a set of campaigns indexed once, so pricing a cart costs what the cart and its
matching campaigns cost, not what the number of live campaigns does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from domain.documents.campaign import Campaign
from domain.documents.cart import Cart
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import BenefitType
from domain.documents.policy import DEFAULT_POLICY, Policy
from domain.documents.result import Result
from domain.engine.benefits import Budget
from domain.engine.cart_view import CartView
from domain.engine.codes import EMPTY_CODES, CodeTable
from domain.engine.compiled import CompiledCampaign, LineKey
from domain.engine.eligibility import Skip, coupon_of, eligibility
from domain.engine.receipt import build_result
from domain.engine.stacking import Run, choose
from domain.engine.state import PricingState
from domain.engine.trace import Trace
from domain.limits import LimitsView, limit_detail
from domain.reasons import SkipReason


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """Immutable: campaigns by id; an index from line keys (sku, category, brand, collection, attribute)
    to the campaigns targeting them; cart-wide campaigns apart; the live coupon codes."""

    campaigns: Mapping[str, CompiledCampaign]
    by_key: Mapping[LineKey, tuple[CompiledCampaign, ...]]
    cart_wide: tuple[CompiledCampaign, ...]
    codes: CodeTable
    version: int = 0
    limited: bool = False
    """Whether any campaign or managed code has a limit (if not, pricing never reads the counters)."""
    by_priority: tuple[CompiledCampaign, ...] = ()
    """Every campaign by priority (higher first), then id: the order offers are listed in."""

    @classmethod
    def compile(
        cls, campaigns: Iterable[Campaign], *, codes: Iterable[CouponCodeSpec] = (), version: int = 0
    ) -> Snapshot:
        """Return a snapshot of these (validated) campaigns and the managed codes of them."""
        compiled = {campaign.id: CompiledCampaign(campaign) for campaign in campaigns}
        return cls.of_compiled(compiled, EMPTY_CODES.with_changes(codes, live=compiled), version=version)

    @classmethod
    def of_compiled(cls, campaigns: Mapping[str, CompiledCampaign], codes: CodeTable, *, version: int = 0) -> Snapshot:
        by_key: defaultdict[LineKey, list[CompiledCampaign]] = defaultdict(list)
        cart_wide: list[CompiledCampaign] = []
        for campaign in sorted(campaigns.values(), key=lambda c: c.id):
            if campaign.index_keys is not None:
                for key in campaign.index_keys:
                    by_key[key].append(campaign)
            elif not campaign.coupon:
                cart_wide.append(campaign)
        return cls(
            campaigns=MappingProxyType(dict(campaigns)),
            by_key=MappingProxyType({key: tuple(found) for key, found in by_key.items()}),
            cart_wide=tuple(cart_wide),
            codes=codes.for_campaigns(campaigns),
            version=version,
            limited=any(campaign.limits.counted for campaign in campaigns.values())
            or any(entry.max_uses is not None or entry.once_per_customer for entry in codes.managed.values()),
            by_priority=tuple(sorted(campaigns.values(), key=lambda c: (-c.priority, c.id))),
        )

    def with_changes(
        self,
        *,
        upserts: Iterable[Campaign] = (),
        removed: Iterable[str] = (),
        codes: Iterable[CouponCodeSpec] = (),
        version: int | None = None,
    ) -> Snapshot:
        """Return a new snapshot with some campaigns replaced, added or removed and some managed codes
        changed; every other compiled campaign and code is reused as it is."""
        compiled = dict(self.campaigns)
        gone = set(removed)
        for campaign_id in gone:
            compiled.pop(campaign_id, None)
        for campaign in upserts:
            compiled[campaign.id] = CompiledCampaign(campaign)
        table = self.codes.without_campaigns(gone).with_changes(codes, live=compiled)
        return Snapshot.of_compiled(compiled, table, version=self.version if version is None else version)

    def __len__(self) -> int:
        return len(self.campaigns)

    def candidates(self, view: CartView) -> set[CompiledCampaign]:
        """Return the campaigns that may concern this cart: targeting one of its lines, cart-wide, or
        owning one of its coupon codes."""
        found = set(self.cart_wide)
        by_key = self.by_key
        for key in view.keys:
            matched = by_key.get(key)
            if matched:
                found.update(matched)
        campaigns = self.campaigns
        for owner in view.valid_codes.values():
            campaign = campaigns.get(owner)
            if campaign is not None:
                found.add(campaign)
        return found

    def evaluate(
        self,
        cart: Cart,
        policy: Policy = DEFAULT_POLICY,
        *,
        explain: bool = False,
        now: datetime | None = None,
        limits: LimitsView | None = None,
    ) -> Result:
        """Return the priced cart. `now` is used when the cart does not carry its own; `limits` says which
        campaigns and codes are used up and what is left of money budgets (read from the counters)."""
        headroom = limits.campaigns if limits is not None else {}
        view = CartView(
            cart, now=now, codes=self.codes, used_up_codes=dict(limits.codes) if limits is not None else None
        )
        trace = Trace(enabled=explain)
        ranks = _phase_ranks(policy)

        def order_key(campaign: CompiledCampaign) -> tuple[int, int, str]:
            return (ranks[campaign.phase], -campaign.priority, campaign.id)

        candidates = sorted(self.candidates(view), key=order_key)
        if explain:
            trace.add(
                "candidates",
                f"{len(candidates)} of {len(self)} live campaigns concern this cart",
                candidates=len(candidates),
                live=len(self),
                cart_wide=len(self.cart_wide),
            )
        eligible: list[CompiledCampaign] = []
        coupons: dict[CompiledCampaign, str | None] = {}
        skips: dict[CompiledCampaign, Skip] = {}
        budgets: dict[CompiledCampaign, Budget] = {}
        for campaign in candidates:
            skip = eligibility(campaign, view)
            room = headroom.get(campaign.id) if headroom else None
            if skip is None and room is not None:
                if room.exhausted is not None:
                    skip = Skip(SkipReason.LIMIT_REACHED, limit_detail(room.exhausted))
                elif room.discount_left is not None:
                    budgets[campaign] = Budget(room.discount_left, cap=campaign.cap_partial_budget)
            if skip is not None:
                skips[campaign] = skip
                if explain:
                    trace.add("eligibility", f"not eligible: {skip.reason} ({skip.detail})", campaign.id)
                continue
            eligible.append(campaign)
            if campaign.coupon:
                coupons[campaign] = coupon_of(campaign, view)
        run = Run(
            view=view,
            policy=policy,
            coupons=coupons,
            trace=trace,
            start=PricingState.start(view.unit_price, view.shipping),
            order_key=order_key,
            budgets=budgets,
        )
        priced = choose(run, eligible)
        priced.skips.update(skips)
        return build_result(view, priced, candidates, trace)


_RANKS: dict[tuple[str, ...], dict[BenefitType, int]] = {}


def _phase_ranks(policy: Policy) -> dict[BenefitType, int]:
    key = tuple(policy.phase_order)
    found = _RANKS.get(key)
    if found is None:
        found = _RANKS[key] = policy.phase_rank()
    return found


def evaluate(
    campaigns: Iterable[Campaign],
    cart: Cart,
    policy: Policy = DEFAULT_POLICY,
    *,
    explain: bool = False,
    now: datetime | None = None,
) -> Result:
    """Return the priced cart for a one-off set of campaigns (compiles a snapshot on the way)."""
    return Snapshot.compile(campaigns).evaluate(cart, policy, explain=explain, now=now)
