"""The build under test: CI runs the unit tests once on pure Python and once on the mypyc-compiled engine,
and this says which one it is (KAMPANYA_EXPECT_BUILD=compiled|pure makes it a check)."""

from __future__ import annotations

import os
from pathlib import Path

import domain.engine.benefits
import domain.money


def test_the_engine_under_test_is_the_expected_build() -> None:
    compiled = {Path(module.__file__ or "").suffix != ".py" for module in (domain.money, domain.engine.benefits)}
    expected = os.environ.get("KAMPANYA_EXPECT_BUILD", "compiled" if compiled == {True} else "pure")

    assert compiled == {expected == "compiled"}
