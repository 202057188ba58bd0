"""Documents for the storage tests."""

from __future__ import annotations

from typing import Any

from domain.documents import Campaign
from tests.builders import campaign


def percent_off(campaign_id: str, percent: str = "10", **fields: Any) -> Campaign:
    """Return a valid campaign giving `percent` off every unit."""
    return campaign(campaign_id, {"type": "PERCENTAGE", "value": percent}, **fields)
