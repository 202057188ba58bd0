"""Small builders for test documents: a campaign from its benefit, a cart from unit prices."""

from __future__ import annotations

from typing import Any

from domain.documents import Campaign, Cart, Policy, parse_campaign, parse_cart, parse_policy

MONDAY_1300 = "2026-11-23T13:00:00+03:00"


def campaign(campaign_id: str, benefit: dict[str, Any], **fields: Any) -> Campaign:
    """Return a validated campaign with this benefit; other sections from keyword arguments."""
    return parse_campaign(
        {"id": campaign_id, "name": {"en": campaign_id, "tr": campaign_id}, "benefit": benefit, **fields}
    )


def cart(*prices: str, currency: str = "TRY", **fields: Any) -> Cart:
    """Return a cart with one line of one unit per price (lines l0, l1, … with skus S0, S1, …)."""
    lines = [
        {"id": f"l{index}", "sku": f"S{index}", "quantity": 1, "unit_price": price}
        for index, price in enumerate(prices)
    ]
    document: dict[str, Any] = {"currency": currency, "now": MONDAY_1300, "lines": lines}
    document.update(fields)
    return parse_cart(document)


def policy(**fields: Any) -> Policy:
    return parse_policy(fields)
