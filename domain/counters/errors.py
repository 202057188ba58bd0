"""What a counter store raises (defined with the port in `domain.limits`)."""

from __future__ import annotations

from domain.limits import CountersUnavailable

__all__ = ["CountersUnavailable"]
