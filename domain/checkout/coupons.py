"""The storefront's coupon box: a code tried on a cart gets one answer whatever made it fail, and failed
attempts are counted per customer and per client address in the counter store, so codes cannot be
guessed by trying them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Protocol, TypeVar

from domain.checkout.errors import TooManyAttempts
from domain.documents import Cart, Result, parse_cart
from domain.documents.common import normalize_code
from domain.documents.result import RejectedCoupon
from domain.limits import AttemptLimiter, CountersUnavailable
from domain.reasons import CouponReason, SkipReason

T = TypeVar("T")

REFUSED = "This code cannot be used on this cart."
"""The one sentence every refused code gets (unknown, expired, used up, not applicable alike)."""

GONE = "This offer is no longer available."
"""What a shopper reads of a campaign whose limit or budget is used up (not which limit, nor what is left)."""

SHOPPER_SKIPS = frozenset(
    {
        SkipReason.NO_TARGET_UNITS,
        SkipReason.MIN_QUANTITY,
        SkipReason.UNITS_CONSUMED,
        SkipReason.MIN_ORDER_TOTAL,
        SkipReason.NO_BENEFIT,
        SkipReason.EXCLUSIVE_CONFLICT,
        SkipReason.NOT_SELECTED,
        SkipReason.LIMIT_REACHED,
    }
)
"""The skips a shopper sees: what the cart itself lacks or what the campaigns left to each other. Not the
campaigns the shopper is not eligible for (another audience, channel or currency, not started, ended, out
of hours, a code needed): those are not the shopper's to know of (a segment's name, next week's sale)."""


class Pricer(Protocol):
    async def price(self, cart: Cart, *, explain: bool = False) -> tuple[Result, int]: ...


@dataclass(frozen=True, slots=True)
class CouponAttempt:
    """The cart priced with the code (accepted) or without it (refused, with the one generic message)."""

    accepted: bool
    result: Result
    message: str
    catalog_version: int


class CouponBox:
    """Tries codes on carts for shoppers; at most `max_failures` refused codes per `window` seconds for
    one customer and for one client address."""

    def __init__(
        self,
        pricer: Pricer,
        limiter: AttemptLimiter,
        *,
        known: Callable[[str], bool],
        max_failures: int = 10,
        window: float = 600.0,
    ) -> None:
        self._pricer = pricer
        self._limiter = limiter
        self._known = known
        self._max_failures = max_failures
        self._window = window

    async def price(self, cart: Cart, *, client_address: str) -> tuple[Result, int]:
        """Price a shopper's cart (the storefront's cart preview): its codes are attempts (`with_codes`);
        the result is what a shopper sees of it (`shopper_result`)."""
        result, version = await self.with_codes(cart, client_address, lambda: self._pricer.price(cart))
        return shopper_result(result), version

    async def with_codes(self, cart: Cart, client_address: str, work: Callable[[], Awaitable[T]]) -> T:
        """Return what `work` makes of a shopper's cart (a price, offers with hints: anything its codes
        change) with the cart's codes counted as attempts as in `apply`. A code no live campaign has is a
        refused attempt, counted before `work` starts; with a key over its limit a cart with any code raises
        TooManyAttempts before a code is looked at (so the cart cannot be used to try codes past the limit).
        A cart without codes is never counted."""
        if not cart.coupons:
            return await work()
        guesses = self._unknown(cart.coupons)
        if not guesses:
            # a cart of known codes counts nothing (previews of one cart from many shoppers behind one
            # address run at once): it only looks whether a key has used up its failures
            for key in attempt_keys(cart, client_address):
                if await self._limiter.failures(key, window=self._window) >= self._max_failures:
                    raise TooManyAttempts(self._window)
            return await work()
        async with self._attempts(cart, client_address, count=guesses) as attempts:  # the guesses are attempts
            done = await work()
            attempts.keep = guesses
            return done

    async def apply(self, cart: Cart, code: str, *, client_address: str) -> CouponAttempt:
        """Return the attempt's answer; raise TooManyAttempts once a key used up its failures (the code is
        not even looked at then) and CountersUnavailable when failures cannot be counted.

        The attempt is counted under each key before the code is looked at and taken back unless it fails:
        attempts made at the same time count each other, so a burst of them gets no more than the limit.
        Codes the cart already carries that no live campaign has are refused attempts too (they would be
        tried with the code)."""
        guesses = self._unknown(cart.coupons)
        async with self._attempts(cart, client_address, count=1 + guesses) as attempts:
            document = cart.model_dump(mode="json")
            document["coupons"] = [*cart.coupons, code]
            with_code = parse_cart(document)
            result, version = await self._pricer.price(with_code)
            wanted = normalize_code(code)
            if any(entry.coupon == wanted for entry in result.applied):
                attempts.keep = guesses
                return CouponAttempt(True, shopper_result(result), "", version)
            attempts.keep = 1 + guesses
            without, version = await self._pricer.price(cart)
            return CouponAttempt(False, shopper_result(without), REFUSED, version)

    def _unknown(self, codes: Sequence[str]) -> int:
        return sum(1 for code in codes if not self._known(code))

    @asynccontextmanager
    async def _attempts(self, cart: Cart, client_address: str, *, count: int) -> AsyncIterator[_Attempts]:
        """Count `count` attempts of this call under each key before any code is looked at; raise
        TooManyAttempts if a key is then over its limit.
        When it ends, each key keeps as many of them as the body says failed (`keep`) and the rest are taken
        back (refused for too many attempts, or stopped by an error: nothing failed)."""
        attempts = _Attempts()
        taken: dict[str, list[str]] = {}
        try:
            over = False
            for key in attempt_keys(cart, client_address):
                tokens = taken.setdefault(key, [])
                for _ in range(count):
                    attempt = await self._limiter.attempt(key, window=self._window)
                    tokens.append(attempt.token)
                    over = over or attempt.count > self._max_failures
            if over:
                raise TooManyAttempts(self._window)
            yield attempts
        finally:
            for key, tokens in taken.items():
                for token in tokens[attempts.keep :]:
                    with suppress(CountersUnavailable):  # it stays counted: the safe side
                        await self._limiter.forget(key, token)


@dataclass(slots=True)
class _Attempts:
    keep: int = 0
    """Attempts per key that failed: they stay counted."""


def shopper_result(result: Result) -> Result:
    """Return what a shopper is shown of a priced cart. Every refused code reads alike (NOT_APPLICABLE, the
    one sentence, no campaign), and nothing else of a refused code's campaign is shown (its skip, its
    hint): a code that exists but does not apply then looks like one that does not exist, as in `apply`.
    Skips are only those of `SHOPPER_SKIPS`; a used-up limit says no more than that the offer is gone."""
    refused = {entry.campaign_id for entry in result.rejected_coupons if entry.campaign_id is not None}
    return result.model_copy(
        update={
            "rejected_coupons": [
                RejectedCoupon(code=entry.code, reason=CouponReason.NOT_APPLICABLE, detail=REFUSED)
                for entry in result.rejected_coupons
            ],
            "skipped": [
                skip if skip.reason is not SkipReason.LIMIT_REACHED else skip.model_copy(update={"detail": GONE})
                for skip in result.skipped
                if skip.reason in SHOPPER_SKIPS and skip.campaign_id not in refused
            ],
            "hints": [hint for hint in result.hints if hint.campaign_id not in refused],
        }
    )


def attempt_keys(cart: Cart, client_address: str) -> list[str]:
    """Return the keys an attempt is counted under: the client address, and the customer when known."""
    keys = [f"address:{client_address}"]
    if cart.customer is not None and cart.customer.id:
        keys.append(f"customer:{cart.customer.id}")
    return keys
