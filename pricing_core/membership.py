"""Segment membership in memory: which segments (static and dynamic) each customer is in, loaded at start
and kept current by polling the membership version, which every membership change bumps in its own
transaction. A refresh reads only the customers changed since the version held. Requests read it without
touching the database and merge it with the segments the caller passed in the cart."""

from __future__ import annotations

import asyncio
from typing import Protocol

from domain.documents.cart import Cart, Customer
from domain.segments import MembershipChanges
from pricing_core.logs import logger

log = logger("membership")


class MembershipReader(Protocol):
    async def membership_version(self) -> int: ...

    async def membership_since(self, version: int | None) -> MembershipChanges: ...


class Membership:
    def __init__(self, reader: MembershipReader, *, poll_interval: float) -> None:
        self._reader = reader
        self._poll_interval = poll_interval
        self._segments: dict[str, frozenset[str]] = {}
        self._lock = asyncio.Lock()
        self.version = -1

    def __len__(self) -> int:
        return len(self._segments)

    def of(self, customer_id: str) -> frozenset[str]:
        """Return the segments the customer is in (as of the version held)."""
        return self._segments.get(customer_id, frozenset())

    def customer(self, customer: Customer | None) -> Customer | None:
        """Return the customer with their stored segments added to the ones given."""
        if customer is None or customer.id is None:
            return customer
        stored = self._segments.get(customer.id)
        if not stored or stored.issubset(customer.segments):
            return customer
        merged = list(dict.fromkeys([*customer.segments, *sorted(stored)]))
        return customer.model_copy(update={"segments": merged})

    def cart(self, cart: Cart) -> Cart:
        """Return the cart whose customer carries their stored segments too."""
        customer = self.customer(cart.customer)
        return cart if customer is cart.customer else cart.model_copy(update={"customer": customer})

    async def load(self) -> None:
        """Load every customer's membership."""
        async with self._lock:
            self._install(await self._reader.membership_since(None))

    async def refresh(self) -> bool:
        """Apply the membership changes since the version held; return whether there were any."""
        async with self._lock:
            if await self._reader.membership_version() <= self.version:
                return False
            self._install(await self._reader.membership_since(self.version))
            return True

    async def run(self) -> None:
        """Refresh every poll interval until cancelled."""
        while True:
            await asyncio.sleep(self._poll_interval)
            try:
                await self.refresh()
            except Exception:
                log.exception(
                    "membership refresh failed; keeping the current one", extra={"event": "membership_failed"}
                )

    def _install(self, changes: MembershipChanges) -> None:
        if changes.complete:
            self._segments = {customer_id: segments for customer_id, segments in changes.segments.items() if segments}
        else:
            for customer_id, segments in changes.segments.items():
                if segments:
                    self._segments[customer_id] = segments
                else:
                    self._segments.pop(customer_id, None)
        self.version = changes.version
        log.info(
            "membership installed",
            extra={
                "event": "membership_installed",
                "membership_version": changes.version,
                "changed": len(changes.segments),
                "customers": len(self._segments),
            },
        )
