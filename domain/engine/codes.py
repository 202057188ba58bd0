"""The live coupon codes: public codes of the campaign documents and managed codes from storage.

A table is immutable; a change returns a new table that shares nothing mutable with the old one, so the
pricing core can swap it in atomically while the old one still serves requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from domain.documents.catalog import CouponCodeSpec
from domain.engine.compiled import CompiledCampaign
from domain.engine.coupons import CodeEntry

Index = dict[str, frozenset[str]]


class CodeTable:
    """Codes by normalized text, plus the managed codes of each campaign and of each customer."""

    __slots__ = ("by_campaign", "by_customer", "managed", "public")

    def __init__(
        self,
        public: Mapping[str, CodeEntry],
        managed: Mapping[str, CodeEntry],
        by_campaign: Mapping[str, frozenset[str]],
        by_customer: Mapping[str, frozenset[str]],
    ) -> None:
        self.public: Final = public
        self.managed: Final = managed
        self.by_campaign: Final = by_campaign
        self.by_customer: Final = by_customer

    def get(self, code: str) -> CodeEntry | None:
        """Return the entry of a normalized code (a managed code wins over a public one)."""
        found = self.managed.get(code)
        return found if found is not None else self.public.get(code)

    def __len__(self) -> int:
        return len(self.public) + len(self.managed)

    def assigned_to(self, customer_id: str) -> list[CodeEntry]:
        """Return the managed codes assigned to a customer, by code."""
        return [self.managed[code] for code in sorted(self.by_customer.get(customer_id, ()))]

    def for_campaigns(self, campaigns: Mapping[str, CompiledCampaign]) -> CodeTable:
        """Return this table with the public codes of exactly these campaigns' documents."""
        public = {code: CodeEntry(code, campaign.id) for campaign in campaigns.values() for code in campaign.codes}
        return CodeTable(public, self.managed, self.by_campaign, self.by_customer)

    def with_changes(self, specs: Iterable[CouponCodeSpec], *, live: Mapping[str, CompiledCampaign]) -> CodeTable:
        """Return the table with these managed codes added or replaced; codes of campaigns that are not
        live are left out (they come back with their campaign)."""
        managed = dict(self.managed)
        added: dict[str, set[str]] = {}
        dropped: dict[str, set[str]] = {}
        added_by_customer: dict[str, set[str]] = {}
        dropped_by_customer: dict[str, set[str]] = {}
        for spec in specs:
            old = managed.pop(spec.code, None)
            if old is not None:
                dropped.setdefault(old.campaign_id, set()).add(old.code)
                if old.customer_id is not None:
                    dropped_by_customer.setdefault(old.customer_id, set()).add(old.code)
            if spec.campaign_id not in live:
                continue
            entry = managed[spec.code] = CodeEntry.of(spec)
            added.setdefault(entry.campaign_id, set()).add(entry.code)
            if entry.customer_id is not None:
                added_by_customer.setdefault(entry.customer_id, set()).add(entry.code)
        return CodeTable(
            self.public,
            managed,
            _updated(self.by_campaign, added, dropped),
            _updated(self.by_customer, added_by_customer, dropped_by_customer),
        )

    def without_campaigns(self, campaign_ids: Iterable[str]) -> CodeTable:
        """Return the table without the managed codes of these campaigns."""
        gone = [campaign_id for campaign_id in campaign_ids if campaign_id in self.by_campaign]
        if not gone:
            return self
        managed = dict(self.managed)
        dropped: dict[str, set[str]] = {}
        dropped_by_customer: dict[str, set[str]] = {}
        for campaign_id in gone:
            for code in self.by_campaign[campaign_id]:
                entry = managed.pop(code)
                dropped.setdefault(campaign_id, set()).add(code)
                if entry.customer_id is not None:
                    dropped_by_customer.setdefault(entry.customer_id, set()).add(code)
        return CodeTable(
            self.public,
            managed,
            _updated(self.by_campaign, {}, dropped),
            _updated(self.by_customer, {}, dropped_by_customer),
        )


def _updated(index: Mapping[str, frozenset[str]], added: dict[str, set[str]], dropped: dict[str, set[str]]) -> Index:
    result = dict(index)
    for key in added.keys() | dropped.keys():
        codes = (result.get(key, frozenset()) - dropped.get(key, set())) | added.get(key, set())
        if codes:
            result[key] = frozenset(codes)
        else:
            result.pop(key, None)
    return result


EMPTY_CODES: Final = CodeTable({}, {}, {}, {})
