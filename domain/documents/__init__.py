"""The public documents (CONTRACT.md) and their parsers, which name every offending field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from domain.documents.campaign import Campaign
from domain.documents.cart import Cart
from domain.documents.policy import DEFAULT_POLICY, Policy
from domain.documents.result import Result
from domain.errors import DocumentError, FieldError, field_errors, storable

__all__ = [
    "DEFAULT_POLICY",
    "Campaign",
    "Cart",
    "Policy",
    "Result",
    "parse_campaign",
    "parse_campaigns",
    "parse_cart",
    "parse_policy",
]

Model = TypeVar("Model", bound=BaseModel)

_CAMPAIGN_LIST: TypeAdapter[list[Campaign]] = TypeAdapter(list[Campaign])


def _parse(model: type[Model], data: Any, document: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise DocumentError(document, field_errors(error)) from None


def parse_campaign(data: Any) -> Campaign:
    """Return the validated campaign document or raise `DocumentError`. (Stored campaigns are read back with
    it, so it does not look for text no store can hold: that is checked where documents come in — the
    imports of `parse_campaigns`, the gateway's guard.)"""
    return _parse(Campaign, data, "campaign")


def parse_cart(data: Any) -> Cart:
    """Return the validated cart document or raise `DocumentError`."""
    return _parse(Cart, data, "cart")


def parse_policy(data: Any) -> Policy:
    """Return the validated policy document or raise `DocumentError` (text no store can hold included)."""
    return _parse(Policy, storable(data, "policy"), "policy")


def parse_campaigns(data: Any) -> list[Campaign]:
    """Return a validated list of campaigns (ids and codes unique across it, no text that no store can hold:
    imports come this way) or raise `DocumentError`."""
    try:
        campaigns = _CAMPAIGN_LIST.validate_python(storable(data, "campaigns"))
    except ValidationError as error:
        raise DocumentError("campaigns", field_errors(error)) from None
    duplicates = list(_duplicates(campaigns))
    if duplicates:
        raise DocumentError("campaigns", duplicates)
    return campaigns


def _duplicates(campaigns: list[Campaign]) -> Iterator[FieldError]:
    ids: dict[str, int] = {}
    codes: dict[str, str] = {}
    for index, campaign in enumerate(campaigns):
        if campaign.id in ids:
            yield FieldError(f"/{index}/id", f"campaign id {campaign.id!r} is also used by /{ids[campaign.id]}")
        ids.setdefault(campaign.id, index)
        for position, code in enumerate(campaign.codes):
            if code in codes and codes[code] != campaign.id:
                yield FieldError(f"/{index}/codes/{position}", f"code {code} already belongs to {codes[code]!r}")
            codes.setdefault(code, campaign.id)
