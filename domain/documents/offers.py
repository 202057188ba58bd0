"""The offer document: a campaign offered to a customer (ListOffers, the storefront's offers)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.documents.common import BenefitType, Document, Kind
from domain.documents.result import Hint


class Offer(Document):
    """A campaign offered to a customer, with texts in one language."""

    campaign_id: str
    name: str
    description: str
    language: str
    labels: list[str]
    kind: Kind
    type: BenefitType
    value: Decimal | None
    valid_from: datetime | None
    valid_until: datetime | None
    windows: list[str]
    codes: list[str]
    min_quantity: int | None
    min_order_total: Decimal | None
    hint: Hint | None
