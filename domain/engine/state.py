"""The running prices of a cart's units while campaigns apply, and what one campaign did to them."""

from __future__ import annotations

from dataclasses import dataclass

from domain.engine.compiled import CompiledCampaign


@dataclass(frozen=True, slots=True)
class Application:
    """One campaign applied: minor units taken off units and shipping, units it consumed, gifts."""

    campaign: CompiledCampaign
    shares: tuple[tuple[int, int], ...]
    consumed: frozenset[int]
    shipping_discount: int = 0
    gift_quantity: int = 0
    applications: int = 1
    coupon: str | None = None
    note: str = ""

    @property
    def items_discount(self) -> int:
        return sum(amount for _, amount in self.shares)

    @property
    def discount(self) -> int:
        return self.items_discount + self.shipping_discount


@dataclass(frozen=True, slots=True)
class PricingState:
    """Net price of every unit (minor units), the units consumed by quantity benefits, net shipping."""

    nets: tuple[int, ...]
    consumed: frozenset[int]
    shipping: int

    @classmethod
    def start(cls, prices: tuple[int, ...], shipping: int) -> PricingState:
        return cls(nets=prices, consumed=frozenset(), shipping=shipping)

    @property
    def subtotal(self) -> int:
        return sum(self.nets)

    def after(self, application: Application) -> PricingState:
        """Return the state once `application` is applied (this state is left as it was)."""
        nets = list(self.nets)
        for unit, amount in application.shares:
            nets[unit] -= amount
        return PricingState(
            nets=tuple(nets),
            consumed=self.consumed | application.consumed if application.consumed else self.consumed,
            shipping=self.shipping - application.shipping_discount,
        )
