"""Refunds over a sequence of returns (pure: the priced return of a committed order): every refund is at
least zero, the lines' refunds sum to it, and all returns together never refund more than was paid for the
items — exactly that once everything is back, whatever the order of the returns."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.checkout.orders import Order, OrderStatus
from domain.checkout.returns import price_return
from domain.documents import DEFAULT_POLICY, Campaign
from domain.documents.catalog import ReturnsBudget
from domain.engine.snapshot import Snapshot
from tests.builders import campaign, parse_cart

CAMPAIGNS = [
    campaign("hundred-off-200", {"type": "AMOUNT", "value": "100.00"}, condition={"min_order_total": "200.00"}),
    campaign("ten-percent", {"type": "PERCENTAGE", "value": "10"}, target={"skus": ["A"]}),
    campaign(
        "four-for-three", {"type": "FREE_UNITS", "value": "1"}, condition={"min_quantity": 4}, target={"skus": ["B"]}
    ),
]
PRICED_AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _order(lines: list[tuple[str, str, int]], documents: list[Campaign]) -> Order:
    cart = parse_cart(
        {
            "currency": "TRY",
            "now": PRICED_AT.isoformat(),
            "lines": [
                {"id": f"l{index}", "sku": sku, "quantity": quantity, "unit_price": price}
                for index, (sku, price, quantity) in enumerate(lines)
            ],
        }
    )
    result = Snapshot.compile(documents).evaluate(cart)
    return Order(
        order_id="o1",
        status=OrderStatus.COMMITTED,
        cart=cart.model_dump(mode="json"),
        result=result.model_dump(mode="json", exclude={"explain"}),
        campaigns=[document.model_dump(mode="json") for document in documents],
        codes={},
        policy=DEFAULT_POLICY.model_dump(mode="json"),
        priced_at=PRICED_AT,
        expires_at=PRICED_AT,
        claims=[],
        catalog_version=1,
    )


def _returned(order: Order, returned: dict[str, int], return_id: str) -> tuple[Order, Decimal]:
    priced = price_return(order, returned, used=[], restore=ReturnsBudget.FULL_RETURN)
    assert priced.refund >= 0
    assert sum(line.refund for line in priced.lines) == priced.refund
    receipts = {**order.receipts, return_id: {"receipt": {"refund": str(priced.refund)}, "given_back": []}}
    kept = priced.kept.model_dump(mode="json", exclude={"explain"})
    after = Order(**{**_fields(order), "returned": priced.returned, "kept_result": kept, "receipts": receipts})
    return after, priced.refund


def _fields(order: Order) -> dict[str, object]:
    return {name: getattr(order, name) for name in Order.__dataclass_fields__}


LINES = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300.00"), places=2).map(str),
        st.integers(1, 5),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(lines=LINES, data=st.data())
def test_returns_one_by_one_refund_exactly_what_was_paid_once_everything_is_back(
    lines: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    order = _order(lines, CAMPAIGNS)
    paid = Decimal(order.result["subtotal"]) - Decimal(order.result["discount_total"])
    units = [(f"l{index}", quantity) for index, (_, _, quantity) in enumerate(lines)]
    left = dict(units)
    refunded = Decimal(0)
    step = 0
    while any(left.values()):
        line_ids = data.draw(
            st.lists(st.sampled_from([key for key, count in left.items() if count]), min_size=1, unique=True)
        )
        returned = {line_id: data.draw(st.integers(1, left[line_id])) for line_id in line_ids}
        order, refund = _returned(order, returned, f"r{step}")
        refunded += refund
        assert refunded <= paid
        for line_id, quantity in returned.items():
            left[line_id] -= quantity
        step += 1

    assert refunded == paid
