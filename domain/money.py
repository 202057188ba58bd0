"""Exact money: currencies with their minor units, rounding modes, largest-remainder allocation.

The engine computes in integer minor units (kuruş, cents, fils); documents carry `Decimal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum


class RoundingMode(StrEnum):
    HALF_UP = "HALF_UP"
    HALF_EVEN = "HALF_EVEN"
    DOWN = "DOWN"


DECIMAL_ROUNDING = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.DOWN: ROUND_DOWN,
}


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int

    @property
    def minor_per_major(self) -> int:
        return int(10**self.exponent)


# ISO 4217 minor units of the currencies Kampanya accepts.
CURRENCIES: dict[str, Currency] = {
    code: Currency(code, exponent)
    for code, exponent in {
        "TRY": 2,
        "USD": 2,
        "EUR": 2,
        "GBP": 2,
        "CHF": 2,
        "SEK": 2,
        "NOK": 2,
        "DKK": 2,
        "PLN": 2,
        "CZK": 2,
        "HUF": 2,
        "RON": 2,
        "BGN": 2,
        "AED": 2,
        "SAR": 2,
        "QAR": 2,
        "EGP": 2,
        "AZN": 2,
        "GEL": 2,
        "RUB": 2,
        "UAH": 2,
        "CAD": 2,
        "AUD": 2,
        "NZD": 2,
        "CNY": 2,
        "INR": 2,
        "BRL": 2,
        "MXN": 2,
        "ZAR": 2,
        "SGD": 2,
        "HKD": 2,
        "JPY": 0,
        "KRW": 0,
        "CLP": 0,
        "ISK": 0,
        "VND": 0,
        "KWD": 3,
        "BHD": 3,
        "OMR": 3,
        "JOD": 3,
        "TND": 3,
        "LYD": 3,
        "IQD": 3,
    }.items()
}


class UnknownCurrency(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency {code!r}; known: {', '.join(sorted(CURRENCIES))}")
        self.code = code


class TooPrecise(ValueError):
    def __init__(self, amount: Decimal, currency: Currency) -> None:
        super().__init__(
            f"{amount} has more than {currency.exponent} decimal places, the minor unit of {currency.code}"
        )


def currency_of(code: str) -> Currency:
    """Return the currency with this ISO 4217 code, or raise `UnknownCurrency`."""
    found = CURRENCIES.get(code)
    if found is None:
        raise UnknownCurrency(code)
    return found


def plain_text(amount: Decimal) -> str:
    """Return the amount as text in positional notation ("12.50", "100", "-0.05"), as documents carry money:
    what `format(amount, "f")` gives, in a fraction of its time (`str` unless that needs an exponent)."""
    text = str(amount)
    return text if "E" not in text else format(amount, "f")


def decimal_places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int), "only finite decimals are money"
    return max(0, -exponent)


def to_minor(amount: Decimal, *, currency: Currency) -> int:
    """Return `amount` in minor units; raise `TooPrecise` if it does not fit them exactly."""
    scaled = amount.scaleb(currency.exponent)
    if scaled != scaled.to_integral_value():
        raise TooPrecise(amount, currency)
    return int(scaled)


def from_minor(units: int, *, currency: Currency) -> Decimal:
    """Return minor units as a `Decimal` with exactly the currency's decimal places."""
    return Decimal(units).scaleb(-currency.exponent)


def quantize(amount: Decimal, *, currency: Currency, rounding: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    """Return `amount` rounded to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-currency.exponent), rounding=DECIMAL_ROUNDING[rounding])


def round_div(numerator: int, denominator: int, *, rounding: RoundingMode) -> int:
    """Return numerator / denominator rounded to an integer with the given mode (halves away from zero
    for HALF_UP, to even for HALF_EVEN; DOWN truncates towards zero)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if rounding is RoundingMode.DOWN or remainder == 0:
        return sign * quotient
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and (rounding is RoundingMode.HALF_UP or quotient % 2 == 1)):
        quotient += 1
    return sign * quotient


def allocate(total: int, *, weights: Sequence[int], caps: Sequence[int] | None = None) -> list[int]:
    """Split `total` minor units over `weights` by the largest-remainder method.

    The shares sum exactly to `total`; no share exceeds its cap. Remainders are handed out largest
    first, ties to the earlier position. With all weights zero the split follows the caps (or is even).
    """
    count = len(weights)
    if total < 0 or any(weight < 0 for weight in weights):
        raise ValueError("allocate works on non-negative amounts")
    limits = list(caps) if caps is not None else None
    if limits is not None and sum(limits) < total:
        raise ValueError(f"cannot allocate {total} within caps summing to {sum(limits)}")
    if count == 0:
        if total:
            raise ValueError("cannot allocate a non-zero total over nothing")
        return []
    even = _even_split(total, weights, limits)
    if even is not None:
        return even
    basis = list(weights)
    if sum(basis) == 0:
        basis = list(limits) if limits is not None and sum(limits) > 0 else [1] * count
    weight_sum = sum(basis)
    shares: list[int] = []
    remainders: list[int] = []
    for index, weight in enumerate(basis):
        share, remainder = divmod(total * weight, weight_sum)
        if limits is not None and share > limits[index]:
            share, remainder = limits[index], 0
        shares.append(share)
        remainders.append(remainder)
    left = total - sum(shares)
    order = sorted(range(count), key=lambda position: (-remainders[position], position))
    while left > 0:
        for position in order:
            if left == 0:
                break
            if limits is None or shares[position] < limits[position]:
                shares[position] += 1
                left -= 1
    return shares


def _even_split(total: int, weights: Sequence[int], caps: Sequence[int] | None) -> list[int] | None:
    """Return the largest-remainder split when all weights are equal and positive (every remainder ties,
    so the earlier positions get the extra minor units), or None when it does not apply."""
    first = weights[0]
    if first <= 0 or any(weight != first for weight in weights):
        return None
    share, extra = divmod(total, len(weights))
    shares = [share + 1] * extra + [share] * (len(weights) - extra)
    if caps is not None and any(part > cap for part, cap in zip(shares, caps, strict=True)):
        return None
    return shares


def split_decimal(
    total: Decimal, *, weights: Sequence[Decimal], currency: Currency, rounding: RoundingMode = RoundingMode.HALF_UP
) -> list[Decimal]:
    """Return `total` (rounded to the minor unit) split over `weights` so the parts sum to it exactly."""
    minor_total = to_minor(quantize(total, currency=currency, rounding=rounding), currency=currency)
    scale = max((decimal_places(weight) for weight in weights), default=0)
    integral_weights = [int(weight.scaleb(scale)) for weight in weights]
    return [from_minor(share, currency=currency) for share in allocate(minor_total, weights=integral_weights)]
