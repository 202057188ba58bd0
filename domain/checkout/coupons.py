"""The storefront's coupon box: a code tried on a cart gets one answer whatever made it fail, and failed
attempts are counted per customer and per client address in the counter store, so codes cannot be
guessed by trying them."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from domain.checkout.errors import TooManyAttempts
from domain.documents import Cart, Result, parse_cart
from domain.documents.common import normalize_code
from domain.limits import AttemptLimiter, CountersUnavailable

REFUSED = "This code cannot be used on this cart."
"""The one sentence every refused code gets (unknown, expired, used up, not applicable alike)."""


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
        self, pricer: Pricer, limiter: AttemptLimiter, *, max_failures: int = 10, window: float = 600.0
    ) -> None:
        self._pricer = pricer
        self._limiter = limiter
        self._max_failures = max_failures
        self._window = window

    async def apply(self, cart: Cart, code: str, *, client_address: str) -> CouponAttempt:
        """Return the attempt's answer; raise TooManyAttempts once a key used up its failures (the code is
        not even looked at then) and CountersUnavailable when failures cannot be counted.

        The attempt is counted under each key before the code is looked at and taken back unless it fails:
        attempts made at the same time count each other, so a burst of them gets no more than the limit."""
        taken: list[tuple[str, str]] = []
        failed = False
        try:
            over = False
            for key in attempt_keys(cart, client_address):
                attempt = await self._limiter.attempt(key, window=self._window)
                taken.append((key, attempt.token))
                over = over or attempt.count > self._max_failures
            if over:
                raise TooManyAttempts(self._window)
            document = cart.model_dump(mode="json")
            document["coupons"] = [*cart.coupons, code]
            with_code = parse_cart(document)
            result, version = await self._pricer.price(with_code)
            wanted = normalize_code(code)
            if any(entry.coupon == wanted for entry in result.applied):
                return CouponAttempt(True, result, "", version)
            failed = True
            without, version = await self._pricer.price(cart)
            return CouponAttempt(False, without, REFUSED, version)
        finally:
            if not failed:  # accepted, refused for too many attempts, or stopped by an error: not a failure
                for key, token in taken:
                    with suppress(CountersUnavailable):  # it stays counted: the safe side
                        await self._limiter.forget(key, token)


def attempt_keys(cart: Cart, client_address: str) -> list[str]:
    """Return the keys an attempt is counted under: the client address, and the customer when known."""
    keys = [f"address:{client_address}"]
    if cart.customer is not None and cart.customer.id:
        keys.append(f"customer:{cart.customer.id}")
    return keys
