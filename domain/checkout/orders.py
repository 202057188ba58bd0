"""Orders as the checkout lifecycle keeps them, and the port of the order book (the ledger's owner)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from domain.limits import Claim, LedgerReader

JsonObject = dict[str, Any]


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    """Holds are being taken (the ledger records them before the counters do)."""
    RESERVED = "RESERVED"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    RETURNED = "RETURNED"
    """Every unit came back."""


OPEN = frozenset({OrderStatus.PENDING, OrderStatus.RESERVED})


@dataclass(frozen=True, slots=True)
class Order:
    """A priced order: the cart as reserved, its result, the campaign documents that priced it (as they
    were), the policy, the instant it was priced at, its claims on limits, and its returns so far."""

    order_id: str
    status: OrderStatus
    cart: JsonObject
    result: JsonObject
    campaigns: Sequence[JsonObject]
    codes: Mapping[str, str]
    """The coupon codes that activated campaigns: code -> campaign id."""
    policy: JsonObject
    priced_at: datetime
    expires_at: datetime
    claims: Sequence[Claim]
    catalog_version: int
    returned: Mapping[str, int] = field(default_factory=dict)
    """Units returned so far, per line id."""
    kept_result: JsonObject | None = None
    """The result of the units kept after the last return (None before any return)."""
    receipts: Mapping[str, JsonObject] = field(default_factory=dict)
    """Per return id: the receipt answered and the claims given back (`given_back`, as claim documents)."""


@dataclass(frozen=True, slots=True)
class Started:
    """The operation is new (or its previous run died): go ahead. When `read`, `order` is the order (None:
    no such order) as it was when the operation was claimed — read with the claim, so the operation need
    not read it again; a claim taken over from a run that died reads nothing."""

    read: bool = False
    order: Order | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    """The operation already ran with the same payload: here is its answer."""

    response: JsonObject


class Mismatch:
    """The operation already ran (or runs) with another payload under the same key."""


class Busy:
    """The same operation is running right now elsewhere."""


Begun = Started | Replay | Mismatch | Busy

Answer = tuple[str, str, JsonObject]
"""An operation's answer to record: (operation, key, response)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """An operation's answer that the operation recorded itself (with its last write)."""

    answer: JsonObject


class OrderBook(LedgerReader, Protocol):
    """Orders, the ledger of what they held, used and gave back, and idempotent operations on them."""

    async def begin(self, order_id: str, operation: str, key: str, request_hash: str, *, lease: float) -> Begun:
        """Claim an operation (order id, operation, key) atomically: Started, or Replay / Mismatch / Busy
        when it exists. A run older than `lease` seconds that never finished is taken over. A new claim
        reads the order with it (`Started.read`)."""
        ...

    async def finish(self, order_id: str, operation: str, key: str, response: JsonObject) -> None:
        """Record the operation's answer (what a retry gets)."""
        ...

    async def abandon(self, order_id: str, operation: str, key: str) -> None:
        """Forget a run that failed, so a retry starts again."""
        ...

    async def get(self, order_id: str) -> Order | None: ...

    async def hold(self, order: Order, *, stored: bool = True, expected: Collection[OrderStatus] | None = None) -> bool:
        """Store the order as PENDING and record a HOLD in the ledger for each claim (before the counters
        take them, so a rebuild of the counters never misses a hold in flight). `stored=False` says the
        order was not found before: it is inserted without looking (a concurrent insert of the same id
        fails the call, writing nothing). With `expected`, a stored order is held only if it is in one of
        these statuses (a release that landed meanwhile is not undone); return whether it was held."""
        ...

    async def settle(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        kind: str,
        expected: Collection[OrderStatus],
        answer: Answer | None = None,
    ) -> bool:
        """Move the order to `status` if it is in one of the `expected` statuses, recording `kind` in the
        ledger for what it holds (COMMIT: held becomes used; RELEASE, EXPIRE: held is given back; RESERVE:
        nothing), in one transaction. Return whether it moved. A RESERVE may record the answer of the
        operation that moved it (`finish`) with the move: then only if it moved."""
        ...

    async def record_return(
        self,
        order_id: str,
        return_id: str,
        *,
        returned: Mapping[str, int],
        kept_result: JsonObject,
        given_back: Sequence[Claim],
        status: OrderStatus,
        receipt: JsonObject,
        previous: Mapping[str, int],
    ) -> bool:
        """Record a return: cumulative units returned, the kept result, what goes back to the limits, and
        the receipt answered (in one transaction) — only if the order is still COMMITTED with `previous` units
        returned, as the return was priced against. Return whether it was recorded."""
        ...

    async def expired(self, now: datetime, *, limit: int = 100) -> Sequence[Order]:
        """Return open orders whose hold expired before `now`."""
        ...

    async def net_used(self, order_id: str) -> Sequence[Claim]:
        """Return what the order still uses of each campaign (committed minus given back)."""
        ...

    async def ledger(self, order_id: str) -> Sequence[JsonObject]:
        """Return the order's ledger entries in order (kind, campaign, amounts, time)."""
        ...

    async def mark_resync(self, campaign_ids: Sequence[str]) -> None:
        """Remember that the counters of these campaigns may differ from the ledger."""
        ...

    async def resyncs(self) -> Sequence[tuple[str, datetime]]:
        """Return the campaigns to resync, each with the time it was (last) marked."""
        ...

    async def resynced(self, campaign_id: str, since: datetime) -> None:
        """Forget a resync done, unless the campaign was marked again after `since`."""
        ...

    async def stalled(self, older_than: datetime) -> Sequence[tuple[str, str, str]]:
        """Return the operations (order id, operation, key) begun before `older_than` and never finished."""
        ...
