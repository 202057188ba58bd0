"""The text JSON columns are written with (orjson, `json` where orjson cannot) reads back as the document
was, exactly: integers of any size, any text, nested documents."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.store.fields import json_document, json_text

documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@given(documents)
def test_a_document_reads_back_as_written(document: Any) -> None:
    text = json_text(document)

    assert json_document(text) == document
    assert json.loads(text) == document
    assert json_document(text.encode()) == document


def test_an_integer_beyond_64_bits_is_written_by_json_and_stays_an_integer() -> None:
    text = json_text({"count": 2**64, "nested": [-(2**80)]})

    assert text == '{"count":18446744073709551616,"nested":[-1208925819614629174706176]}'
    assert json_document(text) == {"count": 2**64, "nested": [-(2**80)]}


def test_keys_that_are_not_text_are_written_as_json_writes_them() -> None:
    assert json_text({1: "a", "b": [1.5, None]}) == json.dumps({1: "a", "b": [1.5, None]}, separators=(",", ":"))


def test_text_is_written_as_utf_8_not_escaped() -> None:
    assert json_text({"city": "İzmir"}) == '{"city":"İzmir"}'
