"""A batch of unique coupon codes generated in the background: what is asked (a pattern, a count, the terms
every code gets), how far the job is, and its final report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.codegen import Charset, CodePattern, problems
from domain.errors import FieldError

BATCH_PREFIX = "batch_"


class BatchStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class CodeTerms:
    """What each code of a batch allows: its own use limit (one use by default: a unique code), once per
    customer, and its validity."""

    max_uses: int | None = 1
    once_per_customer: bool = False
    starts_at: datetime | None = None
    expires_at: datetime | None = None

    def problems(self) -> list[FieldError]:
        found = []
        if self.max_uses is not None and self.max_uses < 1:
            found.append(FieldError("/max_uses", "a code allows at least one use (or leave it unlimited)"))
        if self.starts_at and self.expires_at and self.starts_at >= self.expires_at:
            found.append(FieldError("/expires_at", "must be later than starts_at"))
        for name, moment in (("starts_at", self.starts_at), ("expires_at", self.expires_at)):
            if moment is not None and moment.tzinfo is None:
                found.append(FieldError(f"/{name}", "a moment needs its UTC offset"))
        return found


@dataclass(frozen=True, slots=True)
class BatchRequest:
    campaign_id: str
    count: int
    pattern: CodePattern = field(default_factory=CodePattern)
    terms: CodeTerms = field(default_factory=CodeTerms)

    def problems(self) -> list[FieldError]:
        """Return why the batch is refused: a malformed pattern or terms, or too few codes for the count."""
        return problems(self.pattern, self.count) + self.terms.problems()

    def document(self) -> dict[str, Any]:
        """Return the request as JSON-ready data (what the batch row keeps)."""
        terms = self.terms
        return {
            "campaign_id": self.campaign_id,
            "count": self.count,
            "pattern": asdict(self.pattern),
            "terms": {
                "max_uses": terms.max_uses,
                "once_per_customer": terms.once_per_customer,
                "starts_at": terms.starts_at.isoformat() if terms.starts_at else None,
                "expires_at": terms.expires_at.isoformat() if terms.expires_at else None,
            },
        }

    @classmethod
    def of(cls, document: dict[str, Any]) -> BatchRequest:
        """Return the request a `document()` describes."""
        pattern = dict(document["pattern"])
        terms = document["terms"]
        return cls(
            campaign_id=document["campaign_id"],
            count=document["count"],
            pattern=CodePattern(**(pattern | {"charset": Charset(pattern["charset"])})),
            terms=CodeTerms(
                max_uses=terms["max_uses"],
                once_per_customer=terms["once_per_customer"],
                starts_at=_moment(terms["starts_at"]),
                expires_at=_moment(terms["expires_at"]),
            ),
        )


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class BatchReport:
    """How a job went: codes stored, random draws that collided with a stored code and were drawn again,
    how often it was resumed after an interruption, the time it ran and why it failed, if it did."""

    stored: int = 0
    redrawn: int = 0
    resumed: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def codes_per_second(self) -> float:
        return self.stored / self.seconds if self.seconds > 0 else 0.0

    def document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, document: dict[str, Any] | None) -> BatchReport:
        return cls(**document) if document else cls()


@dataclass(frozen=True, slots=True)
class CodeBatch:
    id: str
    request: BatchRequest
    status: BatchStatus
    done: int
    created_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report: BatchReport = field(default_factory=BatchReport)

    @property
    def remaining(self) -> int:
        return self.request.count - self.done
