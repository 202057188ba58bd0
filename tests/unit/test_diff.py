"""Field-by-field differences between two versions of a document."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.diff import FieldChange, document_diff

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=12,
)


def test_changed_added_and_removed_leaves_are_listed_by_pointer() -> None:
    before = {"name": {"tr": "A"}, "benefit": {"type": "PERCENTAGE", "value": "10"}, "labels": ["x"]}
    after = {"name": {"tr": "A", "en": "A"}, "benefit": {"type": "PERCENTAGE"}, "labels": ["x", "y"]}

    assert document_diff(before, after) == [
        FieldChange("/name/en", None, "A"),
        FieldChange("/benefit/value", "10", None),
        FieldChange("/labels", ["x"], ["x", "y"]),
    ]


def test_a_key_with_a_slash_is_escaped() -> None:
    assert document_diff({"a/b": 1}, {"a/b": 2}) == [FieldChange("/a~1b", 1, 2)]


@given(JSON)
def test_a_document_does_not_differ_from_itself(document: Any) -> None:
    assert document_diff(document, document) == []


@given(st.dictionaries(st.text(max_size=3), JSON, max_size=4), st.dictionaries(st.text(max_size=3), JSON, max_size=4))
def test_two_documents_differ_exactly_when_they_are_unequal(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert bool(document_diff(before, after)) == (before != after)
