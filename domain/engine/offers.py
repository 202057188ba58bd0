"""Personalized offers: the live campaigns a customer is eligible for now, for the app's offers screen."""

from __future__ import annotations

from datetime import datetime

from domain.documents.campaign import Campaign
from domain.documents.cart import Cart, Customer
from domain.documents.common import LocalizedText
from domain.documents.offers import Offer
from domain.documents.policy import DEFAULT_POLICY, Policy
from domain.documents.result import Hint
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledCampaign
from domain.engine.eligibility import eligibility
from domain.engine.snapshot import Snapshot
from domain.reasons import SkipReason


def list_offers(
    snapshot: Snapshot,
    *,
    customer: Customer | None,
    currency: str,
    channel: str | None = None,
    language: str = "en",
    now: datetime | None = None,
    cart: Cart | None = None,
    policy: Policy = DEFAULT_POLICY,
    limit: int | None = None,
) -> list[Offer]:
    """Return the offers for a customer now, by priority (higher first) then id — the first `limit` of them
    when given (campaigns after those are not even looked at). Automatic campaigns are offered when the
    customer is eligible; coupon campaigns only with codes assigned to the customer. With a cart, each
    offer carries what the cart lacks to reach its thresholds."""
    probe = Cart(currency=currency, channel=channel, now=now, customer=customer)
    view = CartView(probe, now=now)
    codes = _assigned_codes(snapshot, customer, view.now)
    hints = _hints(snapshot, cart, policy, now) if cart is not None else {}
    offers: list[Offer] = []
    for campaign in snapshot.by_priority:
        if limit is not None and len(offers) >= limit:
            break
        skip = eligibility(campaign, view)
        if skip is not None and not (skip.reason is SkipReason.CODE_REQUIRED and campaign.id in codes):
            continue
        if campaign.coupon and campaign.id not in codes:
            continue
        offers.append(_offer(campaign, language, codes.get(campaign.id, []), hints.get(campaign.id)))
    return offers


def _assigned_codes(snapshot: Snapshot, customer: Customer | None, now: datetime) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    if customer is None or customer.id is None:
        return codes
    for entry in snapshot.codes.assigned_to(customer.id):
        if entry.usable_now(now):
            codes.setdefault(entry.campaign_id, []).append(entry.code)
    return codes


def _hints(snapshot: Snapshot, cart: Cart, policy: Policy, now: datetime | None) -> dict[str, Hint]:
    return {hint.campaign_id: hint for hint in snapshot.evaluate(cart, policy, now=now).hints}


def _offer(campaign: CompiledCampaign, language: str, codes: list[str], hint: Hint | None) -> Offer:
    document = campaign.doc
    chosen = pick_language(document.name, language)
    return Offer(
        campaign_id=document.id,
        name=document.name.get(chosen, ""),
        description=document.description.get(chosen) or next(iter(document.description.values()), ""),
        language=chosen,
        labels=list(document.labels),
        kind=document.kind,
        type=document.benefit.type,
        value=document.benefit.value,
        valid_from=campaign.schedule.starts_at,
        valid_until=campaign.schedule.ends_at,
        windows=_windows(document),
        codes=codes,
        min_quantity=document.condition.min_quantity,
        min_order_total=document.condition.min_order_total,
        hint=hint,
    )


def pick_language(texts: LocalizedText, wanted: str) -> str:
    """Return the language to show: the one asked for, its primary subtag ("tr" for "tr-TR"), English,
    or the first available."""
    primary = wanted.split("-", 1)[0]
    for candidate in (wanted, primary, "en"):
        if candidate in texts:
            return candidate
    return next(iter(texts), wanted)


def _windows(document: Campaign) -> list[str]:
    schedule = document.schedule
    return [f"{','.join(window.days)} {window.from_}-{window.to} {schedule.timezone}" for window in schedule.windows]
