"""Shared field types of the documents: money strings, identifiers, localized texts, closed enums."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from domain.money import CURRENCIES

MONEY_PATTERN = r"^\d{1,15}(\.\d{1,6})?$"
_MONEY = re.compile(MONEY_PATTERN)


class Document(BaseModel):
    """Base of every document: immutable, unknown fields refused."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )


def _money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite() or value < 0:
            raise ValueError("must be a non-negative decimal")
        return value
    if isinstance(value, str) and _MONEY.match(value):
        return Decimal(value)
    if isinstance(value, str):
        raise ValueError(f'must be a non-negative decimal string like "12.50", got {value!r}')
    raise ValueError(f'must be a decimal string like "12.50", not {type(value).__name__}')


MONEY_SCHEMA = {"type": "string", "pattern": MONEY_PATTERN, "examples": ["12.50"]}

Money = Annotated[Decimal, BeforeValidator(_money), WithJsonSchema(MONEY_SCHEMA)]
"""A non-negative amount given as a decimal string (\"12.50\")."""


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


PositiveMoney = Annotated[Money, AfterValidator(_positive)]


def _currency_code(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"unknown currency {value!r}; known: {', '.join(sorted(CURRENCIES))}")
    return value


CurrencyCode = Annotated[str, AfterValidator(_currency_code), Field(strict=True, examples=["TRY"])]

Identifier = Annotated[
    str, Field(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$", examples=["buy5pay4-shirts"])
]
"""Ids of campaigns and lines: letters, digits and `_ . : -`, at most 100 characters."""

Name = Annotated[str, Field(strict=True, min_length=1, max_length=200)]
Count = Annotated[int, Field(strict=True, ge=1)]
NonNegativeCount = Annotated[int, Field(strict=True, ge=0)]

LanguageTag = Annotated[str, Field(strict=True, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
LocalizedText = dict[LanguageTag, Annotated[str, Field(strict=True, max_length=2000)]]


def _code(value: str) -> str:
    normalized = normalize_code(value)
    if not normalized or len(normalized) > 64 or any(char.isspace() for char in normalized):
        raise ValueError("a coupon code has 1 to 64 characters and no spaces")
    return normalized


def normalize_code(value: str) -> str:
    """Return the canonical form of a coupon code: trimmed and upper-case (codes are case-insensitive)."""
    return value.strip().upper()


CouponCode = Annotated[str, Field(strict=True), AfterValidator(_code)]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {value!r}") from error
    return value


TimeZoneName = Annotated[str, Field(strict=True, examples=["Europe/Istanbul"]), AfterValidator(_zone)]


def _timestamp(value: Any) -> Any:
    if isinstance(value, (str, datetime)):
        return value
    raise ValueError("must be an ISO 8601 date-time string")


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
"""An ISO 8601 date-time; without an offset it is local time in the campaign's time zone."""

AwareTimestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp)]
"""An ISO 8601 date-time with a UTC offset."""


def _in_calendar(value: datetime) -> datetime:
    if not 2 <= value.year <= 9998:
        raise ValueError("an instant from the year 2 to the year 9998 (every time zone's day of it is a date)")
    return value


PricingInstant = Annotated[AwareTimestamp, AfterValidator(_in_calendar)]
"""The instant a cart is priced as of: a date-time with a UTC offset whose day is a date in every time
zone (the tenant's day of it counts per-day limits)."""


ClockTime = Annotated[str, Field(strict=True, pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", examples=["12:00"])]
"""A local wall-clock time "HH:MM"; "24:00" is the end of the day."""


def clock_minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class Weekday(StrEnum):
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


class Kind(StrEnum):
    AUTOMATIC = "AUTOMATIC"
    COUPON = "COUPON"


class Status(StrEnum):
    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    SCHEDULED = "SCHEDULED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"
    ARCHIVED = "ARCHIVED"


class BenefitType(StrEnum):
    PERCENTAGE = "PERCENTAGE"
    AMOUNT = "AMOUNT"
    FREE_UNITS = "FREE_UNITS"
    FIXED_PRICE = "FIXED_PRICE"
    FREE_SHIPPING = "FREE_SHIPPING"
    GIFT = "GIFT"


class Calculation(StrEnum):
    DEFAULT = "DEFAULT"
    BUY_X_GET_Y = "BUY_X_GET_Y"
    STEP = "STEP"


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class AmountMode(StrEnum):
    ORDER = "ORDER"
    PER_UNIT = "PER_UNIT"
    PER_LINE = "PER_LINE"


class FailMode(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"


class PartialBudget(StrEnum):
    """When a money budget is only partly enough: CAP the discount to what is left, or SKIP the campaign."""

    CAP = "CAP"
    SKIP = "SKIP"


class Stacking(StrEnum):
    STACK = "STACK"
    SINGLE = "SINGLE"
    BEST = "BEST"
