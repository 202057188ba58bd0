"""The catalog version and what the pricing cores load: live campaigns in full, then what changed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.catalog import BrokenCampaign
from domain.documents.catalog import CouponCodeSpec, CustomerProfile, Product, Segment, TenantSettings
from domain.documents.common import Status
from domain.errors import DocumentError
from domain.store import Store
from tests.integration.store.documents import percent_off


async def test_a_new_catalog_is_at_version_0_and_empty(store: Store) -> None:
    changes = await store.changes_since(None)

    assert await store.catalog_version() == 0
    assert (changes.version, changes.campaigns, changes.codes, changes.broken) == (0, [], [], [])
    assert changes.settings == TenantSettings()


async def test_each_campaign_or_code_change_bumps_the_catalog_version_exactly_once(store: Store) -> None:
    versions = [await store.catalog_version()]
    await store.campaigns.save(percent_off("spring"), status=Status.ACTIVE)
    versions.append(await store.catalog_version())
    await store.campaigns.set_status("spring", Status.PAUSED)
    versions.append(await store.catalog_version())
    await store.campaigns.import_all([percent_off("summer"), percent_off("winter"), percent_off("autumn")])
    versions.append(await store.catalog_version())
    await store.codes.add(
        [CouponCodeSpec(code="A", campaign_id="spring"), CouponCodeSpec(code="B", campaign_id="winter")]
    )
    versions.append(await store.catalog_version())
    await store.codes.set_active("A", False)
    versions.append(await store.catalog_version())
    await store.settings.update(TenantSettings(currency="USD"))
    versions.append(await store.catalog_version())

    assert versions == [0, 1, 2, 3, 4, 5, 6]


async def test_customer_product_and_segment_changes_leave_the_catalog_version_alone(store: Store) -> None:
    await store.customers.upsert(CustomerProfile(id="c-1"))
    await store.customers.record_order("c-1", total=Decimal("10.00"), at=datetime(2026, 11, 22, tzinfo=UTC))
    await store.products.upsert(Product(sku="P", price="1.00", currency="TRY"))
    await store.segments.upsert(Segment(id="vip", name="VIP"))
    await store.segments.add_members("vip", ["c-1"])
    await store.segments.remove_members("vip", ["c-1"])

    assert await store.catalog_version() == 0


async def test_a_full_load_has_the_live_campaigns_with_their_codes_and_the_settings(store: Store) -> None:
    await store.campaigns.save(percent_off("active"), status=Status.ACTIVE)
    await store.campaigns.save(percent_off("scheduled"), status=Status.SCHEDULED)
    await store.campaigns.save(percent_off("draft"))
    await store.campaigns.save(percent_off("paused"), status=Status.ACTIVE)
    await store.campaigns.set_status("paused", Status.PAUSED)
    await store.codes.add(
        [CouponCodeSpec(code=f"{name}-1", campaign_id=name) for name in ("active", "draft", "paused")]
    )
    await store.settings.update(TenantSettings(currency="EUR"))

    changes = await store.changes_since(None)

    assert changes.version == await store.catalog_version() == 7
    assert [(stored.id, stored.status) for stored in changes.campaigns] == [
        ("active", Status.ACTIVE),
        ("scheduled", Status.SCHEDULED),
    ]
    assert [stored.spec.code for stored in changes.codes] == ["ACTIVE-1"]
    assert changes.settings == TenantSettings(currency="EUR")


async def test_changes_since_a_version_have_every_campaign_and_code_written_after_it(store: Store) -> None:
    await store.campaigns.import_all(
        [percent_off("spring"), percent_off("summer"), percent_off("draft", status="DRAFT")]
    )
    await store.codes.add([CouponCodeSpec(code="OLD", campaign_id="spring")])
    seen = await store.catalog_version()
    await store.campaigns.set_status("spring", Status.PAUSED)
    await store.codes.add([CouponCodeSpec(code="NEW", campaign_id="draft")])
    await store.codes.set_active("old", False)

    changes = await store.changes_since(seen)

    assert changes.version == seen + 3
    assert [(stored.id, stored.status, stored.version) for stored in changes.campaigns] == [
        ("spring", Status.PAUSED, 2)
    ]
    assert [(stored.spec.code, stored.spec.active) for stored in changes.codes] == [("NEW", True), ("OLD", False)]
    assert changes.settings is None
    assert (await store.changes_since(changes.version)).campaigns == []


async def test_a_campaign_that_goes_live_again_brings_its_unchanged_codes_back(store: Store) -> None:
    await store.campaigns.save(percent_off("sorry"), status=Status.ACTIVE)
    await store.codes.add(
        [CouponCodeSpec(code="SORRY-1", campaign_id="sorry"), CouponCodeSpec(code="X", campaign_id="sorry")]
    )
    await store.campaigns.set_status("sorry", Status.PAUSED)
    paused_at = await store.catalog_version()
    await store.campaigns.set_status("sorry", Status.ACTIVE)

    changes = await store.changes_since(paused_at)

    assert [stored.id for stored in changes.campaigns] == ["sorry"]
    assert [stored.spec.code for stored in changes.codes] == ["SORRY-1", "X"]


async def test_settings_changes_reach_the_pricing_cores_through_the_catalog(store: Store) -> None:
    before = await store.catalog_version()

    await store.settings.update(TenantSettings(currency="EUR"))
    changes = await store.changes_since(before)

    assert changes.version == before + 1
    assert changes.settings == TenantSettings(currency="EUR")
    assert (await store.changes_since(changes.version)).settings is None


async def test_a_stored_document_that_no_longer_validates_is_reported_apart(store: Store) -> None:
    await store.campaigns.import_all([percent_off("good"), percent_off("rotten"), percent_off("sound")])
    rows = store.database.tables.campaigns
    with store.database.active():
        await rows.filter(id="rotten").update(document={"id": "rotten", "benefit": {"type": "PERCENTAGE"}})

    full, since = await store.changes_since(None), await store.changes_since(0)

    for changes in (full, since):
        assert [stored.id for stored in changes.campaigns] == ["good", "sound"]
        assert [(broken.campaign_id, broken.version, broken.status) for broken in changes.broken] == [
            ("rotten", 1, Status.ACTIVE)
        ]
        assert [error.pointer for error in changes.broken[0].errors] == ["/name"]
    with pytest.raises(DocumentError, match="stored campaign 'rotten' version 1"):
        await store.campaigns.get("rotten")


async def test_twenty_concurrent_saves_get_distinct_consecutive_catalog_versions(store: Store) -> None:
    saved = await asyncio.gather(*(store.campaigns.save(percent_off(f"c{index:02}")) for index in range(20)))

    assert sorted(stored.catalog_version for stored in saved) == list(range(1, 21))
    assert await store.catalog_version() == 20


async def test_twenty_concurrent_saves_of_one_campaign_get_consecutive_versions(store: Store) -> None:
    saved = await asyncio.gather(*(store.campaigns.save(percent_off("hot", str(index + 1))) for index in range(20)))

    assert sorted(stored.version for stored in saved) == list(range(1, 21))
    history = await store.campaigns.history("hot")
    assert [stored.catalog_version for stored in history] == list(range(1, 21))
    assert history == sorted(saved, key=lambda stored: stored.version)


def test_broken_campaigns_are_records_of_the_port() -> None:
    assert BrokenCampaign.__dataclass_fields__.keys() == {"campaign_id", "version", "status", "errors"}
