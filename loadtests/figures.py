"""The figures a benchmark reports, in a form `loadtests/report.py` collects: one line per figure on
standard output, `@@figure {json}`, next to the benchmark's own human-readable tables."""

from __future__ import annotations

import json

MARK = "@@figure "


def figure(
    benchmark: str, name: str, value: float, unit: str, *, target: str | None = None, met: bool | None = None
) -> None:
    """Print one figure: `value` in `unit`; `target` and `met` when the issue names a target for it."""
    record = {"benchmark": benchmark, "name": name, "value": value, "unit": unit, "target": target, "met": met}
    print(MARK + json.dumps(record, ensure_ascii=False), flush=True)


def collect(output: str) -> list[dict[str, object]]:
    """Return the figures printed in a benchmark's output."""
    return [json.loads(line[len(MARK) :]) for line in output.splitlines() if line.startswith(MARK)]
