"""Stacking policies: which eligible campaigns apply together, and in what order.

`STACK` applies every campaign in phase order (an exclusive one that applies stands alone). `SINGLE`
takes the first campaign that applies by priority, phase, id. `BEST` picks the combination that gives
the customer the most: an exact depth-first search over subsets when at most `BEST_EXACT_LIMIT`
campaigns apply on their own; above that, the exact search runs over the `BEST_EXACT_LIMIT` campaigns
worth the most alone, and each remaining campaign is then added greedily if it raises the total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

from domain.documents.common import BenefitType, Stacking
from domain.documents.policy import Policy
from domain.engine.benefits import Budget, apply_campaign
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledCampaign
from domain.engine.eligibility import Skip
from domain.engine.state import Application, PricingState
from domain.engine.trace import Trace
from domain.money import from_minor
from domain.reasons import SkipReason

BEST_EXACT_LIMIT = 12

OrderKey = Callable[[CompiledCampaign], tuple[int, int, str]]


class Priced:
    """The outcome of a policy: applications in order, the final state, and every skip."""

    __slots__ = ("applications", "skips", "state")

    def __init__(
        self,
        applications: list[Application],
        state: PricingState,
        skips: dict[CompiledCampaign, Skip] | None = None,
    ) -> None:
        self.applications: Final = applications
        self.state: Final = state
        self.skips: Final[dict[CompiledCampaign, Skip]] = {} if skips is None else skips


class Run:
    """One evaluation context shared by the strategies."""

    __slots__ = ("budgets", "coupons", "order_key", "policy", "rounding", "start", "trace", "view")

    def __init__(
        self,
        *,
        view: CartView,
        policy: Policy,
        coupons: Mapping[CompiledCampaign, str | None],
        trace: Trace,
        start: PricingState,
        order_key: OrderKey,
        budgets: Mapping[CompiledCampaign, Budget] | None = None,
    ) -> None:
        self.view: Final = view
        self.policy: Final = policy
        self.rounding: Final = policy.rounding
        self.coupons: Final = coupons
        self.trace: Final = trace
        self.start: Final = start
        self.order_key: Final = order_key
        self.budgets: Final[Mapping[CompiledCampaign, Budget]] = budgets or {}

    def apply(self, campaign: CompiledCampaign, state: PricingState, phase_subtotal: int) -> Application | Skip:
        """Return what the campaign does to `state`, its thresholds judged on `phase_subtotal`."""
        return apply_campaign(
            campaign,
            state,
            self.view,
            phase_subtotal=phase_subtotal,
            rounding=self.rounding,
            coupon=self.coupons.get(campaign),
            budget=self.budgets.get(campaign),
        )

    def alone(self, campaign: CompiledCampaign) -> Application | Skip:
        """Return what the campaign does to the untouched cart."""
        return self.apply(campaign, self.start, self.start.subtotal)

    def sequence(self, campaigns: Sequence[CompiledCampaign]) -> Priced:
        """Apply campaigns (already in application order) one after another, phase by phase."""
        state = self.start
        applications: list[Application] = []
        skips: dict[CompiledCampaign, Skip] = {}
        phase = None
        phase_subtotal = 0
        for campaign in campaigns:
            if campaign.phase is not phase:
                phase, phase_subtotal = campaign.phase, state.subtotal
            outcome = self.apply(campaign, state, phase_subtotal)
            self._note(campaign, outcome)
            if isinstance(outcome, Skip):
                skips[campaign] = outcome
            else:
                applications.append(outcome)
                state = state.after(outcome)
        return Priced(applications, state, skips)

    def _note(self, campaign: CompiledCampaign, outcome: Application | Skip) -> None:
        if not self.trace.enabled:
            return
        if isinstance(outcome, Skip):
            self.trace.add("apply", f"skipped: {outcome.reason} ({outcome.detail})", campaign.id)
            return
        discount = str(from_minor(outcome.discount, currency=self.view.currency))
        note = f", {outcome.note}" if outcome.note else ""
        self.trace.add(
            "apply",
            f"applied {campaign.phase}: {discount} off{note}",
            campaign.id,
            discount=discount,
            units=len(outcome.shares),
            consumed=len(outcome.consumed),
        )


def choose(run: Run, eligible: Sequence[CompiledCampaign]) -> Priced:
    """Return the policy's choice among eligible campaigns (given in application order)."""
    stacking = run.policy.stacking
    if stacking is Stacking.SINGLE:
        return _single(run, eligible)
    if stacking is Stacking.BEST:
        return _best(run, eligible)
    return _stack(run, eligible)


def _by_priority(campaign: CompiledCampaign) -> tuple[int, str]:
    return (-campaign.priority, campaign.id)


def _stack(run: Run, eligible: Sequence[CompiledCampaign]) -> Priced:
    exclusive = sorted((c for c in eligible if c.exclusive), key=_by_priority)
    skips: dict[CompiledCampaign, Skip] = {}
    for campaign in exclusive:
        outcome = run.alone(campaign)
        if isinstance(outcome, Skip):
            skips[campaign] = outcome
            continue
        if run.trace.enabled:
            run.trace.add("policy", "STACK: an exclusive campaign applies and stands alone", campaign.id)
        conflict = Skip(SkipReason.EXCLUSIVE_CONFLICT, f"exclusive campaign {campaign.id} applied")
        for other in eligible:
            if other is not campaign and other not in skips:
                alone = run.alone(other)
                skips[other] = alone if isinstance(alone, Skip) else conflict
        return Priced([outcome], run.start.after(outcome), skips)
    priced = run.sequence([c for c in eligible if not c.exclusive])
    priced.skips.update(skips)
    return priced


def _single(run: Run, eligible: Sequence[CompiledCampaign]) -> Priced:
    order = sorted(eligible, key=lambda c: (-c.priority, run.order_key(c)[0], c.id))
    skips: dict[CompiledCampaign, Skip] = {}
    chosen: Application | None = None
    for campaign in order:
        outcome = run.alone(campaign)
        if isinstance(outcome, Skip):
            skips[campaign] = outcome
        elif chosen is None:
            chosen = outcome
            if run.trace.enabled:
                run.trace.add("policy", "SINGLE: the first campaign that applies by priority, phase, id", campaign.id)
        else:
            skips[campaign] = Skip(SkipReason.NOT_SELECTED, f"SINGLE policy: {chosen.campaign.id} applies instead")
    if chosen is None:
        return Priced([], run.start, skips)
    return Priced([chosen], run.start.after(chosen), skips)


def _value(priced: Priced) -> tuple[int, int, int]:
    """Rank a combination: more discount, then more gift units, then fewer campaigns."""
    applications = priced.applications
    return (
        sum(app.discount for app in applications),
        sum(app.gift_quantity for app in applications),
        -len(applications),
    )


def _best(run: Run, eligible: Sequence[CompiledCampaign]) -> Priced:
    skips: dict[CompiledCampaign, Skip] = {}
    alone: dict[CompiledCampaign, Application] = {}
    for campaign in eligible:
        outcome = run.alone(campaign)
        if isinstance(outcome, Skip):
            skips[campaign] = outcome
        else:
            alone[campaign] = outcome
    applicable = [c for c in eligible if c in alone]
    options: list[Priced] = [
        Priced([alone[c]], run.start.after(alone[c])) for c in sorted(applicable, key=_by_priority) if c.exclusive
    ]
    shared = [c for c in applicable if not c.exclusive]
    if shared:
        options.append(_best_combination(run, shared, alone))
    if not options:
        return Priced([], run.start, skips)
    best = options[0]
    for option in options[1:]:
        if _value(option) > _value(best):
            best = option
    chosen = {app.campaign for app in best.applications}
    winner_exclusive = next((app.campaign for app in best.applications if app.campaign.exclusive), None)
    for campaign in applicable:
        if campaign not in chosen:
            skips[campaign] = (
                Skip(SkipReason.EXCLUSIVE_CONFLICT, f"exclusive campaign {winner_exclusive.id} gives more")
                if winner_exclusive is not None
                else Skip(SkipReason.NOT_SELECTED, "BEST policy: a combination without it gives more")
            )
    if run.trace.enabled:
        run.trace.add(
            "policy",
            f"BEST: {len(applicable)} campaign(s) apply alone; chose {sorted(c.id for c in chosen)}",
            applicable=len(applicable),
            exact=len(shared) <= BEST_EXACT_LIMIT,
        )
    best.skips.update(skips)
    return best


def _best_combination(
    run: Run, campaigns: Sequence[CompiledCampaign], alone: Mapping[CompiledCampaign, Application]
) -> Priced:
    if len(campaigns) <= BEST_EXACT_LIMIT:
        return _Search(run, campaigns, alone).best()
    ranked = sorted(campaigns, key=lambda c: (-alone[c].discount, run.order_key(c)))
    core = sorted(ranked[:BEST_EXACT_LIMIT], key=run.order_key)
    best = _Search(run, core, alone).best()
    chosen = [app.campaign for app in best.applications]
    for campaign in ranked[BEST_EXACT_LIMIT:]:
        trial = run.sequence(sorted([*chosen, campaign], key=run.order_key))
        if _value(trial) > _value(best):
            best, chosen = trial, [app.campaign for app in trial.applications]
    return Priced(best.applications, best.state)


def upper_bound(campaign: CompiledCampaign, run: Run, alone: Application) -> int:
    """Return the most the campaign can give in any state reachable from the untouched cart.

    Prices only fall as campaigns apply, so a campaign whose discount only grows with the prices
    (percentages and amounts over all their target units, shipping) gives at most what it gives alone. A
    quantity benefit or an ASC `max_units` may move to dearer units once cheaper ones are taken, so its
    bound is what its target units cost."""
    if campaign.phase is BenefitType.GIFT:
        return 0
    if campaign.phase is BenefitType.FREE_SHIPPING:
        return alone.discount
    moves = campaign.quantity_benefit or (campaign.max_units is not None and not campaign.descending)
    if not moves:
        return alone.discount
    nets = run.start.nets
    worth = sum(nets[unit] for unit in run.view.units_matching(campaign.target))
    cap = campaign.max_discount_minor[run.view.currency.exponent] if campaign.max_discount_minor else None
    return worth if cap is None else min(worth, cap)


class _Search:
    """Exact search over every subset, depth-first in application order (common prefixes are priced
    once), pruning a branch when even the most its remaining campaigns could give would not beat the best
    combination found so far."""

    def __init__(
        self, run: Run, campaigns: Sequence[CompiledCampaign], alone: Mapping[CompiledCampaign, Application]
    ) -> None:
        self.run = run
        self.campaigns = campaigns
        self.taken: list[Application] = []
        self.found = Priced([], run.start)
        self.found_value = _value(self.found)
        bounds = [upper_bound(campaign, run, alone[campaign]) for campaign in campaigns]
        self.remaining = [sum(bounds[index:]) for index in range(len(campaigns) + 1)]

    def best(self) -> Priced:
        self.visit(0, self.run.start, self.run.start.subtotal, 0)
        return self.found

    def visit(self, index: int, state: PricingState, phase_subtotal: int, gained: int) -> None:
        campaigns = self.campaigns
        if index == len(campaigns):
            value = (gained, sum(app.gift_quantity for app in self.taken), -len(self.taken))
            if value > self.found_value:
                self.found, self.found_value = Priced(list(self.taken), state), value
            return
        if gained + min(self.remaining[index], state.subtotal + state.shipping) < self.found_value[0]:
            return
        campaign = campaigns[index]
        if index == 0 or campaigns[index - 1].phase is not campaign.phase:
            phase_subtotal = state.subtotal
        outcome = self.run.apply(campaign, state, phase_subtotal)
        if not isinstance(outcome, Skip):
            self.taken.append(outcome)
            self.visit(index + 1, state.after(outcome), phase_subtotal, gained + outcome.discount)
            self.taken.pop()
        self.visit(index + 1, state, phase_subtotal, gained)
