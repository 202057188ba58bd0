"""The hot catalog of a running pricing core: changes committed in storage reach it without a restart."""

from __future__ import annotations

import asyncio
import re
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from domain.documents.catalog import CouponCodeSpec, TenantSettings
from domain.documents.common import Status
from domain.documents.policy import Policy
from tests.integration.pricing.harness import Pricing, cart, line, running_pricing
from tests.integration.store.documents import percent_off

SHIRT = line("l1", "SHIRT", "100.00")


async def test_a_campaign_created_in_storage_is_priced_within_the_poll_interval(database_url: str) -> None:
    async with running_pricing(database_url, poll_interval=0.25) as pricing:
        assert await pricing.applied(cart(SHIRT)) == []

        await pricing.writer.campaigns.save(percent_off("new"), status=Status.ACTIVE)
        took = await pricing.seconds_until(lambda: _applies(pricing, "new"), timeout=2)

    assert took < 0.25 + 0.2


@pytest.mark.redis
async def test_a_campaign_created_in_storage_is_priced_within_200_ms_through_redis(
    database_url: str, redis_url: str
) -> None:
    async with running_pricing(database_url, redis_url=redis_url, poll_interval=60) as pricing:
        await asyncio.sleep(0.2)  # the listener subscribes
        await pricing.writer.campaigns.save(percent_off("new"), status=Status.ACTIVE)
        took = await pricing.seconds_until(lambda: _applies(pricing, "new"), timeout=2)

    assert took < 0.2


async def test_a_paused_campaign_stops_applying_and_a_resumed_one_comes_back(pricing: Pricing) -> None:
    await pricing.writer.campaigns.save(percent_off("spring"), status=Status.ACTIVE)
    await pricing.seconds_until(lambda: _applies(pricing, "spring"), timeout=2)

    await pricing.writer.campaigns.set_status("spring", Status.PAUSED)
    await pricing.seconds_until(lambda: _applies(pricing, "spring", expected=False), timeout=2)
    await pricing.writer.campaigns.set_status("spring", Status.ACTIVE)
    await pricing.seconds_until(lambda: _applies(pricing, "spring"), timeout=2)


async def test_a_scheduled_campaign_starts_by_the_clock_without_a_reload(pricing: Pricing) -> None:
    starts = datetime.now(UTC) + timedelta(seconds=1)
    await pricing.writer.campaigns.save(
        percent_off("flash", schedule={"starts_at": starts.isoformat()}), status=Status.SCHEDULED
    )
    await pricing.seconds_until(lambda: _loaded(pricing, "flash"), timeout=2)
    version = pricing.server.catalog.current.version

    before = await pricing.evaluate(cart(SHIRT))
    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.05)
    after = await pricing.evaluate(cart(SHIRT))

    assert [(skip.campaign_id, skip.detail.startswith("starts at")) for skip in before.result.skipped] == [
        ("flash", True)
    ]
    assert [entry.campaign_id for entry in after.result.applied] == ["flash"]
    assert pricing.server.catalog.current.version == version


async def test_a_broken_campaign_is_skipped_and_reported_while_the_others_keep_working(pricing: Pricing) -> None:
    await pricing.writer.campaigns.import_all([percent_off("good"), percent_off("rotten", "20")])
    await pricing.seconds_until(lambda: _applies(pricing, "rotten"), timeout=2)
    tables = pricing.writer.database.tables
    with pricing.writer.database.active():
        await tables.campaigns.filter(id="rotten").update(
            document={"id": "rotten", "benefit": {"type": "BOGUS"}}, catalog_version=10**6
        )
        await tables.catalog.filter(id=1).update(version=10**6)

    await pricing.seconds_until(lambda: _applies(pricing, "rotten", expected=False), timeout=2)

    assert await pricing.applied(cart(SHIRT)) == ["good"]
    assert list(pricing.server.catalog.current.broken) == ["rotten"]
    metrics = _scrape(pricing)
    assert _sample(metrics, "kampanya_pricing_broken_campaigns") == 1
    assert _sample(metrics, "kampanya_pricing_compile_failures_total") == 1


async def test_changed_settings_reach_the_pricing_core(pricing: Pricing) -> None:
    await pricing.writer.campaigns.import_all([percent_off("ten", "10"), percent_off("twenty", "20")])
    await pricing.seconds_until(lambda: _applies(pricing, "twenty"), timeout=2)
    assert await pricing.applied(cart(SHIRT)) == ["ten", "twenty"]

    await pricing.writer.settings.update(TenantSettings(policy=Policy(stacking="SINGLE")))

    await pricing.seconds_until(lambda: _applies(pricing, "twenty", expected=False), timeout=2)
    assert await pricing.applied(cart(SHIRT)) == ["ten"]


async def test_managed_codes_reach_the_pricing_core(pricing: Pricing) -> None:
    await pricing.writer.campaigns.save(percent_off("sorry", kind="COUPON"), status=Status.ACTIVE)
    await pricing.writer.codes.add([CouponCodeSpec(code="SORRY-42", campaign_id="sorry", customer_id="c-42")])
    with_code = cart(SHIRT, coupons=["sorry-42"], customer={"id": "c-42"})

    await pricing.seconds_until(lambda: _priced(pricing, with_code, "sorry"), timeout=2)
    await pricing.writer.codes.set_active("SORRY-42", False)
    await pricing.seconds_until(lambda: _priced(pricing, with_code, "sorry", expected=False), timeout=2)


async def _applies(pricing: Pricing, campaign_id: str, *, expected: bool = True) -> bool:
    return await _priced(pricing, cart(SHIRT), campaign_id, expected=expected)


async def _priced(pricing: Pricing, priced: object, campaign_id: str, *, expected: bool = True) -> bool:
    return (campaign_id in await pricing.applied(priced)) is expected  # type: ignore[arg-type]


async def _loaded(pricing: Pricing, campaign_id: str) -> bool:
    return campaign_id in pricing.server.catalog.current.snapshot.campaigns


def _scrape(pricing: Pricing) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{pricing.server.metrics_port}/metrics", timeout=5) as reply:
        return str(reply.read().decode())


def _sample(metrics: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", metrics, re.MULTILINE)
    assert found, f"{name} not exposed"
    return float(found.group(1))
