"""The contract every counter store passes (Redis, SQL on SQLite, SQL on PostgreSQL): limits checked
before anything is written, holds that expire, commits, releases and give-backs that count once. A store
counts only what a rule limits (an unlimited dimension reads 0)."""

from __future__ import annotations

import asyncio
import time

from domain.limits import Claim, CodeRule, Counters, CounterStore, Limit, LimitRule, Usage

RULE = LimitRule("c1", total_redemptions=3)


def _claim(rule: LimitRule = RULE, **fields: object) -> Claim:
    values: dict[str, object] = {"customer_id": "ayse", "device_id": "d1", "day": "2026-11-22"}
    values.update(fields)
    return Claim(rule, **values)  # type: ignore[arg-type]


async def _usage(counters: CounterStore, claim: Claim) -> Usage:
    return (await counters.usage([claim]))[claim.campaign_id]


async def test_claims_within_the_limits_are_held_and_counted(counters: CounterStore) -> None:
    rule = LimitRule("c1", total_redemptions=5, budget_discount=10_000, budget_order_value=100_000)
    claim = _claim(rule, discount=2_500, order_value=40_000, code=CodeRule("SAVE", max_uses=10))

    assert await counters.reserve("o1", [claim], ttl=60) is None
    assert await _usage(counters, claim) == Usage(uses=1, discount=2_500, order_value=40_000, code_uses=1)


async def test_every_limited_dimension_is_counted_under_its_key(counters: CounterStore) -> None:
    rule = LimitRule("keys", per_customer=5, per_customer_per_day=5, per_device=5)
    claim = _claim(rule, code=CodeRule("ONCE", once_per_customer=True))

    await counters.reserve("o1", [claim], ttl=60)

    assert await _usage(counters, claim) == Usage(
        customer_uses=1, customer_day_uses=1, device_uses=1, code_customer_uses=1
    )
    assert await _usage(counters, _claim(rule, customer_id="other", device_id="d2")) == Usage()


async def test_total_redemptions_are_never_exceeded(counters: CounterStore) -> None:
    results = [await counters.reserve(f"o{index}", [_claim(customer_id=f"c{index}")], ttl=60) for index in range(4)]

    assert results[:3] == [None, None, None]
    assert results[3] is not None
    assert results[3].limit is Limit.TOTAL_REDEMPTIONS
    assert (await _usage(counters, _claim())).uses == 3


async def test_each_limit_refuses_by_name(counters: CounterStore) -> None:
    cases = [
        (LimitRule("b", budget_discount=1_000), {"discount": 600}, {"discount": 500}, Limit.BUDGET_DISCOUNT),
        (
            LimitRule("v", budget_order_value=1_000),
            {"order_value": 600},
            {"order_value": 500},
            Limit.BUDGET_ORDER_VALUE,
        ),
        (LimitRule("p", per_customer=1), {}, {}, Limit.PER_CUSTOMER),
        (LimitRule("d", per_customer_per_day=1), {}, {}, Limit.PER_CUSTOMER_PER_DAY),
        (LimitRule("x", per_device=1), {"customer_id": "a"}, {"customer_id": "b"}, Limit.PER_DEVICE),
        (
            LimitRule("k"),
            {"code": CodeRule("K1", max_uses=1), "customer_id": "a"},
            {"code": CodeRule("K1", max_uses=1), "customer_id": "b"},
            Limit.CODE_USES,
        ),
        (
            LimitRule("o"),
            {"code": CodeRule("O1", once_per_customer=True)},
            {"code": CodeRule("O1", once_per_customer=True)},
            Limit.CODE_PER_CUSTOMER,
        ),
    ]
    for rule, first, second, limit in cases:
        assert await counters.reserve(f"{rule.campaign_id}-1", [_claim(rule, **first)], ttl=60) is None
        refusal = await counters.reserve(f"{rule.campaign_id}-2", [_claim(rule, **second)], ttl=60)
        assert refusal is not None, rule
        assert (refusal.campaign_id, refusal.limit) == (rule.campaign_id, limit)


async def test_a_per_day_limit_counts_each_day_apart(counters: CounterStore) -> None:
    rule = LimitRule("daily", per_customer_per_day=1)

    assert await counters.reserve("o1", [_claim(rule, day="2026-11-22")], ttl=60) is None
    assert await counters.reserve("o2", [_claim(rule, day="2026-11-23")], ttl=60) is None
    assert await counters.reserve("o3", [_claim(rule, day="2026-11-23")], ttl=60) is not None


async def test_reserving_an_order_twice_holds_it_once(counters: CounterStore) -> None:
    assert await counters.reserve("o1", [_claim()], ttl=60) is None
    assert await counters.reserve("o1", [_claim()], ttl=60) is None

    assert (await _usage(counters, _claim())).uses == 1


async def test_a_refused_claim_gives_back_what_the_order_already_held(counters: CounterStore) -> None:
    open_rule, tight_rule = LimitRule("open", total_redemptions=10), LimitRule("tight", total_redemptions=1)
    assert await counters.reserve("first", [_claim(tight_rule)], ttl=60) is None

    refusal = await counters.reserve("second", [_claim(open_rule), _claim(tight_rule)], ttl=60)

    assert refusal is not None
    assert refusal.campaign_id == "tight"
    assert (await _usage(counters, _claim(open_rule))).uses == 0


async def test_commit_keeps_the_use_and_release_after_commit_changes_nothing(counters: CounterStore) -> None:
    assert await counters.reserve("o1", [_claim(discount=100)], ttl=60) is None

    assert await counters.commit("o1", ["c1"]) == []
    await counters.release("o1", ["c1"])

    assert (await _usage(counters, _claim())).uses == 1


async def test_release_gives_the_hold_back_once(counters: CounterStore) -> None:
    await counters.reserve("o1", [_claim()], ttl=60)
    await counters.reserve("o2", [_claim(customer_id="b")], ttl=60)

    await counters.release("o1", ["c1"])
    await counters.release("o1", ["c1"])

    assert (await _usage(counters, _claim(customer_id="b"))).uses == 1


async def test_an_expired_hold_frees_its_slot_and_cannot_be_committed(counters: CounterStore) -> None:
    rule = LimitRule("ttl", total_redemptions=1)
    assert await counters.reserve("late", [_claim(rule)], ttl=0.2) is None
    assert await counters.reserve("other", [_claim(rule, customer_id="b")], ttl=60) is not None

    await asyncio.sleep(0.4)

    assert (await _usage(counters, _claim(rule))).uses == 0
    assert await counters.commit("late", ["ttl"]) == ["ttl"]
    assert await counters.reserve("other", [_claim(rule, customer_id="b")], ttl=60) is None


async def test_an_expiry_gives_back_the_hold_of_the_reservation_that_ended(counters: CounterStore) -> None:
    rule = LimitRule("expiry", total_redemptions=1)
    started = time.time()
    assert await counters.reserve("o1", [_claim(rule)], ttl=60) is None

    await counters.release("o1", ["expiry"], ended_by=started + 61)

    assert (await _usage(counters, _claim(rule))).uses == 0


async def test_an_order_held_again_keeps_its_hold_through_the_old_reservations_expiry(
    counters: CounterStore,
) -> None:
    """A late commit holds an expired reservation again (the counters may still have its hold): that hold is
    made to last the new TTL, so the old reservation's expiry, landing after, leaves it alone."""
    rule = LimitRule("again", total_redemptions=1)
    started = time.time()
    assert await counters.reserve("o1", [_claim(rule)], ttl=1) is None
    assert await counters.reserve("o1", [_claim(rule)], ttl=600) is None  # held already: not counted twice

    await counters.release("o1", ["again"], ended_by=started + 2)
    assert (await _usage(counters, _claim(rule))).uses == 1
    assert await counters.commit("o1", ["again"]) == []

    await counters.release("o1", ["again"])  # committed: a release changes nothing
    assert (await _usage(counters, _claim(rule))).uses == 1


async def test_return_ids_are_counted_once_per_order(counters: CounterStore) -> None:
    rule = LimitRule("per-order", total_redemptions=5)
    for order_id in ("o1", "o2"):
        await counters.reserve(order_id, [_claim(rule, customer_id=order_id)], ttl=60)
        await counters.commit(order_id, ["per-order"])

    for order_id in ("o1", "o2"):
        await counters.give_back(order_id, "r1", [_claim(rule, customer_id=order_id)])

    assert (await _usage(counters, _claim(rule))).uses == 0


async def test_a_give_back_counts_once_per_return(counters: CounterStore) -> None:
    rule = LimitRule("ret", total_redemptions=5, budget_discount=10_000)
    await counters.reserve("o1", [_claim(rule, discount=3_000)], ttl=60)
    await counters.commit("o1", ["ret"])

    await counters.give_back("o1", "r1", [_claim(rule, discount=1_000, uses=0)])
    await counters.give_back("o1", "r1", [_claim(rule, discount=1_000, uses=0)])
    await counters.give_back("o1", "r2", [_claim(rule, discount=2_000, uses=1)])

    assert (await _usage(counters, _claim(rule))) == Usage()


async def test_concurrent_reservations_never_exceed_the_limit(counters: CounterStore) -> None:
    rule = LimitRule("hot", total_redemptions=50, budget_discount=1_000_000)

    results = await asyncio.gather(
        *(
            counters.reserve(f"o{index}", [_claim(rule, customer_id=f"c{index}", discount=100)], ttl=60)
            for index in range(200)
        )
    )

    assert sum(result is None for result in results) == 50
    assert await _usage(counters, _claim(rule)) == Usage(uses=50, discount=5_000)


async def test_campaigns_without_limits_are_neither_counted_nor_refused(counters: CounterStore) -> None:
    free = LimitRule("free")

    assert all([await counters.reserve(f"o{index}", [_claim(free)], ttl=60) is None for index in range(5)])


async def test_an_attempt_counts_as_it_starts_and_can_be_taken_back(counters: Counters) -> None:
    first = await counters.attempt("address:10.0.0.9", window=60)
    second = await counters.attempt("address:10.0.0.9", window=60)
    assert (first.count, second.count) == (1, 2)
    assert first.token != second.token

    await counters.forget("address:10.0.0.9", first.token)
    await counters.forget("address:10.0.0.9", first.token)  # once: taking it back again changes nothing

    assert await counters.failures("address:10.0.0.9", window=60) == 1
    assert (await counters.attempt("address:10.0.0.9", window=60)).count == 2
    assert await counters.failures("customer:other", window=60) == 0
