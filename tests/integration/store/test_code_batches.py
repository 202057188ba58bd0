"""Code batches as jobs on both databases: stored unique in chunks (one catalog version each), collisions
drawn again, a stopped or dead runner's batch resumed from what is stored, a hopeless one failed with a
report; and the bulk tools: search pages, assignment, terms, CSV import and export."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.code_batches import BatchRequest, BatchStatus, CodeTerms
from domain.code_csv import GoodRow, header, line, rows
from domain.codegen import CodeGenerator, CodePattern
from domain.documents.common import Status
from domain.imports import RowError
from domain.limits import Claim, CodeRule, LimitRule, claim_document
from domain.store import NotFound, Store, migrate
from domain.store.code_admin import CodeFilter
from domain.store.code_runner import CodeBatchRunner
from tests.integration.store.documents import percent_off

LEASE = timedelta(seconds=60)
EXPIRES = datetime(2031, 1, 1, tzinfo=UTC)


@pytest.fixture
async def spring(store: Store) -> None:
    await store.campaigns.save(percent_off("spring", kind="COUPON"), status=Status.ACTIVE)


def request(count: int, **pattern: object) -> BatchRequest:
    spec = CodePattern(**pattern) if pattern else CodePattern(prefix="SPR-", length=10)  # type: ignore[arg-type]
    return BatchRequest("spring", count, spec, CodeTerms(max_uses=1, expires_at=EXPIRES))


class Scripted(CodeGenerator):
    """Draws the codes it is given first (to force collisions), then random ones."""

    script: Iterator[str] = iter(())

    def draw(self) -> str:
        return next(self.script, None) or super().draw()


@pytest.mark.usefixtures("spring")
async def test_a_batch_stores_its_codes_unique_in_chunks_of_one_catalog_version_each(store: Store) -> None:
    batch = await store.code_batches.create(request(2_500), created_by="mert")
    version = await store.catalog_version()

    [done] = await CodeBatchRunner(store.code_batches, chunk=1_000).run_pending()

    codes = [code async for page in store.code_admin.pages(CodeFilter(batch_id=batch.id), size=700) for code in page]
    assert (done.status, done.done, done.report.stored) == (BatchStatus.DONE, 2_500, 2_500)
    assert done.finished_at is not None
    assert done.report.error is None
    assert len({stored.spec.code for stored in codes}) == 2_500
    assert all(stored.spec.code.startswith("SPR-") and len(stored.spec.code) == 14 for stored in codes)
    assert {(stored.spec.max_uses, stored.spec.expires_at, stored.spec.campaign_id) for stored in codes} == {
        (1, EXPIRES, "spring")
    }
    assert await store.catalog_version() == version + 3
    changes = await store.changes_since(version + 2)
    assert len(changes.codes) == 500


@pytest.mark.usefixtures("spring")
async def test_codes_that_collide_with_stored_ones_are_drawn_again(store: Store) -> None:
    first = await store.code_batches.create(request(300), created_by="mert")
    await CodeBatchRunner(store.code_batches, chunk=100).run_pending()
    taken = [stored.spec.code for stored in await store.code_admin.page(CodeFilter(batch_id=first.id), limit=40)]
    Scripted.script = iter(taken)
    second = await store.code_batches.create(request(100), created_by="mert")

    [done] = await CodeBatchRunner(store.code_batches, chunk=100, generator=Scripted).run_pending()

    mine = await store.code_admin.page(CodeFilter(batch_id=second.id), limit=200)
    assert (done.status, done.done, done.report.redrawn) == (BatchStatus.DONE, 100, 40)
    assert len(mine) == 100
    assert not {stored.spec.code for stored in mine} & set(taken)
    assert await store.code_admin.count(CodeFilter(batch_id=first.id)) == 300


@pytest.mark.usefixtures("spring")
async def test_a_stopped_runner_leaves_its_batch_to_be_resumed_from_what_is_stored(store: Store) -> None:
    batch = await store.code_batches.create(request(1_000), created_by="mert")
    runner = CodeBatchRunner(store.code_batches, chunk=300)
    claimed = await store.code_batches.claim(lease=LEASE)
    assert claimed is not None
    await store.code_batches.store_chunk(batch.id, CodeGenerator(claimed.request.pattern).fresh(300), lease=LEASE)
    await runner.stop()  # stopping before the next chunk, as a restart does
    paused = await runner.run(claimed)

    assert (paused.status, await store.code_admin.count(CodeFilter(batch_id=batch.id))) == (BatchStatus.RUNNING, 300)
    [resumed] = await CodeBatchRunner(store.code_batches, chunk=300).run_pending()

    assert (resumed.status, resumed.done, resumed.report.stored, resumed.report.resumed) == (
        BatchStatus.DONE,
        1_000,
        1_000,
        1,
    )
    assert await store.code_admin.count(CodeFilter(batch_id=batch.id)) == 1_000


@pytest.mark.usefixtures("spring")
async def test_the_batch_of_a_runner_that_died_is_resumed_once_its_lease_runs_out(store: Store) -> None:
    live = await store.code_batches.create(request(10), created_by="mert")
    await store.code_batches.claim(lease=LEASE)  # a live runner holds it
    batch = await store.code_batches.create(request(500), created_by="mert")
    claimed = await store.code_batches.claim(lease=timedelta(seconds=-1))  # a runner that died at once
    assert claimed is not None
    assert claimed.id == batch.id
    await store.code_batches.store_chunk(batch.id, ["SPR-DEAD000001", "SPR-DEAD000002"], lease=timedelta(seconds=-1))

    ended = await CodeBatchRunner(store.code_batches).run_pending()

    assert [(one.id, one.status, one.done, one.report.resumed) for one in ended] == [
        (batch.id, BatchStatus.DONE, 500, 1)
    ]
    got = await store.code_batches.get(live.id)
    assert got is not None
    assert (got.status, got.done) == (BatchStatus.RUNNING, 0)


@pytest.mark.usefixtures("spring")
async def test_a_batch_that_can_store_nothing_fails_with_a_report_of_what_it_stored(store: Store) -> None:
    first = await store.code_batches.create(request(5, pattern="SPR-#"), created_by="mert")
    await CodeBatchRunner(store.code_batches, chunk=5).run_pending()  # the 8 codes of SPR-# minus 5
    second = await store.code_batches.create(request(5, pattern="SPR-#"), created_by="mert")

    [failed] = await CodeBatchRunner(store.code_batches, chunk=5).run_pending()

    assert (await store.code_batches.get(first.id)).status is BatchStatus.DONE  # type: ignore[union-attr]
    assert (failed.id, failed.status, failed.done) == (second.id, BatchStatus.FAILED, 3)
    assert failed.report.stored == 3
    assert "collided" in (failed.report.error or "")


async def test_a_batch_for_an_unknown_campaign_is_refused(store: Store) -> None:
    with pytest.raises(NotFound, match="campaign 'spring'"):
        await store.code_batches.create(request(10), created_by="mert")


# -- one by one and in bulk ------------------------------------------------------------------------------------


def csv_rows(*texts: str) -> list[GoodRow | RowError]:
    return list(rows(iter(texts)))


@pytest.mark.usefixtures("spring")
async def test_codes_are_found_by_prefix_and_customer_and_assigned_and_given_new_terms(store: Store) -> None:
    await store.code_admin.import_rows(
        list(csv_rows("code,campaign_id", "vip-1,spring", "VIP-2,spring", "other,spring"))  # type: ignore[misc]
    )
    assigned = await store.code_admin.assign("vip-2", "c1")
    terms = CodeTerms(max_uses=3, once_per_customer=True, expires_at=EXPIRES)
    changed = await store.code_admin.set_terms("VIP-1", terms)

    assert [stored.spec.code for stored in await store.code_admin.page(CodeFilter(prefix="vip"))] == ["VIP-1", "VIP-2"]
    assert [stored.spec.code for stored in await store.code_admin.page(CodeFilter(prefix="vip"), after="VIP-1")] == [
        "VIP-2"
    ]
    assert [stored.spec.code for stored in await store.code_admin.page(CodeFilter(customer_id="c1"))] == ["VIP-2"]
    assert assigned.spec.customer_id == "c1"
    assert (changed.spec.max_uses, changed.spec.once_per_customer, changed.spec.expires_at) == (3, True, EXPIRES)
    assert (await store.changes_since(changed.catalog_version - 1)).codes == [changed]
    with pytest.raises(NotFound):
        await store.code_admin.assign("NOPE", "c1")


@pytest.mark.usefixtures("spring")
async def test_an_export_imports_back_into_another_database_unchanged(store: Store, tmp_path: Path) -> None:
    other_url = f"sqlite://{tmp_path / 'other.sqlite3'}"
    await migrate(other_url)
    batch = await store.code_batches.create(request(1_200), created_by="mert")
    await CodeBatchRunner(store.code_batches, chunk=500).run_pending()
    await store.code_admin.assign(
        (await store.code_admin.page(CodeFilter(batch_id=batch.id), limit=1))[0].spec.code, "c9"
    )
    exported = [header()] + [
        line(stored.spec) async for page in store.code_admin.pages(CodeFilter(campaign_id="spring")) for stored in page
    ]

    async with await Store.open(other_url) as other:
        await other.campaigns.save(percent_off("spring", kind="COUPON"), status=Status.ACTIVE)
        parsed = csv_rows(*exported)
        assert all(isinstance(row, GoodRow) for row in parsed)
        assert await other.code_admin.import_rows(parsed) == []  # type: ignore[arg-type]
        back = [header()] + [
            line(stored.spec)
            async for page in other.code_admin.pages(CodeFilter(campaign_id="spring"))
            for stored in page
        ]

    assert back == exported
    assert len(exported) == 1_201


@pytest.mark.usefixtures("spring")
async def test_an_import_stores_its_good_rows_and_reports_every_bad_one(store: Store) -> None:
    await store.code_admin.import_rows(csv_rows("code,campaign_id", "TAKEN,spring"))  # type: ignore[arg-type]
    parsed = csv_rows(
        "code,campaign_id,max_uses,expires_at,once_per_customer",
        "good-1,spring,1,2031-01-01T00:00:00+00:00,true",
        "bad code,spring,,,",
        "good-2,spring,,,",
        "taken,spring,,,",
        "lost,autumn,,,",
        "zero,spring,0,,",
        "naive,spring,,2031-01-01T00:00:00,",
        "when,spring,,tomorrow,",
        "flag,spring,,,maybe",
        "GOOD-1,spring,,,",
        "short,spring",
    )
    good = [row for row in parsed if isinstance(row, GoodRow)]

    refused = await store.code_admin.import_rows(good)

    errors = sorted([row for row in parsed if isinstance(row, RowError)] + refused, key=lambda error: error.row)
    assert [(error.row, error.field) for error in errors] == [
        (3, "code"),
        (5, "code"),
        (6, "campaign_id"),
        (7, "max_uses"),
        (8, "expires_at"),
        (9, "expires_at"),
        (10, "once_per_customer"),
        (11, "code"),
        (12, ""),
    ]
    stored = await store.code_admin.page(CodeFilter(campaign_id="spring"))
    assert [code.spec.code for code in stored] == ["GOOD-1", "GOOD-2", "TAKEN"]
    assert (stored[0].spec.max_uses, stored[0].spec.once_per_customer) == (1, True)


async def test_an_import_with_a_bad_header_reads_no_row() -> None:
    for head in ("code,campaign,whatever", "campaign_id,max_uses", "code,code,campaign_id"):
        [error] = csv_rows(head, "A,spring")
        assert isinstance(error, RowError)
        assert error.row == 1


@pytest.mark.usefixtures("spring")
async def test_an_import_of_only_bad_rows_stores_nothing(store: Store) -> None:
    version = await store.catalog_version()
    parsed = list(itertools.islice(csv_rows("code,campaign_id", "x y,spring", ",spring"), 10))

    assert all(isinstance(row, RowError) for row in parsed)
    assert len(parsed) == 2
    assert await store.code_admin.import_rows([]) == []
    assert await store.catalog_version() == version


@pytest.mark.usefixtures("spring")
async def test_a_codes_usage_sums_the_ledger_steps_that_came_with_it(store: Store) -> None:
    await store.code_admin.import_rows(csv_rows("code,campaign_id", "SPRING-1,spring", "SPRING-2,spring"))  # type: ignore[arg-type]
    rule = LimitRule("spring")
    ledger = store.database.tables.ledger
    steps = [  # (order, kind, code, customer, held, used, discount)
        ("o1", "HOLD", "SPRING-1", "c1", 1, 0, 0),
        ("o1", "COMMIT", "SPRING-1", "c1", -1, 1, 1_500),
        ("o2", "COMMIT", "SPRING-1", "c2", 0, 1, 2_000),
        ("o2", "RETURN", "SPRING-1", "c2", 0, -1, -2_000),
        ("o3", "HOLD", "SPRING-1", "c3", 1, 0, 0),
        ("o4", "COMMIT", "SPRING-2", "c1", 0, 1, 999),
    ]
    with store.database.active():
        for order, kind, code, customer, held, used, discount in steps:
            claim = Claim(rule=rule, customer_id=customer, code=CodeRule(code, max_uses=1))
            await ledger.create(
                order_id=order,
                campaign_id="spring",
                kind=kind,
                held_uses=held,
                used_uses=used,
                used_discount=discount,
                used_value=discount * 10,
                claim=claim_document(claim),
                at=datetime.now(UTC),
            )

    usage = await store.code_admin.usage("spring-1")

    assert usage is not None
    assert (usage.uses, usage.held, usage.discount, usage.order_value) == (1, 1, 1_500, 15_000)
    assert usage.customers == ("c1", "c2")
    assert [step.order_id for step in usage.steps] == ["o1", "o1", "o2", "o2", "o3"]
    assert await store.code_admin.usage("NOPE") is None
