"""Pricing a return: the kept units are priced again under the campaign versions that priced the order;
what they no longer earn is taken off the refund, and the returned lines share the refund exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from math import prod

from domain.checkout.errors import InvalidReturn
from domain.checkout.orders import Order
from domain.documents import Cart, Policy, Result, parse_campaign
from domain.documents.catalog import CouponCodeSpec, ReturnsBudget
from domain.engine.snapshot import Snapshot
from domain.limits import Claim, Headroom, LimitsView
from domain.money import allocate, currency_of, from_minor, to_minor


@dataclass(frozen=True, slots=True)
class ReturnedLine:
    line_id: str
    quantity: int
    refund: Decimal


@dataclass(frozen=True, slots=True)
class PricedReturn:
    """A return priced: the refund per returned line (summing to `refund`), what each campaign claws
    back, the kept units' result, whether nothing is kept any more, and what goes back to the limits."""

    refund: Decimal
    lines: tuple[ReturnedLine, ...]
    clawback: Mapping[str, Decimal]
    kept: Result
    returned: Mapping[str, int]
    full: bool
    given_back: tuple[Claim, ...]


def price_return(
    order: Order, returned: Mapping[str, int], *, used: Sequence[Claim], restore: ReturnsBudget
) -> PricedReturn:
    """Return the priced return of `returned` units (line id -> quantity) of a committed order, given what
    the order still uses of each campaign (`used`) and the tenant's rule for giving budgets back."""
    cart = Cart.model_validate(order.cart)
    previous = Result.model_validate(order.kept_result or order.result)
    total_returned = _accumulate(cart, order.returned, returned)
    kept_cart = _kept(cart, total_returned, order)
    kept = _reprice(order, kept_cart, previous)
    currency = currency_of(cart.currency)
    paid_before = to_minor(previous.subtotal - previous.discount_total, currency=currency)
    paid_after = to_minor(kept.subtotal - kept.discount_total, currency=currency)
    # what the customer has paid for the items, less every refund so far: an earlier return whose refund
    # was held at 0.00 (the kept items lost a discount worth more than the returned ones) left the kept
    # items priced above what was paid for them, so the next refund is measured from the money, not that price
    items = Decimal(order.result["subtotal"]) - Decimal(order.result["discount_total"])
    paid = to_minor(items, currency=currency) - _refunded(order, currency.code)
    refund = max(0, paid - paid_after)
    shares = allocate(refund, weights=_paid_for(previous, returned, currency.code))
    lines = tuple(
        ReturnedLine(line_id, quantity, from_minor(share, currency=currency))
        for (line_id, quantity), share in zip(returned.items(), shares, strict=True)
    )
    clawback = {
        entry.campaign_id: max(Decimal(0), entry.discount - kept.discount_of(entry.campaign_id))
        for entry in previous.applied
    }
    full = not kept_cart.lines
    given_back = _given_back(
        used, clawback, paid_before - paid_after, full=full, restore=restore, currency=currency.code
    )
    return PricedReturn(
        refund=from_minor(refund, currency=currency),
        lines=lines,
        clawback=clawback,
        kept=kept,
        returned=total_returned,
        full=full,
        given_back=given_back,
    )


def _refunded(order: Order, currency: str) -> int:
    """Return what the order's returns so far refunded, in minor units."""
    money = currency_of(currency)
    return sum(to_minor(Decimal(entry["receipt"]["refund"]), currency=money) for entry in order.receipts.values())


def _paid_for(previous: Result, returned: Mapping[str, int], currency: str) -> list[int]:
    """Return weights proportional to what the returned units were paid (a line's total over its units);
    units that were free weigh by their count so the refund can still be shared."""
    money = currency_of(currency)
    scale = prod({max(1, previous.line(line_id).quantity) for line_id in returned})
    weights = [
        to_minor(previous.line(line_id).total, currency=money)
        * quantity
        * (scale // max(1, previous.line(line_id).quantity))
        for line_id, quantity in returned.items()
    ]
    return weights if any(weights) else list(returned.values())


def _accumulate(cart: Cart, before: Mapping[str, int], now: Mapping[str, int]) -> dict[str, int]:
    quantities = {line.id: line.quantity for line in cart.lines}
    total = dict(before)
    if not now:
        raise InvalidReturn("a return names at least one line")
    for line_id, quantity in now.items():
        if line_id not in quantities:
            raise InvalidReturn(f"line {line_id!r} is not in the order", line_id=line_id, field="/line_id")
        if quantity < 1:
            raise InvalidReturn(
                f"line {line_id!r}: a returned quantity is at least 1", line_id=line_id, field="/quantity"
            )
        left = quantities[line_id] - total.get(line_id, 0)
        if quantity > left:
            problem = f"line {line_id!r}: {quantity} returned but only {left} left to return"
            raise InvalidReturn(problem, line_id=line_id, field="/quantity")
        total[line_id] = total.get(line_id, 0) + quantity
    return total


def _kept(cart: Cart, returned: Mapping[str, int], order: Order) -> Cart:
    lines = [
        line.model_copy(update={"quantity": line.quantity - returned.get(line.id, 0)})
        for line in cart.lines
        if line.quantity > returned.get(line.id, 0)
    ]
    return cart.model_copy(update={"lines": lines, "now": order.priced_at})


def _reprice(order: Order, kept_cart: Cart, previous: Result) -> Result:
    """Price the kept units with the campaigns that priced the order (as they were then), never giving a
    campaign more than it gave before."""
    campaigns = [parse_campaign(document) for document in order.campaigns]
    live = {campaign.id for campaign in campaigns}
    codes = [
        CouponCodeSpec(code=code, campaign_id=campaign_id)
        for code, campaign_id in order.codes.items()
        if campaign_id in live
    ]
    currency = currency_of(kept_cart.currency)
    ceilings = LimitsView(
        campaigns={
            entry.campaign_id: Headroom(discount_left=to_minor(entry.discount, currency=currency))
            for entry in previous.applied
        }
    )
    snapshot = Snapshot.compile(campaigns, codes=codes)
    return snapshot.evaluate(kept_cart, Policy.model_validate(order.policy), limits=ceilings)


def _given_back(
    used: Sequence[Claim],
    clawback: Mapping[str, Decimal],
    returned_value: int,
    *,
    full: bool,
    restore: ReturnsBudget,
    currency: str,
) -> tuple[Claim, ...]:
    if restore is ReturnsBudget.NEVER:
        return ()
    if full:
        return tuple(used)
    if restore is ReturnsBudget.FULL_RETURN:
        return ()
    money = currency_of(currency)
    back: list[Claim] = []
    for claim in used:
        discount = min(claim.discount, to_minor(clawback.get(claim.campaign_id, Decimal(0)), currency=money))
        value = min(claim.order_value, max(0, returned_value))
        if discount or value:
            back.append(replace(claim, uses=0, discount=discount, order_value=value))
    return tuple(back)
