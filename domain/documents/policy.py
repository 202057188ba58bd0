"""The policy document (CONTRACT.md): how campaigns combine, in which phases, rounded how."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from domain.documents.campaign import PRICE_PHASES
from domain.documents.common import BenefitType, Document, Stacking
from domain.errors import FieldError, FieldProblems
from domain.money import RoundingMode


class Policy(Document):
    stacking: Stacking = Stacking.STACK
    phase_order: list[BenefitType] = list(PRICE_PHASES)
    rounding: RoundingMode = RoundingMode.HALF_UP

    @model_validator(mode="after")
    def _every_phase_once(self) -> Self:
        if BenefitType.GIFT in self.phase_order:
            index = self.phase_order.index(BenefitType.GIFT)
            raise FieldProblems([FieldError(f"/phase_order/{index}", "GIFT always applies last; leave it out")])
        if sorted(self.phase_order) != sorted(PRICE_PHASES):
            raise FieldProblems(
                [FieldError("/phase_order", "must list each of " + ", ".join(PRICE_PHASES) + " exactly once")]
            )
        return self

    def phase_rank(self) -> dict[BenefitType, int]:
        """Return each benefit type's position in the evaluation order (GIFT last)."""
        ranks = {phase: rank for rank, phase in enumerate(self.phase_order)}
        ranks[BenefitType.GIFT] = len(ranks)
        return ranks


DEFAULT_POLICY = Policy()
