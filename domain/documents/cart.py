"""The cart document (CONTRACT.md): currency, channel, customer, lines, shipping, coupons."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from domain.documents.campaign import Attributes, Tag, Tags
from domain.documents.common import (
    Count,
    CouponCode,
    CurrencyCode,
    Document,
    Identifier,
    Money,
    NonNegativeCount,
    PricingInstant,
)
from domain.errors import FieldError, FieldProblems
from domain.money import TooPrecise, currency_of, to_minor

MAX_LINES = 1000
MAX_UNITS = 10_000
MAX_COUPONS = 20


class Customer(Document):
    id: Annotated[str, Field(strict=True, min_length=1, max_length=200)] | None = None
    segments: Tags = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)
    orders_count: NonNegativeCount = 0
    total_spent: Money = Decimal("0")
    country: Annotated[str, Field(strict=True, max_length=2)] | None = None
    city: Annotated[str, Field(strict=True, max_length=100)] | None = None
    device_id: Annotated[str, Field(strict=True, max_length=200)] | None = None


class Line(Document):
    id: Identifier
    sku: Tag
    quantity: Annotated[Count, Field(le=MAX_UNITS)]
    unit_price: Money
    categories: Tags = Field(default_factory=list)
    brand: Tag | None = None
    collections: Tags = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)


class Shipping(Document):
    method: Annotated[str, Field(strict=True, max_length=100)] | None = None
    amount: Money


class Cart(Document):
    """What a customer is about to buy, priced as of `now` (default: the server's clock)."""

    currency: CurrencyCode
    channel: Annotated[str, Field(strict=True, min_length=1, max_length=100)] | None = None
    now: PricingInstant | None = None
    customer: Customer | None = None
    lines: Annotated[list[Line], Field(max_length=MAX_LINES)] = []
    shipping: Shipping | None = None
    coupons: Annotated[list[CouponCode], Field(max_length=MAX_COUPONS)] = []

    @field_validator("coupons")
    @classmethod
    def _once_each(cls, coupons: list[str]) -> list[str]:
        return list(dict.fromkeys(coupons))

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        problems = list(_cart_problems(self))
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def unit_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def _cart_problems(cart: Cart) -> Iterator[FieldError]:
    currency = currency_of(cart.currency)
    seen: set[str] = set()
    for index, line in enumerate(cart.lines):
        if line.id in seen:
            yield FieldError(f"/lines/{index}/id", f"line id {line.id!r} is used twice")
        seen.add(line.id)
        try:
            to_minor(line.unit_price, currency=currency)
        except TooPrecise as error:
            yield FieldError(f"/lines/{index}/unit_price", str(error))
    if cart.unit_count > MAX_UNITS:
        yield FieldError("/lines", f"a cart holds at most {MAX_UNITS} units, this one {cart.unit_count}")
    if cart.shipping is not None:
        try:
            to_minor(cart.shipping.amount, currency=currency)
        except TooPrecise as error:
            yield FieldError("/shipping/amount", str(error))
