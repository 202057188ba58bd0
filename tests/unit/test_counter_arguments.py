"""The Redis counters write the JSON their scripts decode by hand (a reserve makes two per call): it must be
exactly what `json` writes, for every field name a claim can produce (customer, device and code keys are
free text)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from domain.counters.redis import _checks, _Dimension, _entry
from domain.limits import Limit

names = st.text(max_size=30)
amounts = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


@given(st.sampled_from(["h", "r", "c"]), st.dictionaries(names, amounts, max_size=6))
def test_a_hold_entry_is_the_json_of_its_state_and_amounts(state: str, fields: dict[str, int]) -> None:
    written = _entry(state, fields)

    assert written == _compact({"s": state, "f": {field: str(amount) for field, amount in fields.items()}})
    assert json.loads(written) == {"s": state, "f": {field: str(amount) for field, amount in fields.items()}}


@given(st.lists(st.tuples(st.sampled_from(list(Limit)), names, amounts, amounts, names), max_size=8))
def test_the_checks_of_a_reserve_are_the_json_of_limit_field_ceiling_and_wanted(
    rows: list[tuple[Limit, str, int, int, str]],
) -> None:
    dimensions = [_Dimension(limit, field, ceiling, amount, usage) for limit, field, ceiling, amount, usage in rows]

    written = _checks(dimensions)

    expected = [[limit.value, field, str(ceiling), str(amount)] for limit, field, ceiling, amount, _ in rows]
    assert written == _compact(expected)
    assert json.loads(written) == expected
