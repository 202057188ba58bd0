"""Static segments: members added and removed idempotently, and the segments of a customer."""

from __future__ import annotations

import pytest

from domain.documents.catalog import Segment
from domain.store import NotFound, Store


async def test_a_segment_reads_back_as_written_and_can_be_renamed(store: Store) -> None:
    await store.segments.upsert(Segment(id="vip", name="VIP"))

    renamed = await store.segments.upsert(Segment(id="vip", name="Very important", description="Top 1%"))

    assert await store.segments.get("vip") == renamed
    assert await store.segments.get("ghost") is None


async def test_adding_members_is_idempotent_and_counts_only_the_new_ones(store: Store) -> None:
    await store.segments.upsert(Segment(id="vip", name="VIP"))

    first = await store.segments.add_members("vip", ["c-2", "c-1"])
    again = await store.segments.add_members("vip", ["c-1", "c-3", "c-3"])

    assert (first, again) == (2, 1)
    assert await store.segments.members("vip") == ["c-1", "c-2", "c-3"]


async def test_removing_members_counts_those_that_were_in(store: Store) -> None:
    await store.segments.upsert(Segment(id="vip", name="VIP"))
    await store.segments.add_members("vip", ["c-1", "c-2"])

    removed = await store.segments.remove_members("vip", ["c-1", "c-9"])

    assert removed == 1
    assert await store.segments.members("vip") == ["c-2"]


async def test_a_customer_knows_its_segments(store: Store) -> None:
    for segment_id in ("vip", "students", "b2b"):
        await store.segments.upsert(Segment(id=segment_id, name=segment_id))
    await store.segments.add_members("vip", ["c-1"])
    await store.segments.add_members("students", ["c-1", "c-2"])

    assert await store.segments.of_customer("c-1") == ["students", "vip"]
    assert await store.segments.of_customer("c-9") == []


async def test_members_cannot_join_an_unknown_segment(store: Store) -> None:
    with pytest.raises(NotFound, match="no segment 'ghost'"):
        await store.segments.add_members("ghost", ["c-1"])


async def test_an_id_longer_than_any_stored_one_finds_no_segment_instead_of_failing(store: Store) -> None:
    too_long, customer = "s" * 101, "c" * 201  # the columns hold 100 and 200 characters
    with pytest.raises(NotFound):
        await store.segments.add_members(too_long, ["c-1"])
    with pytest.raises(NotFound):
        await store.segments.remove_members(too_long, ["c-1"])
    with pytest.raises(NotFound):
        await store.segments.recompute(too_long)
    assert await store.segments.members(too_long) == []
    assert await store.segments.size(too_long) == 0
    assert await store.segments.of_customer(customer) == []
