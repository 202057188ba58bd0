"""A key longer than its column cannot be stored, so a lookup by it finds nothing (or says "not found"): it
never fails Tortoise's length check as an internal error (schemathesis found such cases in the graphs)."""

from __future__ import annotations

import pytest

from domain.documents.common import Status
from domain.store import NotFound, Store
from domain.store.code_admin import CodeFilter

LONG = "x" * 1001  # longer than every key column


async def test_lookups_by_a_value_longer_than_its_column_find_nothing(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.campaigns.set_status(LONG, Status.PAUSED)
    assert await store.codes.for_customer(LONG) == []
    assert await store.codes.for_campaign(LONG) == []
    for wanted in (CodeFilter(customer_id=LONG), CodeFilter(campaign_id=LONG), CodeFilter(batch_id=LONG)):
        assert await store.code_admin.page(wanted) == []
        assert await store.code_admin.count(wanted) == 0
    assert await store.audit.entries(actor=LONG) == []
    assert await store.audit.entries(target_id=LONG) == []
