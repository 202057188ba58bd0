"""Admin users, API keys and the audit log on both databases: keys verify only with their secret and stop
when revoked; an audit entry is written with the change it describes, or not at all; the database
itself refuses to change or delete an entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.access import AdminUser, Role
from domain.audit import AuditEntry
from domain.documents.common import Status
from domain.store import Store
from tests.integration.store.documents import percent_off


def _entry(actor: str, target: str, action: str = "campaign.create", **fields: object) -> AuditEntry:
    values: dict[str, object] = {
        "actor": actor,
        "role": "MARKETER",
        "action": action,
        "target_type": "campaign",
        "target_id": target,
        "before": None,
        "after": {"status": "DRAFT"},
        "request_id": "req-1",
        "at": datetime.now(UTC),
    }
    values.update(fields)
    return AuditEntry(**values)  # type: ignore[arg-type]


async def test_users_are_created_changed_and_listed(store: Store) -> None:
    await store.users.put(AdminUser("ayse", Role.MARKETER, email="ayse@example.com"))
    await store.users.put(AdminUser("mehmet", Role.ANALYST))

    await store.users.put(AdminUser("ayse", Role.ADMIN, email="ayse@example.com", disabled=True))

    assert await store.users.get("ayse") == AdminUser("ayse", Role.ADMIN, email="ayse@example.com", disabled=True)
    assert [user.subject for user in await store.users.list()] == ["ayse", "mehmet"]
    assert await store.users.get("nobody") is None


async def test_an_api_key_verifies_with_its_secret_only_until_revoked(store: Store) -> None:
    key, secret = await store.api_keys.create("ci deploys", Role.MARKETER, created_by="ayse")

    verified = await store.api_keys.verify(secret)
    wrong = await store.api_keys.verify(secret[:-2] + ("AA" if not secret.endswith("AA") else "BB"))
    malformed = [await store.api_keys.verify(text) for text in ("", "kmp_", f"xyz_{key.id}_s", "kmp_nokey_s")]
    revoked = await store.api_keys.revoke(key.id)

    assert verified == key
    assert (verified.role, verified.name) == (Role.MARKETER, "ci deploys")
    assert wrong is None
    assert malformed == [None] * 4
    assert revoked.revoked_at is not None
    assert await store.api_keys.verify(secret) is None
    assert [listed.id for listed in await store.api_keys.list()] == [key.id]


async def test_an_audit_entry_is_written_with_the_change_it_records(store: Store) -> None:
    async with store.audit.recording(_entry("ayse", "spring")):
        await store.campaigns.save(percent_off("spring"), status=Status.DRAFT)

    async def change_then_fail() -> None:
        async with store.audit.recording(_entry("ayse", "later")):
            await store.campaigns.save(percent_off("later"), status=Status.DRAFT)
            raise RuntimeError("what came after the change failed")

    with pytest.raises(RuntimeError):
        await change_then_fail()

    entries = await store.audit.entries()
    # the second change committed (with its entry) before the failure: it is recorded as it happened
    assert [(entry.actor, entry.target_id, entry.after) for entry in entries] == [
        ("ayse", "later", {"status": "DRAFT"}),
        ("ayse", "spring", {"status": "DRAFT"}),
    ]
    assert len(await store.audit.entries(target_id="spring")) == 1


async def test_an_audit_entry_of_a_change_that_is_refused_is_not_written(store: Store) -> None:
    await store.campaigns.save(percent_off("spring"), status=Status.ACTIVE)

    with pytest.raises(ValueError, match="it can become"):
        async with store.audit.recording(_entry("ayse", "spring", action="campaign.draft")):
            await store.campaigns.set_status("spring", Status.DRAFT)

    assert await store.audit.entries() == []


async def test_audit_entries_are_queried_by_actor_target_and_time(store: Store) -> None:
    start = datetime.now(UTC)
    for actor, target, minutes in [("ayse", "a", 0), ("mehmet", "a", 1), ("ayse", "b", 2)]:
        async with store.audit.recording(_entry(actor, target, at=start + timedelta(minutes=minutes))):
            pass

    by_ayse = await store.audit.entries(actor="ayse")
    on_a = await store.audit.entries(target_id="a")
    late = await store.audit.entries(since=start + timedelta(seconds=30), until=start + timedelta(minutes=2))
    page = await store.audit.entries(limit=2)
    rest = await store.audit.entries(before_id=page[-1].id)

    assert [(entry.actor, entry.target_id) for entry in by_ayse] == [("ayse", "b"), ("ayse", "a")]
    assert [entry.actor for entry in on_a] == ["mehmet", "ayse"]
    assert [entry.actor for entry in late] == ["mehmet"]
    assert [entry.target_id for entry in page + rest] == ["b", "a", "a"]


async def test_the_database_refuses_to_change_or_delete_an_audit_entry(store: Store) -> None:
    async with store.audit.recording(_entry("ayse", "spring")):
        pass
    database = store.database
    client = database.tables

    with database.active():
        rows = client.audit
        with pytest.raises(Exception, match="append-only"):
            await rows.all().update(actor="mallory")
        with pytest.raises(Exception, match="append-only"):
            await rows.all().delete()

    assert [entry.actor for entry in await store.audit.entries()] == ["ayse"]
