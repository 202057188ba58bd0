"""Codes a shopper's cart carries are coupon attempts too: guesses put in the cart's own coupons — of a
coupon attempt or of a cart preview — count as refused attempts before anything is priced, so the cart
cannot be used to try codes past the limit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.checkout.coupons import REFUSED
from domain.checkout.errors import TooManyAttempts
from tests.builders import campaign, cart
from tests.integration.checkout.conftest import Lifecycle

TEN = {"type": "PERCENTAGE", "value": "10"}
ADDRESS = "10.0.0.9"


def _coupons(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load(
        [
            campaign("welcome", TEN, kind="COUPON", codes=["WELCOME10"]),
            campaign("secret", TEN, kind="COUPON", codes=["SECRET77"]),
        ]
    )


async def _failures(lifecycle: Lifecycle, key: str) -> int:
    limiter: Any = lifecycle.counters
    return int(await limiter.failures(key, window=600))


async def test_guesses_beside_a_working_code_count_and_stop_at_the_limit(lifecycle: Lifecycle) -> None:
    """The attacker owns a working code and puts guesses in the cart's coupons: each guess counts, and a
    cart whose guesses would pass the limit is refused before its codes are looked at."""
    _coupons(lifecycle)
    box = lifecycle.coupon_box(max_failures=10)
    looked_at = 0
    for start in range(0, 60, 4):
        batch = [f"GUESS{index}" for index in range(start, start + 4)]
        try:
            attempt = await box.apply(cart("100.00", coupons=batch), "WELCOME10", client_address=ADDRESS)
        except TooManyAttempts:
            continue
        assert attempt.accepted
        looked_at += len(batch)

    assert looked_at == 8  # two carts of four guesses; a third would make 8 + 4 + the code tried > 10
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 8
    single = await box.apply(cart("100.00", coupons=["GUESS98"]), "WELCOME10", client_address=ADDRESS)
    assert single.accepted  # 8 + 1 + the code tried: within the limit, and the guess counted
    with pytest.raises(TooManyAttempts):
        await box.apply(cart("100.00", coupons=["GUESS99"]), "WELCOME10", client_address=ADDRESS)
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 9


async def test_a_cart_preview_counts_the_codes_no_campaign_has(lifecycle: Lifecycle) -> None:
    _coupons(lifecycle)
    box = lifecycle.coupon_box(max_failures=10)

    result, _ = await box.price(cart("100.00", coupons=["WELCOME10", "GUESS1", "GUESS2"]), client_address=ADDRESS)
    again, _ = await box.price(cart("100.00", coupons=["WELCOME10"]), client_address=ADDRESS)

    assert [entry.coupon for entry in result.applied] == ["WELCOME10"]
    assert [entry.coupon for entry in again.applied] == ["WELCOME10"]
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 2  # the guesses; a working code is no failure


async def test_a_locked_out_preview_looks_at_no_code_and_one_without_codes_is_priced(lifecycle: Lifecycle) -> None:
    _coupons(lifecycle)
    box = lifecycle.coupon_box(max_failures=3)
    await box.price(cart("100.00", coupons=["GUESS1", "GUESS2", "GUESS3"]), client_address=ADDRESS)

    with pytest.raises(TooManyAttempts):  # a known code would tell it exists: the cart is refused first
        await box.price(cart("100.00", coupons=["SECRET77"]), client_address=ADDRESS)
    plain, _ = await box.price(cart("100.00"), client_address=ADDRESS)

    assert str(plain.total) == "100.00"
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 3  # the refused preview took nothing


async def test_a_preview_with_known_codes_that_do_not_apply_is_no_failure(lifecycle: Lifecycle) -> None:
    """A shopper's accepted code that stops applying (the cart changed) is not a guess: editing the cart
    does not lock them out."""
    lifecycle.catalog.load([campaign("big", TEN, kind="COUPON", codes=["BIG"], condition={"min_order_total": "500"})])
    box = lifecycle.coupon_box(max_failures=2)

    for _ in range(5):
        result, _ = await box.price(cart("100.00", coupons=["BIG"]), client_address=ADDRESS)
        assert result.applied == []

    assert await _failures(lifecycle, f"address:{ADDRESS}") == 0


async def test_a_burst_of_previews_full_of_guesses_gets_no_more_guesses_than_the_limit(lifecycle: Lifecycle) -> None:
    _coupons(lifecycle)
    box = lifecycle.coupon_box(max_failures=10)

    answers = await asyncio.gather(
        *(
            box.price(cart("100.00", coupons=[f"G{index}A", f"G{index}B"]), client_address=ADDRESS)
            for index in range(20)
        ),
        return_exceptions=True,
    )

    priced = [answer for answer in answers if not isinstance(answer, BaseException)]
    assert all(isinstance(answer, TooManyAttempts) for answer in answers if isinstance(answer, BaseException))
    assert 2 * len(priced) <= 10
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 2 * len(priced)


async def test_a_refused_code_is_answered_with_the_one_message_and_its_cart_codes_counted(
    lifecycle: Lifecycle,
) -> None:
    _coupons(lifecycle)
    box = lifecycle.coupon_box(max_failures=10)

    attempt = await box.apply(cart("100.00", coupons=["GUESS1"]), "NOPE", client_address=ADDRESS)

    assert (attempt.accepted, attempt.message) == (False, REFUSED)
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 2  # the code tried and the guess in the cart


async def test_many_previews_at_once_of_a_cart_with_a_known_code_are_all_priced(lifecycle: Lifecycle) -> None:
    """Shoppers behind one address (a carrier's NAT) preview carts with a working code at the same moment:
    a known code counts nothing, so 50 previews at once are all priced; the limit still holds for guesses."""
    _coupons(lifecycle)
    box = lifecycle.coupon_box(max_failures=3)

    priced = await asyncio.gather(
        *(box.price(cart("100.00", coupons=["WELCOME10"]), client_address=ADDRESS) for _ in range(50))
    )
    for guess in ("GUESS1", "GUESS2", "GUESS3"):
        await box.price(cart("100.00", coupons=[guess]), client_address=ADDRESS)
    with pytest.raises(TooManyAttempts):
        await box.price(cart("100.00", coupons=["WELCOME10"]), client_address=ADDRESS)

    assert [result.discount_total for result, _ in priced] == [result.discount_total for result, _ in priced[:1]] * 50
    assert str(priced[0][0].discount_total) == "10.00"
    assert await _failures(lifecycle, f"address:{ADDRESS}") == 3
