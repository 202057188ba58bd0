"""Campaigns: every change is a new version, readable as it was; status changes follow the lifecycle."""

from __future__ import annotations

import pytest

from domain.documents.common import Status
from domain.errors import DocumentError, FieldError
from domain.lifecycle import InvalidTransition
from domain.store import NotFound, Store
from tests.integration.store.documents import percent_off


async def test_a_new_campaign_is_stored_as_version_1_in_draft(store: Store) -> None:
    stored = await store.campaigns.save(percent_off("spring"), author="ayse")

    assert (stored.id, stored.version, stored.status, stored.author) == ("spring", 1, Status.DRAFT, "ayse")
    assert stored.document.status is Status.DRAFT
    assert await store.campaigns.get("spring") == stored


async def test_every_save_is_a_new_version_and_each_version_reads_back_as_it_was(store: Store) -> None:
    for percent in ("10", "15", "20"):
        await store.campaigns.save(percent_off("spring", percent))

    versions = [await store.campaigns.version("spring", number) for number in (1, 2, 3)]

    assert [stored.version for stored in versions if stored] == [1, 2, 3]
    assert [str(stored.document.benefit.value) for stored in versions if stored] == ["10", "15", "20"]
    assert await store.campaigns.history("spring") == versions
    assert await store.campaigns.get("spring") == versions[2]


async def test_the_status_is_the_argument_else_the_documents_else_the_current_one(store: Store) -> None:
    first = await store.campaigns.save(percent_off("spring", status="SCHEDULED"))
    kept = await store.campaigns.save(percent_off("spring", "15"))
    chosen = await store.campaigns.save(percent_off("spring", "20", status="SCHEDULED"), status=Status.ACTIVE)

    assert [first.status, kept.status, chosen.status] == [Status.SCHEDULED, Status.SCHEDULED, Status.ACTIVE]
    assert chosen.document.status is Status.ACTIVE


async def test_set_status_writes_a_new_version_of_the_same_document(store: Store) -> None:
    saved = await store.campaigns.save(percent_off("spring"), status=Status.ACTIVE)

    paused = await store.campaigns.set_status("spring", Status.PAUSED, author="mehmet")

    assert (paused.version, paused.status, paused.author) == (2, Status.PAUSED, "mehmet")
    assert paused.document.model_copy(update={"status": Status.ACTIVE}) == saved.document


async def test_an_invalid_transition_is_refused_and_nothing_is_written(store: Store) -> None:
    await store.campaigns.save(percent_off("spring"), status=Status.ACTIVE)
    version = await store.catalog_version()

    with pytest.raises(InvalidTransition, match="it can become ENDED, PAUSED, PENDING_APPROVAL, not DRAFT"):
        await store.campaigns.save(percent_off("spring", "50"), status=Status.DRAFT)
    with pytest.raises(InvalidTransition):
        await store.campaigns.set_status("spring", Status.ARCHIVED)

    assert [stored.version for stored in await store.campaigns.history("spring")] == [1]
    assert await store.catalog_version() == version


async def test_the_status_of_an_unknown_campaign_cannot_be_set(store: Store) -> None:
    with pytest.raises(NotFound, match="no campaign 'ghost'"):
        await store.campaigns.set_status("ghost", Status.ACTIVE)


async def test_an_unknown_campaign_has_no_version_and_no_history(store: Store) -> None:
    await store.campaigns.save(percent_off("spring"))

    assert await store.campaigns.get("ghost") is None
    assert await store.campaigns.version("spring", 2) is None
    assert await store.campaigns.history("ghost") == []


async def test_list_gives_the_latest_version_of_each_campaign_by_id(store: Store) -> None:
    await store.campaigns.save(percent_off("b-summer"), status=Status.ACTIVE)
    await store.campaigns.save(percent_off("a-spring"))
    await store.campaigns.save(percent_off("a-spring", "15"))
    await store.campaigns.save(percent_off("c-winter"), status=Status.SCHEDULED)

    everything = await store.campaigns.list()
    live = await store.campaigns.list(statuses=[Status.ACTIVE, Status.SCHEDULED])

    assert [(stored.id, stored.version) for stored in everything] == [("a-spring", 2), ("b-summer", 1), ("c-winter", 1)]
    assert [stored.id for stored in live] == ["b-summer", "c-winter"]


async def test_import_all_saves_every_document_with_one_catalog_bump(store: Store) -> None:
    await store.campaigns.save(percent_off("spring"), status=Status.PAUSED)

    imported = await store.campaigns.import_all(
        [percent_off("spring", "15"), percent_off("summer", status="DRAFT"), percent_off("winter")], author="import"
    )

    assert [(stored.id, stored.version, stored.status) for stored in imported] == [
        ("spring", 2, Status.ACTIVE),
        ("summer", 1, Status.DRAFT),
        ("winter", 1, Status.ACTIVE),
    ]
    assert {stored.catalog_version for stored in imported} == {2}
    assert await store.catalog_version() == 2
    assert await store.campaigns.list() == imported


async def test_import_all_writes_nothing_when_the_third_document_cannot_be_saved(store: Store) -> None:
    await store.campaigns.save(percent_off("autumn"), status=Status.ACTIVE)
    await store.campaigns.set_status("autumn", Status.ENDED)
    version = await store.catalog_version()

    with pytest.raises(DocumentError) as refused:
        await store.campaigns.import_all([percent_off("spring"), percent_off("summer"), percent_off("autumn")])

    assert [error.pointer for error in refused.value.errors] == ["/2/status"]
    assert "'autumn' is ENDED" in refused.value.errors[0].message
    assert [stored.id for stored in await store.campaigns.list()] == ["autumn"]
    assert await store.catalog_version() == version


async def test_import_all_refuses_the_same_campaign_twice(store: Store) -> None:
    with pytest.raises(DocumentError) as refused:
        await store.campaigns.import_all([percent_off("spring"), percent_off("spring", "20")])

    assert refused.value.errors == (FieldError("/1/id", "campaign id 'spring' is also used by /0"),)
    assert await store.campaigns.list() == []
