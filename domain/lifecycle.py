"""The campaign lifecycle: which status changes are allowed, and which statuses are live. A live or
paused campaign goes back to PENDING_APPROVAL when someone whose work needs an approver changes it."""

from __future__ import annotations

from domain.documents.common import Status

LIVE = frozenset({Status.ACTIVE, Status.SCHEDULED})
"""Statuses the pricing core loads: active ones apply now, scheduled ones start by the clock."""

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.PENDING_APPROVAL, Status.SCHEDULED, Status.ACTIVE, Status.ARCHIVED}),
    Status.PENDING_APPROVAL: frozenset({Status.DRAFT, Status.SCHEDULED, Status.ACTIVE, Status.ARCHIVED}),
    Status.SCHEDULED: frozenset({Status.DRAFT, Status.PENDING_APPROVAL, Status.ACTIVE, Status.PAUSED, Status.ENDED}),
    Status.ACTIVE: frozenset({Status.PENDING_APPROVAL, Status.PAUSED, Status.ENDED}),
    Status.PAUSED: frozenset({Status.PENDING_APPROVAL, Status.ACTIVE, Status.SCHEDULED, Status.ENDED}),
    Status.ENDED: frozenset({Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}


class InvalidTransition(ValueError):
    def __init__(self, campaign_id: str, current: Status, wanted: Status) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing"
        super().__init__(f"campaign {campaign_id!r} is {current}; it can become {allowed}, not {wanted}")
        self.campaign_id = campaign_id
        self.current = current
        self.wanted = wanted


def check_transition(campaign_id: str, current: Status, wanted: Status) -> None:
    """Raise `InvalidTransition` unless a campaign may go from `current` to `wanted` (staying is allowed)."""
    if wanted != current and wanted not in TRANSITIONS[current]:
        raise InvalidTransition(campaign_id, current, wanted)
