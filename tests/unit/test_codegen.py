"""Code generation: every code fits its pattern, codes of a batch never repeat (a million of them included),
and a pattern too small for its count is refused by the guessing rule."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.codegen import (
    AMBIGUOUS,
    GUESSES_PER_CODE,
    Charset,
    CodeGenerator,
    CodePattern,
    PatternRefused,
    SecureBelow,
    code_space,
    generator,
    positions,
    problems,
)

PATTERN_PARTS = st.lists(st.sampled_from(["#", "?", "*", "-", "K", "M", "P", "\\#"]), min_size=1, max_size=30)


def regex(spec: CodePattern) -> re.Pattern[str]:
    return re.compile("".join(f"[{re.escape(slot)}]" for slot in positions(spec)))


@given(parts=PATTERN_PARTS, charset=st.sampled_from(list(Charset)[:3]), allow=st.booleans())
def test_every_code_drawn_fits_its_pattern(parts: list[str], charset: Charset, allow: bool) -> None:
    spec = CodePattern(pattern="".join(parts), charset=charset, allow_ambiguous=allow)
    if not any(part in "#?*" for part in parts):
        assert any(error.pointer == "/pattern" for error in problems(spec, 1))
        return
    shape = regex(spec)

    for code in CodeGenerator(spec).fresh(min(20, code_space(spec))):
        assert shape.fullmatch(code), code
        assert allow or not set(code) & AMBIGUOUS - set("".join(parts).replace("\\", ""))


@given(
    prefix=st.text("ABC-", max_size=5),
    postfix=st.text("XYZ", max_size=3),
    length=st.integers(1, 20),
    custom=st.sets(st.sampled_from("ABCDEFGH0123"), min_size=2),
)
def test_prefix_random_part_and_postfix_come_in_order_from_the_custom_charset(
    prefix: str, postfix: str, length: int, custom: set[str]
) -> None:
    spec = CodePattern(
        charset=Charset.CUSTOM, custom="".join(sorted(custom)), length=length, prefix=prefix, postfix=postfix
    )

    for code in CodeGenerator(spec).fresh(min(5, code_space(spec))):
        assert code.startswith(prefix)
        assert code.endswith(postfix)
        assert set(code[len(prefix) : len(code) - len(postfix)]) <= custom
        assert len(code) == len(prefix) + length + len(postfix)


@given(count=st.integers(1, 10**6), random=st.integers(1, 20), charset=st.sampled_from(list(Charset)[:3]))
def test_a_batch_is_refused_exactly_when_its_space_is_under_a_billion_codes_per_code(
    count: int, random: int, charset: Charset
) -> None:
    spec = CodePattern(charset=charset, length=random, prefix="KMP-")
    refused = problems(spec, count)

    assert bool(refused) == (code_space(spec) < count * GUESSES_PER_CODE)
    if refused:
        with pytest.raises(PatternRefused):
            generator(spec, count)


def test_the_guessing_rule_refuses_kmp_four_digits_four_letters_but_takes_a_longer_pattern() -> None:
    assert code_space(CodePattern(pattern="KMP-####-????")) == 8**4 * 23**4
    assert [error.pointer for error in problems(CodePattern(pattern="KMP-####-????"), 2)] == ["/pattern"]
    assert problems(CodePattern(pattern="KMP-####-????-****-****"), 100_000) == []


@pytest.mark.parametrize(
    ("spec", "count", "pointer"),
    [
        (CodePattern(charset=Charset.CUSTOM, custom="A"), 1, "/custom"),
        (CodePattern(charset=Charset.CUSTOM, custom="aA" + "BCDEFGHJ" * 4), 1, "/custom"),
        (CodePattern(custom="ABC"), 1, "/custom"),
        (CodePattern(length=0), 1, "/length"),
        (CodePattern(length=61, prefix="ABCD"), 1, "/length"),
        (CodePattern(pattern="KMP-****", prefix="X"), 1, "/pattern"),
        (CodePattern(pattern="KMP ####-****-****"), 1, "/pattern"),
        (CodePattern(pattern="KMP-\\#\\?"), 1, "/pattern"),
        (CodePattern(length=20), 0, "/count"),
        (CodePattern(length=20), 1_000_001, "/count"),
        (CodePattern(length=529_974_965), -43_501, "/length"),  # refused before its positions are spelled out
        (CodePattern(length=10**15), 1, "/length"),
        (CodePattern(pattern="*" * 10**7), 1, "/pattern"),
        (CodePattern(length=10, prefix="P" * 10**7), 1, "/prefix"),
    ],
)
def test_malformed_patterns_and_counts_are_refused_by_field(spec: CodePattern, count: int, pointer: str) -> None:
    assert pointer in {error.pointer for error in problems(spec, count)}


def test_ambiguous_characters_are_left_out_unless_allowed() -> None:
    assert not set(positions(CodePattern(length=1))[0]) & AMBIGUOUS
    assert set(positions(CodePattern(length=1, allow_ambiguous=True))[0]) >= AMBIGUOUS
    assert positions(CodePattern(pattern="#", allow_ambiguous=False)) == ["23456789"]


def test_a_million_codes_of_a_batch_are_all_distinct_and_draws_hardly_ever_collide() -> None:
    spec = CodePattern(length=12)
    draws = 0

    class Counting(SecureBelow):
        def __call__(self, bound: int) -> int:
            nonlocal draws
            draws += 1
            return super().__call__(bound)

    codes = CodeGenerator(spec, randbelow=Counting()).fresh(1_000_000)

    assert len(set(codes)) == 1_000_000
    assert draws - 1_000_000 < 10  # 31^12 codes: a collision has odds of about 1 in 3,000 per million


@settings(max_examples=30)
@given(bound=st.integers(1, 2**70))
def test_secure_numbers_stay_below_their_bound(bound: int) -> None:
    below = SecureBelow(chunk=64)

    assert all(0 <= below(bound) < bound for _ in range(50))


def test_secure_numbers_are_spread_evenly() -> None:
    below = SecureBelow()
    counts = Counter(below(6) for _ in range(60_000))

    assert set(counts) == set(range(6))
    assert all(9_000 < count < 11_000 for count in counts.values())
