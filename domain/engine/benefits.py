"""Apply one eligible campaign to the running prices: thresholds, receiving units, rounding.

Everything here is in integer minor units. An exact discount is a list of (unit, numerator) over one
common denominator; `_settle` rounds it once per line (or allocates a capped total) into minor units.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Final

from domain.documents.common import AmountMode, BenefitType, Calculation
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledCampaign
from domain.engine.eligibility import Skip
from domain.engine.state import Application, PricingState
from domain.money import RoundingMode, allocate, from_minor, round_div
from domain.reasons import SkipReason

Exact = list[tuple[int, int]]
_NOTHING: frozenset[int] = frozenset()


def apply_campaign(
    campaign: CompiledCampaign,
    state: PricingState,
    view: CartView,
    *,
    phase_subtotal: int,
    rounding: RoundingMode,
    coupon: str | None = None,
    budget: Budget | None = None,
) -> Application | Skip:
    """Return what the campaign does to `state`, or why it does nothing (with near-miss figures). With a
    `budget` (what is left of the campaign's money budget), a larger discount is capped to it or the
    campaign is skipped, as the campaign says."""
    targets = view.units_matching(campaign.target)
    qualifying = view.units_matching(campaign.qualifying) if campaign.qualifying else targets
    if not qualifying:
        what = "qualifying target (condition.target)" if campaign.qualifying else "target"
        return Skip(SkipReason.NO_TARGET_UNITS, f"no unit in the cart matches the {what}")
    pool: Sequence[int] = targets
    qualifying_pool: Sequence[int] = qualifying
    if campaign.quantity_benefit and state.consumed:
        consumed = state.consumed
        pool = [unit for unit in targets if unit not in consumed]
        qualifying_pool = [unit for unit in qualifying if unit not in consumed] if campaign.qualifying else pool
    skip = _threshold_skip(campaign, view, len(qualifying), len(qualifying_pool), phase_subtotal)
    if skip is not None:
        return skip
    if not pool and campaign.phase not in (BenefitType.FREE_SHIPPING, BenefitType.GIFT):
        return Skip(
            SkipReason.NO_TARGET_UNITS if not targets else SkipReason.UNITS_CONSUMED,
            "the qualifying units are there; add a target unit to receive the benefit"
            if not targets
            else "every target unit was used by earlier quantity benefits",
            missing_quantity=(campaign.receive or 1) if not targets else None,
        )
    outcome = _benefit(campaign, state, view, pool, qualifying_pool, phase_subtotal, rounding)
    if isinstance(outcome, Skip):
        return outcome
    shares, consumed_units, shipping, gifts, applications, note = outcome
    if not shares and not shipping and not gifts:
        return Skip(SkipReason.NO_BENEFIT, note or "the receiving units are already free")
    if budget is not None and sum(amount for _, amount in shares) + shipping > budget.left:
        if not budget.cap:
            money = view.currency
            return Skip(
                SkipReason.LIMIT_REACHED,
                f"only {from_minor(budget.left, currency=money)} of the discount budget is left",
            )
        shares, shipping = _within(shares, shipping, budget.left)
        note = (note + "; " if note else "") + "capped to the budget left"
    return Application(
        campaign,
        tuple(shares),
        frozenset(consumed_units) if campaign.quantity_benefit else _NOTHING,
        shipping_discount=shipping,
        gift_quantity=gifts,
        applications=applications,
        coupon=coupon,
        note=note,
    )


class Budget:
    """What is left of a campaign's money budget, and whether a larger discount is capped to it."""

    __slots__ = ("cap", "left")

    def __init__(self, left: int, *, cap: bool) -> None:
        self.left: Final = left
        self.cap: Final = cap


def _within(shares: list[tuple[int, int]], shipping: int, left: int) -> tuple[list[tuple[int, int]], int]:
    """Return the shares and shipping discount scaled down to `left` in total (largest remainder)."""
    amounts = [amount for _, amount in shares] + [shipping]
    scaled = allocate(left, weights=amounts, caps=amounts)
    kept = [(unit, share) for (unit, _), share in zip(shares, scaled, strict=False) if share]
    return kept, scaled[-1]


def _threshold_skip(
    campaign: CompiledCampaign, view: CartView, present: int, available: int, subtotal: int
) -> Skip | None:
    needed = campaign.required
    floor = campaign.min_total_minor[view.currency.exponent] if campaign.min_total_minor else 0
    missing_amount = floor - subtotal if subtotal < floor else None
    if available < needed:
        if present >= needed:
            return Skip(
                SkipReason.UNITS_CONSUMED,
                f"{present - available} of the {present} target units were used by earlier quantity benefits",
            )
        return Skip(
            SkipReason.MIN_QUANTITY,
            f"needs {needed} target units, the cart has {available}",
            missing_quantity=needed - available,
            missing_amount=missing_amount,
        )
    if missing_amount is not None:
        money = view.currency
        return Skip(
            SkipReason.MIN_ORDER_TOTAL,
            f"needs a subtotal of {from_minor(floor, currency=money)}, "
            f"the cart has {from_minor(subtotal, currency=money)}",
            missing_amount=missing_amount,
        )
    return None


Outcome = tuple[list[tuple[int, int]], list[int], int, int, int, str]


def _benefit(
    campaign: CompiledCampaign,
    state: PricingState,
    view: CartView,
    pool: Sequence[int],
    qualifying_pool: Sequence[int],
    subtotal: int,
    rounding: RoundingMode,
) -> Outcome | Skip:
    kind = campaign.phase
    nets = state.nets
    if kind is BenefitType.FREE_SHIPPING:
        return _free_shipping(campaign, state, view, rounding)
    if kind is BenefitType.GIFT:
        times = _threshold_multiple(campaign, len(qualifying_pool), subtotal, view)
        return [], [], 0, campaign.gift_quantity * times, times, f"gift x{campaign.gift_quantity * times}"
    if kind is BenefitType.FIXED_PRICE:
        return _bundles(campaign, nets, pool, view)
    if campaign.calculation is Calculation.BUY_X_GET_Y or (
        kind is BenefitType.FREE_UNITS and campaign.qualifying is not None
    ):
        grouped = _groups(campaign, nets, pool, qualifying_pool)
        if isinstance(grouped, Skip):
            return grouped
        receivers, qualifiers, groups = grouped
        note = f"{groups} group(s): {len(receivers)} receiving, {len(qualifiers)} qualifying unit(s)"
        return _receive(campaign, nets, receivers, view, rounding), receivers + qualifiers, 0, 0, groups, note
    if campaign.calculation is Calculation.STEP:
        receivers, consumed = _steps(campaign, nets, pool)
        note = f"{len(receivers)} step(s) of {campaign.step}"
        return _receive(campaign, nets, receivers, view, rounding), consumed, 0, 0, len(receivers), note
    if kind is BenefitType.FREE_UNITS:
        receivers, consumed = _free_units(campaign, nets, pool)
        return _settle(campaign, [(u, nets[u]) for u in receivers], 1, view, nets, rounding), consumed, 0, 0, 1, ""
    receivers = [unit for unit in pool if nets[unit] > 0]
    if campaign.max_units is not None and len(receivers) > campaign.max_units:
        receivers = _benefit_order(receivers, nets, descending=campaign.descending)[: campaign.max_units]
        receivers.sort()
    if kind is BenefitType.PERCENTAGE:
        return _receive(campaign, nets, receivers, view, rounding), [], 0, 0, 1, ""
    return _amount(campaign, nets, receivers, view, rounding, len(qualifying_pool), subtotal)


def _benefit_order(units: Sequence[int], nets: Sequence[int], *, descending: bool) -> list[int]:
    """Return units in the order they receive a benefit: cheapest first (ASC) or dearest first (DESC);
    ties by line, then unit."""
    if descending:
        return sorted(units, key=lambda unit: (-nets[unit], unit))
    return sorted(units, key=lambda unit: (nets[unit], unit))


def _limit(campaign: CompiledCampaign, possible: int, per_application: int, *, whole: bool = False) -> int:
    """Return how many groups/steps/bundles apply: one unless repeatable, within the caps. `max_units`
    allows a last partial group unless groups must be `whole` (bundles)."""
    count = possible if campaign.repeatable else min(possible, 1)
    if campaign.max_applications is not None:
        count = min(count, campaign.max_applications)
    if campaign.max_units is not None:
        units = campaign.max_units
        count = min(count, units // per_application if whole else -(-units // per_application))
    return count


def _groups(
    campaign: CompiledCampaign, nets: Sequence[int], pool: Sequence[int], qualifying_pool: Sequence[int]
) -> tuple[list[int], list[int], int] | Skip:
    size, receive = campaign.min_quantity or 1, campaign.receive
    order = _benefit_order(pool, nets, descending=campaign.descending)
    if campaign.qualifying is None:
        groups = _limit(campaign, len(order) // size, receive)
        qualifiers = order[len(order) - (size - receive) * groups :] if size > receive else []
        receivers = order[: receive * groups]
    else:
        receivers, qualifiers, groups = _separate_groups(campaign, order, qualifying_pool, nets)
        if not groups:
            return Skip(
                SkipReason.NO_TARGET_UNITS,
                f"the qualifying units are there; add {receive} target unit(s) to receive the benefit",
                missing_quantity=receive,
            )
    if campaign.max_units is not None:
        receivers = receivers[: campaign.max_units]
    return receivers, qualifiers, groups


def _separate_groups(
    campaign: CompiledCampaign, receiving_order: list[int], qualifying_pool: Sequence[int], nets: Sequence[int]
) -> tuple[list[int], list[int], int]:
    size, receive = campaign.min_quantity or 1, campaign.receive
    qualifying_order = _benefit_order(qualifying_pool, nets, descending=campaign.descending)[::-1]
    limit = _limit(campaign, len(receiving_order), receive)
    used: set[int] = set()
    receivers: list[int] = []
    qualifiers: list[int] = []
    groups = 0
    while groups < limit:
        taking = [unit for unit in receiving_order if unit not in used][:receive]
        paying = [unit for unit in qualifying_order if unit not in used and unit not in taking][:size]
        if len(taking) < receive or len(paying) < size:
            break
        used.update(taking, paying)
        receivers.extend(taking)
        qualifiers.extend(paying)
        groups += 1
    return receivers, qualifiers, groups


def _steps(campaign: CompiledCampaign, nets: Sequence[int], pool: Sequence[int]) -> tuple[list[int], list[int]]:
    step = campaign.step
    order = _benefit_order(pool, nets, descending=not campaign.descending)
    steps = _limit(campaign, len(order) // step, 1)
    receivers = [order[position * step - 1] for position in range(1, steps + 1)]
    return receivers, order[: steps * step]


def _free_units(campaign: CompiledCampaign, nets: Sequence[int], pool: Sequence[int]) -> tuple[list[int], list[int]]:
    order = _benefit_order(pool, nets, descending=campaign.descending)
    count = campaign.receive if campaign.max_units is None else min(campaign.receive, campaign.max_units)
    receivers = order[:count]
    payers = max(0, (campaign.min_quantity or 0) - len(receivers))
    return receivers, receivers + (order[len(order) - payers :] if payers else [])


def _bundles(campaign: CompiledCampaign, nets: Sequence[int], pool: Sequence[int], view: CartView) -> Outcome:
    size = campaign.bundle_size
    price = campaign.value_minor[view.currency.exponent] if campaign.value_minor else 0
    order = _benefit_order(pool, nets, descending=campaign.descending)
    shares: list[tuple[int, int]] = []
    consumed: list[int] = []
    bundles = 0
    for number in range(_limit(campaign, len(order) // size, size, whole=True)):
        units = order[number * size : (number + 1) * size]
        weights = [nets[unit] for unit in units]
        worth = sum(weights)
        if worth <= price:
            continue
        shares.extend(zip(units, allocate(worth - price, weights=weights, caps=weights), strict=True))
        consumed.extend(units)
        bundles += 1
    if not bundles:
        note = f"{size} units already cost no more than the bundle price {from_minor(price, currency=view.currency)}"
        return [], [], 0, 0, 0, note
    capped = _settle(campaign, shares, 1, view, nets, RoundingMode.DOWN)
    return capped, consumed, 0, 0, bundles, f"{bundles} bundle(s) of {size}"


def _receive(
    campaign: CompiledCampaign,
    nets: Sequence[int],
    receivers: list[int],
    view: CartView,
    rounding: RoundingMode,
) -> list[tuple[int, int]]:
    kind = campaign.phase
    if kind is BenefitType.FREE_UNITS:
        return _settle(campaign, [(unit, nets[unit]) for unit in receivers], 1, view, nets, rounding)
    if kind is BenefitType.PERCENTAGE:
        numerator, denominator = campaign.percent
        exact = [(unit, nets[unit] * numerator) for unit in receivers]
        return _settle(campaign, exact, denominator * 100, view, nets, rounding)
    value = campaign.value_minor[view.currency.exponent] if campaign.value_minor else 0
    return _settle(campaign, [(unit, min(value, nets[unit])) for unit in receivers], 1, view, nets, rounding)


def _amount(
    campaign: CompiledCampaign,
    nets: Sequence[int],
    receivers: list[int],
    view: CartView,
    rounding: RoundingMode,
    count: int,
    subtotal: int,
) -> Outcome:
    value = campaign.value_minor[view.currency.exponent] if campaign.value_minor else 0
    mode = campaign.amount_mode
    if mode is AmountMode.PER_UNIT:
        return _receive(campaign, nets, receivers, view, rounding), [], 0, 0, 1, ""
    if mode is AmountMode.PER_LINE:
        shares: list[tuple[int, int]] = []
        for _, units in groupby(receivers, key=view.unit_line.__getitem__):
            members = list(units)
            weights = [nets[unit] for unit in members]
            amount = min(value, sum(weights))
            shares.extend(zip(members, allocate(amount, weights=weights, caps=weights), strict=True))
        return _settle(campaign, shares, 1, view, nets, rounding), [], 0, 0, 1, ""
    times = _threshold_multiple(campaign, count, subtotal, view)
    weights = [nets[unit] for unit in receivers]
    amount = min(value * times, sum(weights))
    shares = list(zip(receivers, allocate(amount, weights=weights, caps=weights), strict=True))
    note = f"{times} x {from_minor(value, currency=view.currency)}" if times > 1 else ""
    return _settle(campaign, shares, 1, view, nets, rounding), [], 0, 0, times, note


def _threshold_multiple(campaign: CompiledCampaign, count: int, subtotal: int, view: CartView) -> int:
    """Return how many times a repeatable ORDER amount or gift is earned (1 if not repeatable)."""
    if not campaign.repeatable:
        return 1
    multiples: list[int] = []
    if campaign.min_quantity:
        multiples.append(count // campaign.min_quantity)
    floor = campaign.min_total_minor[view.currency.exponent] if campaign.min_total_minor else 0
    if floor > 0:
        multiples.append(subtotal // floor)
    times = min(multiples, default=1)
    if campaign.max_applications is not None:
        times = min(times, campaign.max_applications)
    return max(times, 1)


def _free_shipping(
    campaign: CompiledCampaign, state: PricingState, view: CartView, rounding: RoundingMode
) -> Outcome | Skip:
    if view.shipping == 0:
        return Skip(SkipReason.NO_BENEFIT, "the cart has no shipping charge")
    if state.shipping == 0:
        return Skip(SkipReason.NO_BENEFIT, "shipping is already free")
    numerator, denominator = campaign.percent
    amount = round_div(state.shipping * numerator, denominator * 100, rounding=rounding)
    cap = campaign.max_discount_minor[view.currency.exponent] if campaign.max_discount_minor else None
    if cap is not None:
        amount = min(amount, cap)
    return [], [], min(amount, state.shipping), 0, 1, ""


def _settle(
    campaign: CompiledCampaign,
    exact: Exact,
    denominator: int,
    view: CartView,
    nets: Sequence[int],
    rounding: RoundingMode,
) -> list[tuple[int, int]]:
    """Round exact unit discounts to minor units: once per line, or as one capped total (`max_discount`)
    allocated by largest remainder. No unit goes below zero; the result drops zero shares."""
    if not exact:
        return []
    cap = campaign.max_discount_minor[view.currency.exponent] if campaign.max_discount_minor else None
    if cap is not None and sum(numerator for _, numerator in exact) > cap * denominator:
        units = [unit for unit, _ in exact]
        weights = [numerator for _, numerator in exact]
        shares = allocate(cap, weights=weights, caps=[nets[unit] for unit in units])
        return [(unit, share) for unit, share in zip(units, shares, strict=True) if share]
    if denominator == 1:
        return [(unit, share) for unit, share in exact if share]
    by_line: dict[int, list[tuple[int, int]]] = {}
    unit_line = view.unit_line
    for pair in exact:
        line = unit_line[pair[0]]
        members = by_line.get(line)
        if members is None:
            by_line[line] = [pair]
        else:
            members.append(pair)
    settled: list[tuple[int, int]] = []
    for line in sorted(by_line):
        pairs = by_line[line]
        line_amount = round_div(sum(numerator for _, numerator in pairs), denominator, rounding=rounding)
        if not line_amount:
            continue
        if len(pairs) == 1:
            settled.append((pairs[0][0], line_amount))
            continue
        pairs.sort()
        units = [unit for unit, _ in pairs]
        shares = allocate(line_amount, weights=[numerator for _, numerator in pairs], caps=[nets[u] for u in units])
        settled.extend((unit, share) for unit, share in zip(units, shares, strict=True) if share)
    return settled
