"""The running prices of a cart's units while campaigns apply, and what one campaign did to them.

Value objects on the evaluator's hot path are plain classes with `Final` attributes rather than
dataclasses: mypy refuses any assignment after construction, the mypyc-compiled build enforces it at run
time too, and both builds create and read them several times faster than frozen dataclasses.
"""

from __future__ import annotations

from typing import Final

from domain.engine.compiled import CompiledCampaign


class Application:
    """One campaign applied: minor units taken off units and shipping, units it consumed, gifts."""

    __slots__ = (
        "applications",
        "campaign",
        "consumed",
        "coupon",
        "discount",
        "gift_quantity",
        "note",
        "shares",
        "shipping_discount",
    )

    def __init__(
        self,
        campaign: CompiledCampaign,
        shares: tuple[tuple[int, int], ...],
        consumed: frozenset[int],
        *,
        shipping_discount: int = 0,
        gift_quantity: int = 0,
        applications: int = 1,
        coupon: str | None = None,
        note: str = "",
    ) -> None:
        self.campaign: Final = campaign
        self.shares: Final = shares
        self.consumed: Final = consumed
        self.shipping_discount: Final = shipping_discount
        self.discount: Final = sum(amount for _, amount in shares) + shipping_discount
        self.gift_quantity: Final = gift_quantity
        self.applications: Final = applications
        self.coupon: Final = coupon
        self.note: Final = note


class PricingState:
    """Net price of every unit (minor units), the units consumed by quantity benefits, net shipping."""

    __slots__ = ("consumed", "nets", "shipping", "subtotal")

    def __init__(self, nets: tuple[int, ...], consumed: frozenset[int], shipping: int, subtotal: int) -> None:
        self.nets: Final = nets
        self.consumed: Final = consumed
        self.shipping: Final = shipping
        self.subtotal: Final = subtotal

    @classmethod
    def start(cls, prices: tuple[int, ...], shipping: int) -> PricingState:
        return cls(prices, frozenset(), shipping, sum(prices))

    def after(self, application: Application) -> PricingState:
        """Return the state once `application` is applied (this state is left as it was)."""
        nets = list(self.nets)
        for unit, amount in application.shares:
            nets[unit] -= amount
        consumed = application.consumed
        return PricingState(
            tuple(nets),
            self.consumed | consumed if consumed else self.consumed,
            self.shipping - application.shipping_discount,
            self.subtotal - (application.discount - application.shipping_discount),
        )
