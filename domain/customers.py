"""Orders a customer placed, as the order statistics and dynamic segments count them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from domain.documents.campaign import Tags
from domain.documents.catalog import CustomerId
from domain.documents.common import AwareTimestamp, CurrencyCode, Document, Money
from domain.errors import FieldError, FieldProblems
from domain.money import TooPrecise, currency_of, to_minor

OrderId = Annotated[str, Field(strict=True, min_length=1, max_length=200)]


class PlacedOrder(Document):
    """An order placed (and paid): its total after discounts and the discount the campaigns gave."""

    order_id: OrderId
    customer_id: CustomerId
    currency: CurrencyCode
    total: Money
    discount: Money = Decimal(0)
    at: AwareTimestamp
    channel: Annotated[str, Field(strict=True, min_length=1, max_length=100)] | None = None
    campaign_ids: Tags = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_minor_units(self) -> Self:
        currency = currency_of(self.currency)
        problems = []
        for name in ("total", "discount"):
            try:
                to_minor(getattr(self, name), currency=currency)
            except TooPrecise as error:
                problems.append(FieldError(f"/{name}", str(error)))
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def total_minor(self) -> int:
        return to_minor(self.total, currency=currency_of(self.currency))

    @property
    def discount_minor(self) -> int:
        return to_minor(self.discount, currency=currency_of(self.currency))
