"""Tenant settings: defaults until saved, then what was saved."""

from __future__ import annotations

from domain.documents import parse_policy
from domain.documents.catalog import TenantSettings
from domain.store import Store


async def test_the_defaults_apply_until_settings_are_saved(store: Store) -> None:
    assert await store.settings.get() == TenantSettings()


async def test_saved_settings_replace_the_defaults(store: Store) -> None:
    policy = parse_policy(
        {
            "stacking": "BEST",
            "phase_order": ["PERCENTAGE", "AMOUNT", "FREE_UNITS", "FIXED_PRICE", "FREE_SHIPPING"],
            "rounding": "HALF_EVEN",
        }
    )
    await store.settings.update(TenantSettings(currency="USD"))

    saved = await store.settings.update(TenantSettings(policy=policy, currency="EUR", timezone="Europe/Berlin"))

    assert await store.settings.get() == saved
    assert saved.policy.stacking == "BEST"
