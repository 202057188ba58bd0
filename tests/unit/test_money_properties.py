"""Properties of exact money: allocation, rounding, minor units, splitting."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.money import (
    DECIMAL_ROUNDING,
    Currency,
    RoundingMode,
    TooPrecise,
    allocate,
    currency_of,
    from_minor,
    plain_text,
    quantize,
    round_div,
    split_decimal,
    to_minor,
)

PLACES = {"JPY": 0, "TRY": 2, "KWD": 3}

currencies = st.sampled_from(sorted(PLACES)).map(currency_of)
roundings = st.sampled_from(list(RoundingMode))
weights_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)
totals = st.integers(min_value=0, max_value=10**9)


@st.composite
def allocations_within_caps(draw: st.DrawFn) -> tuple[int, list[int], list[int]]:
    """Return (total, weights, caps) where the caps can hold the total."""
    weights = draw(weights_lists)
    caps = draw(st.lists(st.integers(min_value=0, max_value=10**6), min_size=len(weights), max_size=len(weights)))
    total = draw(st.integers(min_value=0, max_value=sum(caps)))
    return total, weights, caps


def exponent_of(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent


# allocate


@settings(max_examples=300, deadline=None)
@given(total=totals, weights=weights_lists)
def test_allocated_shares_sum_exactly_to_the_total_and_none_is_negative(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights=weights)

    assert len(shares) == len(weights)
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)


@settings(max_examples=300, deadline=None)
@given(allocation=allocations_within_caps())
def test_allocated_shares_never_exceed_their_caps(allocation: tuple[int, list[int], list[int]]) -> None:
    total, weights, caps = allocation

    shares = allocate(total, weights=weights, caps=caps)

    assert sum(shares) == total
    assert all(0 <= share <= cap for share, cap in zip(shares, caps, strict=True))


@settings(max_examples=300, deadline=None)
@given(total=totals, weights=weights_lists, slack=st.lists(st.integers(min_value=0, max_value=5), max_size=12))
def test_each_share_is_within_one_minor_unit_of_its_exact_proportion_when_caps_do_not_bind(
    total: int, weights: list[int], slack: list[int]
) -> None:
    weight_sum = sum(weights)
    assume(weight_sum > 0)
    ceilings = [-(-total * weight // weight_sum) for weight in weights]
    caps = [ceiling + extra for ceiling, extra in zip(ceilings, slack + [0] * len(weights), strict=False)]

    for shares in (allocate(total, weights=weights), allocate(total, weights=weights, caps=caps)):
        assert sum(shares) == total
        for share, weight in zip(shares, weights, strict=True):
            # |share - total * weight / weight_sum| < 1, in integers
            assert abs(share * weight_sum - total * weight) < weight_sum


@settings(max_examples=200, deadline=None)
@given(allocation=allocations_within_caps())
def test_allocation_is_deterministic(allocation: tuple[int, list[int], list[int]]) -> None:
    total, weights, caps = allocation

    assert allocate(total, weights=weights, caps=caps) == allocate(total, weights=list(weights), caps=list(caps))
    assert allocate(total, weights=weights) == allocate(total, weights=list(weights))


@settings(max_examples=200, deadline=None)
@given(
    weights=weights_lists,
    caps_and_excess=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).flatmap(
        lambda caps: st.tuples(st.just(caps), st.integers(min_value=1, max_value=10**6))
    ),
)
def test_allocation_refuses_a_total_the_caps_cannot_hold(
    weights: list[int], caps_and_excess: tuple[list[int], int]
) -> None:
    caps, excess = caps_and_excess
    weights = (weights * len(caps))[: len(caps)]

    with pytest.raises(ValueError, match="cannot allocate"):
        allocate(sum(caps) + excess, weights=weights, caps=caps)


# round_div


@settings(max_examples=500, deadline=None)
@given(
    numerator=st.integers(min_value=-(10**18), max_value=10**18),
    denominator=st.integers(min_value=1, max_value=10**6),
    rounding=roundings,
)
def test_round_div_equals_decimal_division_quantized_with_the_same_mode(
    numerator: int, denominator: int, rounding: RoundingMode
) -> None:
    with localcontext() as context:
        context.prec = 200
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=DECIMAL_ROUNDING[rounding])

    assert round_div(numerator, denominator, rounding=rounding) == int(expected)


@settings(max_examples=200, deadline=None)
@given(
    half=st.integers(min_value=-(10**6), max_value=10**6),
    denominator=st.integers(min_value=1, max_value=1000).map(lambda d: 2 * d),
    rounding=roundings,
)
def test_round_div_breaks_exact_halves_by_the_mode(half: int, denominator: int, rounding: RoundingMode) -> None:
    numerator = half * denominator + (denominator // 2 if half >= 0 else -(denominator // 2))
    # numerator / denominator = half ± 0.5 exactly
    away = half + (1 if half >= 0 else -1)
    expected = {
        RoundingMode.HALF_UP: away,
        RoundingMode.HALF_EVEN: half if half % 2 == 0 else away,
        RoundingMode.DOWN: half,
    }[rounding]

    assert round_div(numerator, denominator, rounding=rounding) == expected


@given(numerator=st.integers(), denominator=st.integers(max_value=0), rounding=roundings)
def test_round_div_refuses_a_denominator_that_is_not_positive(
    numerator: int, denominator: int, rounding: RoundingMode
) -> None:
    with pytest.raises(ValueError, match="denominator"):
        round_div(numerator, denominator, rounding=rounding)


# to_minor / from_minor


@settings(max_examples=300, deadline=None)
@given(units=st.integers(min_value=-(10**18), max_value=10**18), currency=currencies)
def test_from_minor_has_exactly_the_currency_places_and_round_trips(units: int, currency: Currency) -> None:
    amount = from_minor(units, currency=currency)

    assert exponent_of(amount) == -PLACES[currency.code]
    assert amount == Decimal(units) / (10 ** PLACES[currency.code])
    assert to_minor(amount, currency=currency) == units


@settings(max_examples=300, deadline=None)
@given(
    units=st.integers(min_value=0, max_value=10**15),
    trailing_zeros=st.integers(min_value=0, max_value=3),
    currency=currencies,
)
def test_an_amount_that_fits_the_minor_unit_round_trips_through_minor_units(
    units: int, trailing_zeros: int, currency: Currency
) -> None:
    places = PLACES[currency.code]
    written = Decimal(units * 10**trailing_zeros).scaleb(-(places + trailing_zeros))  # e.g. 12.5000 for TRY

    minor = to_minor(written, currency=currency)

    assert minor == units
    assert from_minor(minor, currency=currency) == written


@settings(max_examples=300, deadline=None)
@given(
    coefficient=st.integers(min_value=-(10**12), max_value=10**12).filter(lambda n: n % 10 != 0),
    extra_places=st.integers(min_value=1, max_value=4),
    currency=currencies,
)
def test_to_minor_refuses_an_amount_with_more_places_than_the_currency(
    coefficient: int, extra_places: int, currency: Currency
) -> None:
    amount = Decimal(coefficient).scaleb(-(PLACES[currency.code] + extra_places))

    with pytest.raises(TooPrecise):
        to_minor(amount, currency=currency)


# quantize


@settings(max_examples=300, deadline=None)
@given(
    coefficient=st.integers(min_value=-(10**15), max_value=10**15),
    places=st.integers(min_value=0, max_value=6),
    currency=currencies,
    rounding=roundings,
)
def test_quantize_agrees_with_the_rounding_mode(
    coefficient: int, places: int, currency: Currency, rounding: RoundingMode
) -> None:
    amount = Decimal(coefficient).scaleb(-places)
    currency_places = PLACES[currency.code]

    rounded = quantize(amount, currency=currency, rounding=rounding)

    assert exponent_of(rounded) == -currency_places
    if places <= currency_places:
        assert rounded == amount
    else:
        step = 10 ** (places - currency_places)
        expected = round_div(coefficient, step, rounding=rounding)
        assert rounded == from_minor(expected, currency=currency)
    minor = Decimal(1).scaleb(-currency_places)
    assert abs(rounded - amount) < minor
    if rounding is RoundingMode.DOWN:
        assert abs(rounded) <= abs(amount)
    else:
        assert 2 * abs(rounded - amount) <= minor
    assert quantize(rounded, currency=currency, rounding=rounding) == rounded


# split_decimal


@settings(max_examples=300, deadline=None)
@given(
    total_coefficient=st.integers(min_value=0, max_value=10**12),
    total_places=st.integers(min_value=0, max_value=5),
    weights=st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=4)).map(
            lambda pair: Decimal(pair[0]).scaleb(-pair[1])
        ),
        min_size=1,
        max_size=10,
    ),
    currency=currencies,
    rounding=roundings,
)
def test_split_decimal_parts_sum_exactly_to_the_rounded_total(
    total_coefficient: int,
    total_places: int,
    weights: list[Decimal],
    currency: Currency,
    rounding: RoundingMode,
) -> None:
    total = Decimal(total_coefficient).scaleb(-total_places)
    rounded_total = quantize(total, currency=currency, rounding=rounding)

    parts = split_decimal(total, weights=weights, currency=currency, rounding=rounding)

    assert len(parts) == len(weights)
    assert sum(parts, Decimal(0)) == rounded_total
    assert all(part >= 0 for part in parts)
    assert all(exponent_of(part) == -PLACES[currency.code] for part in parts)
    weight_sum = sum(weights, Decimal(0))
    if weight_sum > 0:
        minor = Decimal(1).scaleb(-PLACES[currency.code])
        with localcontext() as context:
            context.prec = 100
            for part, weight in zip(parts, weights, strict=True):
                assert abs(part - rounded_total * weight / weight_sum) < minor


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_money_as_text_is_positional_notation_of_exactly_the_amount(amount: Decimal) -> None:
    text = plain_text(amount)
    assert text == format(amount, "f")
    assert "E" not in text
    assert Decimal(text) == amount


def test_money_as_text_keeps_the_places_and_writes_no_exponent() -> None:
    assert [plain_text(Decimal(text)) for text in ("12.50", "100", "-0.05", "1E+3", "0E-2", "1E-9")] == [
        "12.50",
        "100",
        "-0.05",
        "1000",
        "0.00",
        "0.000000001",
    ]
