"""Managed coupon codes: normalized, found whatever the case, unique, with assignment and limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.catalog import StoredCode
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import Status
from domain.store import AlreadyExists, NotFound, Store
from tests.integration.store.documents import percent_off

ISTANBUL = timezone(timedelta(hours=3))


@pytest.fixture
async def welcome(store: Store) -> None:
    await store.campaigns.save(percent_off("welcome", kind="COUPON"), status=Status.ACTIVE)


@pytest.mark.usefixtures("welcome")
async def test_a_code_is_stored_normalized_and_found_whatever_its_case(store: Store) -> None:
    [added] = await store.codes.add([CouponCodeSpec(code="  Welcome10 ", campaign_id="welcome")])

    assert added.spec.code == "WELCOME10"
    assert await store.codes.get("welcome10") == added
    assert await store.codes.get(" WeLcOmE10") == added
    assert await store.codes.get("WELCOME20") is None


@pytest.mark.usefixtures("welcome")
async def test_assignment_and_limits_read_back_as_written(store: Store) -> None:
    spec = CouponCodeSpec(
        code="AYSE-1",
        campaign_id="welcome",
        customer_id="c-ayse",
        max_uses=3,
        once_per_customer=True,
        starts_at=datetime(2026, 11, 1, 9, 0, tzinfo=ISTANBUL),
        expires_at=datetime(2026, 12, 1, tzinfo=UTC),
        active=False,
    )

    await store.codes.add([spec, CouponCodeSpec(code="PUBLIC", campaign_id="welcome")])
    stored = await store.codes.get("ayse-1")

    assert stored is not None
    assert stored.spec == spec
    assert [code.spec.code for code in await store.codes.for_customer("c-ayse")] == ["AYSE-1"]
    assert [code.spec.code for code in await store.codes.for_campaign("welcome")] == ["AYSE-1", "PUBLIC"]


@pytest.mark.usefixtures("welcome")
async def test_an_existing_code_is_refused_and_nothing_of_the_batch_is_written(store: Store) -> None:
    await store.codes.add([CouponCodeSpec(code="WELCOME10", campaign_id="welcome")])
    version = await store.catalog_version()

    with pytest.raises(AlreadyExists, match="code 'WELCOME10' already exists"):
        await store.codes.add(
            [
                CouponCodeSpec(code="NEW-1", campaign_id="welcome"),
                CouponCodeSpec(code="welcome10", campaign_id="welcome"),
            ]
        )

    assert await store.codes.get("NEW-1") is None
    assert await store.catalog_version() == version


@pytest.mark.usefixtures("welcome")
async def test_a_code_given_twice_in_one_batch_is_refused(store: Store) -> None:
    with pytest.raises(AlreadyExists, match="'TWICE'"):
        await store.codes.add(
            [CouponCodeSpec(code="twice", campaign_id="welcome"), CouponCodeSpec(code="TWICE", campaign_id="welcome")]
        )

    assert await store.codes.for_campaign("welcome") == []


@pytest.mark.usefixtures("welcome")
async def test_a_code_of_an_unknown_campaign_is_refused_naming_the_code(store: Store) -> None:
    with pytest.raises(NotFound, match=r"no campaign 'ghost' \(wanted by code GHOST10\)"):
        await store.codes.add(
            [CouponCodeSpec(code="OK10", campaign_id="welcome"), CouponCodeSpec(code="ghost10", campaign_id="ghost")]
        )

    assert await store.codes.get("OK10") is None


@pytest.mark.usefixtures("welcome")
async def test_a_code_is_switched_off_and_on_again(store: Store) -> None:
    await store.codes.add([CouponCodeSpec(code="WELCOME10", campaign_id="welcome")])

    off = await store.codes.set_active("welcome10", False)
    on = await store.codes.set_active("WELCOME10", True)

    assert (off.spec.active, off.catalog_version) == (False, 3)
    assert on == StoredCode(CouponCodeSpec(code="WELCOME10", campaign_id="welcome"), catalog_version=4)
    assert await store.codes.get("welcome10") == on


async def test_an_unknown_code_cannot_be_switched(store: Store) -> None:
    with pytest.raises(NotFound, match="no code 'GHOST'"):
        await store.codes.set_active("ghost", False)
