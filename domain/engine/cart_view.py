"""A cart prepared once per evaluation: units in minor units, line keys, the local clock per time zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

from domain.documents.cart import Cart
from domain.engine.codes import CodeTable
from domain.engine.compiled import LineKey, TargetMatcher, line_keys
from domain.engine.coupons import CodeProblem, check_code
from domain.money import currency_of, to_minor
from domain.reasons import CouponReason


class CartView:
    """Units are numbered line by line, so a lower unit number means an earlier line (or unit in it).
    Matching results and local clocks are memoized for the one evaluation the view lives for."""

    __slots__ = (
        "_local",
        "_matches",
        "all_units",
        "cart",
        "code_problems",
        "coupons",
        "currency",
        "key_lines",
        "keys",
        "line_keys",
        "line_subtotals",
        "line_units",
        "now",
        "segments",
        "shipping",
        "unit_line",
        "unit_price",
        "valid_codes",
    )

    def __init__(
        self,
        cart: Cart,
        *,
        now: datetime | None = None,
        codes: CodeTable | None = None,
        used_up_codes: Mapping[str, str] | None = None,
    ) -> None:
        currency = currency_of(cart.currency)
        unit_line: list[int] = []
        unit_price: list[int] = []
        line_units: list[tuple[int, ...]] = []
        subtotals: list[int] = []
        for index, line in enumerate(cart.lines):
            price = to_minor(line.unit_price, currency=currency)
            first = len(unit_line)
            line_units.append(tuple(range(first, first + line.quantity)))
            unit_line.extend([index] * line.quantity)
            unit_price.extend([price] * line.quantity)
            subtotals.append(price * line.quantity)
        keys_of_lines = tuple(line_keys(line) for line in cart.lines)
        key_lines: dict[LineKey, list[int]] = {}
        for index, keys in enumerate(keys_of_lines):
            for key in keys:
                key_lines.setdefault(key, []).append(index)
        self.cart: Final = cart
        self.now: Final = cart.now or now or datetime.now(UTC)
        self.currency: Final = currency
        self.unit_line: Final = tuple(unit_line)
        self.unit_price: Final = tuple(unit_price)
        self.all_units: Final = tuple(range(len(unit_line)))
        self.line_units: Final = tuple(line_units)
        self.line_keys: Final = keys_of_lines
        self.key_lines: Final = key_lines
        self.keys: Final = frozenset(key_lines)
        self.line_subtotals: Final = tuple(subtotals)
        self.shipping: Final = to_minor(cart.shipping.amount, currency=currency) if cart.shipping else 0
        self.coupons: Final = tuple(cart.coupons)
        valid: dict[str, str] = {}
        problems: dict[str, CodeProblem] = {}
        for code in self.coupons:
            entry = codes.get(code) if codes is not None else None
            problem = check_code(entry, cart, self.now)
            if problem is None and entry is not None and used_up_codes and code in used_up_codes:
                problem = CodeProblem(
                    CouponReason.USED_UP, f"the code's {used_up_codes[code]} is used up", entry.campaign_id
                )
            if problem is not None:
                problems[code] = problem
            elif entry is not None:
                valid[code] = entry.campaign_id
        self.valid_codes: Final = valid
        """Codes of the cart that activate a campaign: code -> campaign id, in cart order."""
        self.code_problems: Final = problems
        self.segments: Final = frozenset(cart.customer.segments) if cart.customer else frozenset()
        self._local: Final[dict[ZoneInfo, tuple[int, int]]] = {}
        self._matches: Final[dict[TargetMatcher, tuple[int, ...]]] = {}

    def local_clock(self, zone: ZoneInfo) -> tuple[int, int]:
        """Return (weekday 0=Monday, minute of the day) of `now` in `zone`."""
        found = self._local.get(zone)
        if found is None:
            local = self.now.astimezone(zone)
            found = self._local[zone] = (local.weekday(), local.hour * 60 + local.minute)
        return found

    def units_matching(self, matcher: TargetMatcher) -> tuple[int, ...]:
        """Return the numbers of the units whose line the matcher accepts, in unit order."""
        found = self._matches.get(matcher)
        if found is None:
            found = self.all_units if matcher.everything else self._match(matcher)
            self._matches[matcher] = found
        return found

    def _match(self, matcher: TargetMatcher) -> tuple[int, ...]:
        if matcher.listed:
            hits = matcher.listed & self.keys
            if not hits:
                return ()
            lines = sorted({line for key in hits for line in self.key_lines[key]})
        else:
            lines = list(range(len(self.line_keys)))
        attributes, excluded = matcher.attributes, matcher.excluded
        found: tuple[int, ...] = ()
        for line in lines:
            keys = self.line_keys[line]
            if attributes <= keys and excluded.isdisjoint(keys):
                found += self.line_units[line]
        return found

    @property
    def unit_count(self) -> int:
        return len(self.unit_line)
