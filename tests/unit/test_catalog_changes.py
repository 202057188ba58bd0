"""Applying catalog changes to the hot catalog: live campaigns in, others out, broken ones reported."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.catalog import BrokenCampaign, CatalogChanges, StoredCampaign, StoredCode
from domain.documents.campaign import Campaign
from domain.documents.catalog import CouponCodeSpec, TenantSettings
from domain.documents.common import Status
from domain.engine.snapshot import Snapshot
from domain.errors import FieldError
from pricing_core.catalog import Catalog, apply_changes
from tests.builders import campaign, cart, policy

NOW = datetime(2026, 11, 22, tzinfo=UTC)
TEN = {"type": "PERCENTAGE", "value": "10"}


def _stored(document: Campaign, status: Status = Status.ACTIVE, version: int = 1) -> StoredCampaign:
    return StoredCampaign(document=document, status=status, version=version, catalog_version=version, created_at=NOW)


def _changes(version: int, *campaigns: StoredCampaign, **parts: object) -> CatalogChanges:
    return CatalogChanges(
        version=version,
        campaigns=list(campaigns),
        codes=list(parts.get("codes", [])),  # type: ignore[call-overload]
        broken=list(parts.get("broken", [])),  # type: ignore[call-overload]
        settings=parts.get("settings"),  # type: ignore[arg-type]
    )


EMPTY = Catalog(Snapshot.compile([]))


def test_live_campaigns_are_loaded_and_others_left_out() -> None:
    catalog = apply_changes(
        EMPTY,
        _changes(
            3,
            _stored(campaign("active", TEN)),
            _stored(campaign("scheduled", TEN), Status.SCHEDULED),
            _stored(campaign("draft", TEN), Status.DRAFT),
        ),
    )

    assert sorted(catalog.snapshot.campaigns) == ["active", "scheduled"]
    assert catalog.version == 3


def test_a_paused_campaign_is_dropped_and_a_resumed_one_comes_back_with_its_codes() -> None:
    sorry = campaign("sorry", TEN, kind="COUPON")
    code = StoredCode(CouponCodeSpec(code="SORRY1", campaign_id="sorry"), catalog_version=1)
    loaded = apply_changes(EMPTY, _changes(1, _stored(sorry), codes=[code]))

    paused = apply_changes(loaded, _changes(2, _stored(sorry, Status.PAUSED, 2)))
    resumed = apply_changes(paused, _changes(3, _stored(sorry, Status.ACTIVE, 3), codes=[code]))

    assert loaded.snapshot.evaluate(cart("100.00", coupons=["sorry1"])).discount_total == Decimal("10.00")
    assert "sorry" not in paused.snapshot.campaigns
    assert paused.snapshot.codes.get("SORRY1") is None
    assert resumed.snapshot.evaluate(cart("100.00", coupons=["sorry1"])).discount_total == Decimal("10.00")


def test_a_broken_campaign_is_reported_and_replaces_its_last_good_version() -> None:
    good = apply_changes(EMPTY, _changes(1, _stored(campaign("fragile", TEN)), _stored(campaign("solid", TEN))))
    failure = BrokenCampaign("fragile", 2, Status.ACTIVE, (FieldError("/benefit/value", "must be a number"),))

    broken = apply_changes(good, _changes(2, broken=[failure]))
    fixed = apply_changes(broken, _changes(3, _stored(campaign("fragile", TEN), version=3)))

    assert sorted(broken.snapshot.campaigns) == ["solid"]
    assert list(broken.broken) == ["fragile"]
    assert sorted(fixed.snapshot.campaigns) == ["fragile", "solid"]
    assert fixed.broken == {}


def test_a_campaign_that_does_not_compile_is_skipped_without_taking_the_others_down() -> None:
    valid = campaign("valid", TEN)
    impossible = valid.model_copy(
        update={"id": "impossible", "schedule": valid.schedule.model_copy(update={"timezone": "Mars/Olympus"})}
    )

    catalog = apply_changes(EMPTY, _changes(1, _stored(valid), _stored(impossible)))

    assert sorted(catalog.snapshot.campaigns) == ["valid"]
    assert "does not compile" in catalog.broken["impossible"].errors[0].message


def test_settings_follow_the_changes_when_they_come() -> None:
    best = TenantSettings(policy=policy(stacking="BEST"), currency="EUR")

    changed = apply_changes(EMPTY, _changes(1, settings=best))
    unchanged = apply_changes(changed, _changes(2, _stored(campaign("x", TEN))))

    assert changed.settings.currency == "EUR"
    assert unchanged.settings.policy.stacking == "BEST"
