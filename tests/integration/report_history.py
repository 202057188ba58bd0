"""A ledger history made for real through the checkout lifecycle (reserve, commit, release, return on the
store's order book, SQL counters), then dated: each order's row and ledger rows are moved to its moment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from domain.checkout.service import Checkout
from domain.counters.sql import SqlCounters
from domain.documents import Campaign, parse_cart
from domain.documents.catalog import TenantSettings
from domain.documents.common import Status
from domain.engine.snapshot import Snapshot
from domain.store import Store
from tests.builders import campaign

SHIRTS = campaign(
    "shirts-10",
    {"type": "PERCENTAGE", "value": "10"},
    currency="TRY",
    target={"categories": ["shirts"]},
    limits={"budget_discount": "400.00", "total_redemptions": 50},
)
SHOES = campaign("shoes-20", {"type": "AMOUNT", "value": "20.00"}, target={"categories": ["shoes"]})
NOW = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)  # noon in Istanbul


@dataclass
class Catalog:
    snapshot: Snapshot
    settings: TenantSettings = field(default_factory=TenantSettings)

    @property
    def version(self) -> int:
        return self.snapshot.version


@dataclass(frozen=True)
class Placed:
    order_id: str
    at: datetime
    lines: tuple[tuple[str, str, int], ...]
    customer: str | None = None
    channel: str | None = "web"
    currency: str = "TRY"
    commit: bool = True
    returns: tuple[dict[str, int], ...] = ()


HISTORY = (
    Placed("o1", datetime(2026, 3, 8, 7, 0, tzinfo=UTC), (("shirts", "200.00", 2),), "ayse"),
    Placed("o2", datetime(2026, 3, 8, 9, 0, tzinfo=UTC), (("shirts", "150.00", 1), ("shoes", "300.00", 1)), "ayse"),
    Placed("o3", datetime(2026, 3, 9, 12, 0, tzinfo=UTC), (("shoes", "120.00", 2),), "bora", "mobile"),
    Placed("o4", datetime(2026, 3, 10, 20, 30, tzinfo=UTC), (("shirts", "99.90", 3),), "cem", "mobile"),  # 23:30 local
    Placed("o5", datetime(2026, 3, 10, 21, 30, tzinfo=UTC), (("socks", "40.00", 5),), "cem"),  # 00:30 on the 11th
    Placed("o6", datetime(2026, 3, 11, 10, 0, tzinfo=UTC), (("shirts", "500.00", 1),), None, None),
    Placed("o7", datetime(2026, 3, 12, 10, 0, tzinfo=UTC), (("shirts", "80.00", 2),), "deniz", commit=False),
    Placed(
        "o8",
        datetime(2026, 3, 12, 11, 0, tzinfo=UTC),
        (("shirts", "120.00", 2), ("socks", "10.00", 1)),
        "ayse",
        returns=({"l0": 1},),
    ),
    Placed(
        "o9", datetime(2026, 3, 13, 11, 0, tzinfo=UTC), (("shirts", "60.00", 1),), "bora", "pos", returns=({"l0": 1},)
    ),
    Placed("o10", datetime(2026, 3, 13, 12, 0, tzinfo=UTC), (("shoes", "90.00", 1),), "eda", currency="EUR"),
    Placed("o11", datetime(2026, 3, 14, 22, 0, tzinfo=UTC), (("shirts", "70.00", 1),), "eda"),  # the 15th, outside
    Placed("o12", datetime(2026, 3, 7, 20, 0, tzinfo=UTC), (("shirts", "300.00", 1),), "ayse"),  # the 7th, outside
)
PERIOD = (date(2026, 3, 8), date(2026, 3, 14))


def order_cart(placed: Placed) -> Any:
    lines = [
        {
            "id": f"l{index}",
            "sku": f"{category}-{index}",
            "quantity": quantity,
            "unit_price": price,
            "categories": [category],
        }
        for index, (category, price, quantity) in enumerate(placed.lines)
    ]
    customer = {"id": placed.customer} if placed.customer else None
    return parse_cart({"currency": placed.currency, "channel": placed.channel, "customer": customer, "lines": lines})


async def place(store: Store, history: Iterable[Placed]) -> None:
    """Run each order through the lifecycle, then date its order row and ledger rows at its moment."""
    campaigns: list[Campaign] = [SHIRTS, SHOES]
    for document in campaigns:
        await store.campaigns.save(document, status=Status.ACTIVE)
    catalog = Catalog(Snapshot.compile(campaigns, version=1))
    checkout = Checkout(lambda: catalog, SqlCounters(store.database), store.orders)
    tables = store.database.tables
    for placed in history:
        await checkout.reserve(placed.order_id, order_cart(placed))
        if placed.commit:
            await checkout.commit(placed.order_id)
        else:
            await checkout.release(placed.order_id)
        for index, returned in enumerate(placed.returns):
            await checkout.return_units(placed.order_id, f"{placed.order_id}-r{index}", returned)
        with store.database.active():
            await tables.orders.filter(order_id=placed.order_id).update(created_at=placed.at)
            await tables.ledger.filter(order_id=placed.order_id).update(at=placed.at)
