"""A cart prepared once per evaluation: units in minor units, line keys, the local clock per time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.documents.cart import Cart
from domain.engine.compiled import TargetMatcher, line_keys
from domain.money import Currency, currency_of, to_minor


@dataclass(slots=True)
class CartView:
    """Units are numbered line by line, so a lower unit number means an earlier line (or unit in it)."""

    cart: Cart
    now: datetime
    currency: Currency
    unit_line: tuple[int, ...]
    unit_price: tuple[int, ...]
    line_units: tuple[range, ...]
    shipping: int
    coupons: tuple[str, ...]
    segments: frozenset[str]
    _local: dict[ZoneInfo, tuple[int, int]] = field(default_factory=dict)
    _matches: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, cart: Cart, *, now: datetime | None = None) -> CartView:
        currency = currency_of(cart.currency)
        unit_line: list[int] = []
        unit_price: list[int] = []
        line_units: list[range] = []
        for index, line in enumerate(cart.lines):
            price = to_minor(line.unit_price, currency=currency)
            line_units.append(range(len(unit_line), len(unit_line) + line.quantity))
            unit_line.extend([index] * line.quantity)
            unit_price.extend([price] * line.quantity)
        return cls(
            cart=cart,
            now=cart.now or now or datetime.now(UTC),
            currency=currency,
            unit_line=tuple(unit_line),
            unit_price=tuple(unit_price),
            line_units=tuple(line_units),
            shipping=to_minor(cart.shipping.amount, currency=currency) if cart.shipping else 0,
            coupons=tuple(cart.coupons),
            segments=frozenset(cart.customer.segments) if cart.customer else frozenset(),
        )

    def local_clock(self, zone: ZoneInfo) -> tuple[int, int]:
        """Return (weekday 0=Monday, minute of the day) of `now` in `zone`."""
        found = self._local.get(zone)
        if found is None:
            local = self.now.astimezone(zone)
            found = self._local[zone] = (local.weekday(), local.hour * 60 + local.minute)
        return found

    def units_matching(self, matcher: TargetMatcher) -> tuple[int, ...]:
        """Return the numbers of the units whose line the matcher accepts, in unit order."""
        found = self._matches.get(id(matcher))
        if found is None:
            found = self._matches[id(matcher)] = tuple(
                unit
                for line, units in zip(self.cart.lines, self.line_units, strict=True)
                if matcher.matches(line)
                for unit in units
            )
        return found

    def index_keys(self) -> set[str]:
        return {key for line in self.cart.lines for key in line_keys(line)}

    @property
    def unit_count(self) -> int:
        return len(self.unit_line)
