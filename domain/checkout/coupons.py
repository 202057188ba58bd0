"""The storefront's coupon box: a code tried on a cart gets one answer whatever made it fail, and failed
attempts are counted per customer and per client address in the counter store, so codes cannot be
guessed by trying them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.checkout.errors import TooManyAttempts
from domain.documents import Cart, Result, parse_cart
from domain.documents.common import normalize_code
from domain.limits import AttemptLimiter

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
        not even looked at then) and CountersUnavailable when failures cannot be counted."""
        keys = attempt_keys(cart, client_address)
        for key in keys:
            if await self._limiter.failures(key, window=self._window) >= self._max_failures:
                raise TooManyAttempts(self._window)
        document = cart.model_dump(mode="json")
        document["coupons"] = [*cart.coupons, code]
        with_code = parse_cart(document)
        result, version = await self._pricer.price(with_code)
        wanted = normalize_code(code)
        if any(entry.coupon == wanted for entry in result.applied):
            return CouponAttempt(True, result, "", version)
        for key in keys:
            await self._limiter.record_failure(key, window=self._window)
        without, version = await self._pricer.price(cart)
        return CouponAttempt(False, without, REFUSED, version)


def attempt_keys(cart: Cart, client_address: str) -> list[str]:
    """Return the keys an attempt is counted under: the client address, and the customer when known."""
    keys = [f"address:{client_address}"]
    if cart.customer is not None and cart.customer.id:
        keys.append(f"customer:{cart.customer.id}")
    return keys
