"""The audit trail of the admin graph: one entry per mutation (who, in which role, did what to what, the
state before and after, when, under which request)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    role: str
    action: str
    target_type: str
    target_id: str
    before: JsonObject | None
    after: JsonObject | None
    request_id: str
    at: datetime
    id: int | None = None
