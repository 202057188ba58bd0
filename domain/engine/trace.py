"""The `explain` trace: what the evaluator looked at and decided, step by step."""

from __future__ import annotations

from domain.documents.result import JsonScalar, TraceEntry
from domain.engine.assemble import assemble


class Trace:
    """Collects trace entries when enabled; callers check `enabled` before building costly messages."""

    __slots__ = ("enabled", "entries")

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.entries: list[TraceEntry] = []

    def add(self, stage: str, message: str, campaign_id: str | None = None, **data: JsonScalar) -> None:
        if self.enabled:
            self.entries.append(
                assemble(TraceEntry, {"stage": stage, "campaign_id": campaign_id, "message": message, "data": data})
            )


DISABLED = Trace(enabled=False)
