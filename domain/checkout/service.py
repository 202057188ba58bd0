"""The checkout lifecycle over two ports: the counter store (the fast gate) and the order book (the
ledger, the truth).

- `price` reads the counters of the limited campaigns a cart concerns and prices it (no side effect).
- `reserve` prices the cart, records the holds in the ledger, then takes them in the counters campaign by
  campaign; when a limit refuses (another checkout got there first), it gives back what it took, prices
  again with fresh counters and tries again — so a limit is never exceeded and the answer is always a
  price the limits allow.
- `commit`, `release` and the expiry sweep settle the holds; `give_back` on return restores budgets per
  the tenant's rule. Every operation is idempotent on its order id (and, for returns, its return id): a
  retry gets the first answer, another payload under the same key is refused, a concurrent retry waits.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from domain.checkout.errors import (
    IdempotencyMismatch,
    LimitsKeptChanging,
    OperationBusy,
    OrderNotFound,
    OrderState,
    ReservationExpired,
)
from domain.checkout.orders import (
    OPEN,
    JsonObject,
    Mismatch,
    Order,
    OrderBook,
    OrderStatus,
    Recorded,
    Replay,
    Started,
)
from domain.checkout.returns import PricedReturn, price_return
from domain.documents import Campaign, Cart, Result
from domain.documents.cart import Customer
from domain.documents.catalog import TenantSettings
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledCampaign
from domain.engine.snapshot import Snapshot
from domain.limits import (
    Claim,
    CodeRule,
    CounterStore,
    CountersUnavailable,
    Headroom,
    Limit,
    LimitsView,
    Refusal,
    Usage,
    claim_of,
    headroom,
)
from domain.money import currency_of, to_minor

ATTEMPTS = 8
"""How many times a reserve prices its cart again after its limits refused it, before giving up."""
REPRICE = 2
"""How many times a refusal by a money budget prices the cart again against what the budget has left now
(another order took part of it meanwhile) before the campaign is left out of the order."""
MONEY_BUDGETS = frozenset({Limit.BUDGET_DISCOUNT, Limit.BUDGET_ORDER_VALUE})
LEASE = 30.0
WAIT = 10.0
PENDING, RESERVED = OrderStatus.PENDING, OrderStatus.RESERVED


class CatalogView(Protocol):
    """What the lifecycle prices against (the pricing core's hot catalog)."""

    @property
    def snapshot(self) -> Snapshot: ...

    @property
    def settings(self) -> TenantSettings: ...

    @property
    def version(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Reservation:
    order_id: str
    result: Result
    expires_at: datetime
    catalog_version: int

    def document(self, result: JsonObject | None = None) -> JsonObject:
        """The answer a retry gets back; `result`: the result's JSON document, when at hand."""
        return {
            "order_id": self.order_id,
            "result": self.result.model_dump(mode="json") if result is None else result,
            "expires_at": self.expires_at.isoformat(),
            "catalog_version": self.catalog_version,
        }

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Reservation:
        return cls(
            order_id=document["order_id"],
            result=Result.model_validate(document["result"]),
            expires_at=datetime.fromisoformat(document["expires_at"]),
            catalog_version=int(document["catalog_version"]),
        )


@dataclass(frozen=True, slots=True)
class Settlement:
    """The answer of commit and release: the order's status afterwards."""

    order_id: str
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class ReturnReceipt:
    order_id: str
    return_id: str
    refund: Decimal
    lines: list[tuple[str, int, Decimal]]
    clawback: dict[str, Decimal]
    kept: Result
    status: OrderStatus

    def document(self) -> JsonObject:
        return {
            "order_id": self.order_id,
            "return_id": self.return_id,
            "refund": str(self.refund),
            "lines": [[line_id, quantity, str(refund)] for line_id, quantity, refund in self.lines],
            "clawback": {campaign_id: str(amount) for campaign_id, amount in self.clawback.items()},
            "kept": self.kept.model_dump(mode="json"),
            "status": self.status.value,
        }

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> ReturnReceipt:
        return cls(
            order_id=document["order_id"],
            return_id=document["return_id"],
            refund=Decimal(document["refund"]),
            lines=[(line_id, int(quantity), Decimal(refund)) for line_id, quantity, refund in document["lines"]],
            clawback={campaign_id: Decimal(amount) for campaign_id, amount in document["clawback"].items()},
            kept=Result.model_validate(document["kept"]),
            status=OrderStatus(document["status"]),
        )


_STABLE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def request_hash(payload: object) -> str:
    """Return a stable digest of a request's payload (what makes two calls "the same")."""
    return hashlib.sha256(_STABLE.encode(payload).encode()).hexdigest()


def as_sent(cart: Cart) -> Cart:
    """Return the cart unchanged (a checkout that knows nothing more about customers than the cart says)."""
    return cart


class Checkout:
    """The lifecycle; `catalog()` returns the catalog to price against now, `known(cart)` the cart with
    what the shop knows about its customer (their stored segments) added — applied to every cart priced,
    never to the request an idempotency digest is taken of."""

    def __init__(
        self,
        catalog: Callable[[], CatalogView],
        counters: CounterStore,
        orders: OrderBook,
        *,
        ttl: float = 900.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        known: Callable[[Cart], Cart] = as_sent,
    ) -> None:
        self._catalog = catalog
        self._counters = counters
        self._orders = orders
        self._ttl = ttl
        self._clock = clock
        self._known = known
        self._documents = _Documents()

    # -- pricing -----------------------------------------------------------------------------------------

    async def price(self, cart: Cart, *, explain: bool = False, preview: Sequence[Campaign] = ()) -> tuple[Result, int]:
        """Return the priced cart (reading, never taking, the limits) and the catalog version. `preview`
        campaigns are priced as if live (replacing live ones of the same id), for this call only."""
        catalog = self._catalog()
        cart = self._known(cart)
        now = cart.now or self._clock()
        view = await self._limits(catalog, cart, now, {})
        snapshot = catalog.snapshot.with_changes(upserts=preview) if preview else catalog.snapshot
        return snapshot.evaluate(cart, catalog.settings.policy, explain=explain, now=now, limits=view), catalog.version

    async def used_up(self, campaign_ids: Sequence[str], customer: Customer | None, now: datetime) -> set[str]:
        """Return the campaigns among these that a limit (for this customer) stops now, as offers should
        not show them (with the counters unreachable: those that fail closed)."""
        catalog = self._catalog()
        if not catalog.snapshot.limited:
            return set()
        day = _day(catalog, now)
        claims = [
            Claim(
                limits,
                customer_id=customer.id if customer else None,
                device_id=customer.device_id if customer else None,
                day=day,
            )
            for campaign_id in campaign_ids
            if (limits := catalog.snapshot.campaigns[campaign_id].limits).counted
        ]
        if not claims:
            return set()
        try:
            usage = await self._counters.usage(claims)
        except CountersUnavailable:
            return {claim.campaign_id for claim in claims if not claim.rule.fail_open}
        return {
            claim.campaign_id
            for claim in claims
            if headroom(claim, usage.get(claim.campaign_id) or _NO_USAGE).exhausted is not None
        }

    async def _limits(
        self, catalog: CatalogView, cart: Cart, now: datetime, refused: Mapping[str, Limit]
    ) -> LimitsView:
        probes = _probes(catalog, cart, now) if catalog.snapshot.limited else []
        if not probes:
            return LimitsView(
                campaigns={campaign_id: Headroom(exhausted=limit) for campaign_id, limit in refused.items()}
            )
        rooms: dict[str, Headroom] = {}
        codes: dict[str, Limit] = {}
        while probes:
            try:
                usage = await self._counters.usage([claim for claim, _ in probes])
            except CountersUnavailable:
                usage = None
            again: set[str] = set()
            for claim, code in probes:
                if usage is None:
                    unavailable = Headroom() if claim.rule.fail_open else Headroom(exhausted=Limit.UNAVAILABLE)
                    rooms[claim.campaign_id] = unavailable
                    continue
                room = headroom(claim, usage.get(claim.campaign_id) or _NO_USAGE)
                if room.code_exhausted is not None and code is not None:
                    codes[code] = room.code_exhausted
                    room = Headroom(discount_left=room.discount_left)
                    again.add(claim.campaign_id)
                rooms[claim.campaign_id] = room
            # a campaign whose code is used up may come with another of its codes in the cart: the engine
            # takes the next one, so its limits are read too (rarely more than one round)
            probes = _probes(catalog, cart, now, skip=codes, only=again) if again else []
        for campaign_id, limit in refused.items():
            rooms[campaign_id] = Headroom(exhausted=limit)
        return LimitsView(campaigns=rooms, codes=codes)

    # -- reserve -----------------------------------------------------------------------------------------

    async def reserve(self, order_id: str, cart: Cart, *, explain: bool = False, key: str = "") -> Reservation:
        """Price the cart and take every limit it needs, atomically; idempotent on the order id (and the
        client's idempotency `key`, which must then be the same on every retry). The digest is taken of the
        cart as sent: a retry stays the same request when the customer's stored segments changed since."""
        sent = cart.model_dump(mode="json")
        made: list[Reservation] = []

        async def reserve(begun: Started) -> Recorded:
            known = self._known(cart)
            if known.now is not None:
                # budgets are taken now: a cart priced "as of" another moment would take them under another
                # day's per-customer limit or outside the campaign's schedule
                known = known.model_copy(update={"now": None})
            existing = begun.order if begun.read else await self._orders.get(order_id)
            reservation = await self._reserve(order_id, known, sent if known is cart else None, explain, existing)
            made.append(reservation)
            return Recorded(reservation.document())

        answer = await self._once(order_id, *_RESERVE, {"cart": sent, "explain": explain, "key": key}, reserve)
        # the first run answers what it made; a retry gets it back from its stored answer
        return made[0] if made else Reservation.of(answer)

    async def _reserve(
        self, order_id: str, cart: Cart, dumped: JsonObject | None, explain: bool, existing: Order | None
    ) -> Reservation:
        """Reserve `cart` (`dumped`: its JSON document, when at hand) for the order stored as `existing`."""
        cart_document = cart.model_dump(mode="json") if dumped is None else dumped
        if existing is not None:
            if existing.status not in OPEN:
                raise OrderState(order_id, existing.status, "reserved again")
            # an earlier run of this reserve stopped midway (its call was taken over): give back its holds
            await self._unhold(existing, OrderStatus.PENDING, "RELEASE", expected=OPEN)
        refused: dict[str, Limit] = {}
        repriced: dict[str, int] = {}
        stored = existing is not None
        for _ in range(ATTEMPTS):
            catalog = self._catalog()
            now = self._clock()
            view = await self._limits(catalog, cart, now, refused)
            result = catalog.snapshot.evaluate(cart, catalog.settings.policy, explain=explain, now=now, limits=view)
            claims = _claims(catalog, cart, result, now)
            result_document = result.model_dump(mode="json", exclude={"explain"})
            expires_at = self._clock() + timedelta(seconds=self._ttl)
            order = Order(
                order_id=order_id,
                status=OrderStatus.PENDING,
                cart=cart_document,
                result=result_document,
                campaigns=[self._documents.campaign(catalog, entry.campaign_id) for entry in result.applied],
                codes={entry.coupon: entry.campaign_id for entry in result.applied if entry.coupon},
                policy=self._documents.policy(catalog),
                priced_at=now,
                expires_at=expires_at,
                claims=claims,
                catalog_version=catalog.version,
            )
            # a release that lands while the order is priced again is not undone: the hold needs it PENDING
            refusal = await self._take(
                order, stored=stored, expected={PENDING} if stored else None, wanted="reserved once released"
            )
            stored = True
            if refusal is None:
                reservation = Reservation(order_id, result, expires_at, catalog.version)
                # the answer a retry gets is recorded with the move (the counters took their part before)
                # without a trace, the order's result document is the answer's (the trace is not kept)
                answer = (*_RESERVE, reservation.document(result_document if result.explain is None else None))
                reserved = await self._orders.settle(
                    order_id, OrderStatus.RESERVED, kind="RESERVE", expected={PENDING}, answer=answer
                )
                if not reserved:
                    # released while its limits were being taken: what the counters took goes back too
                    ids = _counted_ids(order)
                    await self._counters_step(ids, self._counters.release(order_id, ids))
                    raise OrderState(order_id, OrderStatus.RELEASED, "reserved while it was released")
                return reservation
            times = repriced.get(refusal.campaign_id, 0)
            if refusal.limit in MONEY_BUDGETS and times < REPRICE:
                # the budget moved since it was read: price again, capped to what is left now
                repriced[refusal.campaign_id] = times + 1
                continue
            refused[refusal.campaign_id] = refusal.limit
        raise LimitsKeptChanging(order_id)

    async def _take(
        self, order: Order, *, stored: bool, expected: Collection[OrderStatus] | None, wanted: str
    ) -> Refusal | None:
        """Record the order's holds in the ledger (a stored order only if it is still in an `expected`
        status: else OrderState, `wanted` saying what it cannot be), then take them in the counters. On a
        refusal (or with the counters unreachable and a campaign failing closed) the ledger gives the holds
        back and the refusal is returned; campaigns that fail open are kept and left for a resync."""
        if not await self._orders.hold(order, stored=stored, expected=expected):
            found = await self._orders.get(order.order_id)
            raise OrderState(order.order_id, found.status if found else order.status, wanted)
        counted = [claim for claim in order.claims if _counted(claim)]
        if not counted:
            return None
        ids = [claim.campaign_id for claim in counted]
        try:
            refusal = await self._counters.reserve(order.order_id, counted, ttl=self._ttl)
        except CountersUnavailable:
            await self._orders.mark_resync(ids)
            closed = [claim.campaign_id for claim in counted if not claim.rule.fail_open]
            if not closed:
                return None  # every limited campaign fails open: the ledger records the uses
            await self._orders.settle(order.order_id, OrderStatus.PENDING, kind="RELEASE", expected={PENDING})
            return Refusal(closed[0], Limit.UNAVAILABLE)
        if refusal is not None:
            await self._unhold(order, OrderStatus.PENDING, "RELEASE", expected={PENDING})
        return refusal

    # -- commit, release, expiry --------------------------------------------------------------------------

    async def commit(self, order_id: str, *, key: str = "") -> Settlement:
        """The payment went through: the holds become uses (once). A reservation whose time is up is taken
        again if its limits still have room (else ReservationExpired)."""
        answer = await self._once(order_id, "commit", "", {"key": key}, lambda begun: self._commit(order_id, begun))
        return Settlement(answer["order_id"], OrderStatus(answer["status"]))

    async def _commit(self, order_id: str, begun: Started) -> JsonObject:
        order = await self._order(order_id, begun)
        if order.status in (OrderStatus.COMMITTED, OrderStatus.RETURNED):
            # an earlier run stopped after the ledger step: run the counters step again (it counts once)
            await self._counters_step(_counted_ids(order), self._counters.commit(order_id, _counted_ids(order)))
            return {"order_id": order_id, "status": order.status.value}
        moved = False
        if order.status is OrderStatus.RESERVED and order.expires_at > self._clock():
            moved = await self._orders.settle(order_id, OrderStatus.COMMITTED, kind="COMMIT", expected={RESERVED})
        if not moved:
            order = await self._order(order_id)
            if order.status is OrderStatus.RESERVED:  # its time is up and it was not swept yet
                await self._unhold(order, OrderStatus.EXPIRED, "EXPIRE", expected={RESERVED})
                order = await self._order(order_id)
            if order.status is not OrderStatus.EXPIRED:
                raise OrderState(order_id, order.status, "committed")
            await self._hold_again(order)
        # the ledger is the truth from here on; a hold the counters no longer have was counted by a rebuild
        await self._counters_step(_counted_ids(order), self._counters.commit(order_id, _counted_ids(order)))
        return {"order_id": order_id, "status": OrderStatus.COMMITTED.value}

    async def _hold_again(self, order: Order) -> None:
        """Take an expired reservation's claims again, as they were priced, and commit them in the ledger."""
        again = replace(order, status=OrderStatus.PENDING, expires_at=self._clock() + timedelta(seconds=self._ttl))
        refusal = await self._take(again, stored=True, expected={OrderStatus.EXPIRED}, wanted="committed")
        if refusal is not None:
            await self._orders.settle(order.order_id, OrderStatus.EXPIRED, kind="EXPIRE", expected={PENDING})
            raise ReservationExpired(order.order_id, [refusal.campaign_id])
        await self._orders.settle(order.order_id, OrderStatus.COMMITTED, kind="COMMIT", expected={PENDING})

    async def release(self, order_id: str, *, key: str = "") -> Settlement:
        """The payment failed or the order was abandoned: the holds go back (once)."""
        answer = await self._once(
            order_id, "release", "", {"key": key}, lambda begun: self._release(order_id, OrderStatus.RELEASED, begun)
        )
        return Settlement(answer["order_id"], OrderStatus(answer["status"]))

    async def _release(self, order_id: str, status: OrderStatus, begun: Started) -> JsonObject:
        order = await self._order(order_id, begun)
        if order.status in OPEN:
            kind = "RELEASE" if status is OrderStatus.RELEASED else "EXPIRE"
            if await self._unhold(order, status, kind, expected=OPEN):
                return {"order_id": order_id, "status": status.value}
            order = await self._order(order_id)
        if order.status in (OrderStatus.RELEASED, OrderStatus.EXPIRED):
            return {"order_id": order_id, "status": order.status.value}
        raise OrderState(order_id, order.status, "released")

    async def _unhold(self, order: Order, status: OrderStatus, kind: str, *, expected: Collection[OrderStatus]) -> bool:
        """Give the order's holds back, in the ledger first, then in the counters; return whether the order
        moved (another call may have settled it first: then the counters are left alone)."""
        if not await self._orders.settle(order.order_id, status, kind=kind, expected=expected):
            return False
        ids = _counted_ids(order)
        if ids:
            # an expiry gives back the hold of the reservation that expired, not the one a late commit of the
            # order may have taken since: that lasts a TTL from a moment after this reservation's end
            ended_by = order.expires_at.timestamp() + self._ttl if kind == "EXPIRE" else None
            await self._counters_step(ids, self._counters.release(order.order_id, ids, ended_by=ended_by))
        return True

    async def sweep(self) -> int:
        """Expire the reservations whose time is up (their slots are free again), bring the counters that
        missed a change back in line with the ledger, and resync after calls that stopped midway; return
        how many reservations expired."""
        now = self._clock()
        expired = 0
        for order in await self._orders.expired(now):
            expired += await self._unhold(order, OrderStatus.EXPIRED, "EXPIRE", expected=OPEN)
        for order_id, operation, key in await self._orders.stalled(now - timedelta(seconds=LEASE)):
            if operation != "reserve":  # a stalled reserve is left to its retry or to its expiry
                stalled = await self._orders.get(order_id)
                await self._orders.mark_resync(_counted_ids(stalled) if stalled else [])
                await self._orders.abandon(order_id, operation, key)
        for campaign_id, since in await self._orders.resyncs():
            try:
                await self._counters.resync([campaign_id])
            except CountersUnavailable:
                break  # still unreachable: the next sweep tries again
            await self._orders.resynced(campaign_id, since)
        return expired

    async def _counters_step(self, campaign_ids: Sequence[str], step: Awaitable[object]) -> None:
        """Run a counters step that follows a ledger change; if the counters cannot be reached, mark the
        campaigns for a resync (the ledger already holds the change, the counters catch up from it)."""
        try:
            await step
        except CountersUnavailable:
            await self._orders.mark_resync(campaign_ids)

    # -- returns -------------------------------------------------------------------------------------------

    async def return_units(
        self, order_id: str, return_id: str, returned: Mapping[str, int], *, key: str = ""
    ) -> ReturnReceipt:
        """Return units of a committed order: the kept units are priced again, the refund per returned line
        is what they were paid less what the kept units no longer earn; budgets come back per the tenant."""
        payload = {"returned": dict(sorted(returned.items())), "key": key}
        answer = await self._once(
            order_id, "return", return_id, payload, lambda begun: self._return(order_id, return_id, returned, begun)
        )
        return ReturnReceipt.of(answer)

    async def _return(self, order_id: str, return_id: str, returned: Mapping[str, int], begun: Started) -> JsonObject:
        order = await self._order(order_id, begun)
        if return_id in order.receipts:
            # an earlier run stopped after the ledger step: run the counters step again (it counts once)
            receipt = order.receipts[return_id]
            back = [claim_of(claim) for claim in receipt["given_back"]]
            await self._give_back(order_id, return_id, back)
            return dict(receipt["receipt"])
        while True:
            if order.status is not OrderStatus.COMMITTED:
                raise OrderState(order_id, order.status, "returned")
            used = await self._orders.net_used(order_id)
            priced: PricedReturn = price_return(order, returned, used=used, restore=self._catalog().settings.returns)
            status = OrderStatus.RETURNED if priced.full else OrderStatus.COMMITTED
            receipt = ReturnReceipt(
                order_id,
                return_id,
                priced.refund,
                [(line.line_id, line.quantity, line.refund) for line in priced.lines],
                dict(priced.clawback),
                priced.kept,
                status,
            ).document()
            recorded = await self._orders.record_return(
                order_id,
                return_id,
                returned=priced.returned,
                kept_result=priced.kept.model_dump(mode="json", exclude={"explain"}),
                given_back=priced.given_back,
                status=status,
                receipt=receipt,
                previous=order.returned,
            )
            if recorded:
                break
            # another return of this order (another return id) landed after the order was read: price this
            # one again on top of it — it may now ask for more units than are left, and is refused then
            order = await self._order(order_id)
        await self._give_back(order_id, return_id, priced.given_back)
        return receipt

    async def _give_back(self, order_id: str, return_id: str, claims: Sequence[Claim]) -> None:
        counted = [claim for claim in claims if _counted(claim)]
        if counted:
            ids = sorted({claim.campaign_id for claim in counted})
            await self._counters_step(ids, self._counters.give_back(order_id, return_id, counted))

    # -- plumbing ---------------------------------------------------------------------------------------------

    async def _order(self, order_id: str, begun: Started | None = None) -> Order:
        """Return the order (as read with the operation's claim, if `begun` read it), or raise OrderNotFound."""
        order = begun.order if begun is not None and begun.read else await self._orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        return order

    async def _once(
        self,
        order_id: str,
        operation: str,
        key: str,
        payload: object,
        work: Callable[[Started], Awaitable[JsonObject | Recorded]],
    ) -> JsonObject:
        """Run `work` once per (order, operation, key): a retry gets the first answer, another payload is
        refused, a concurrent retry waits for the first to finish (or gets OperationBusy). `work` is given the
        claim, with the order read along with it; it answers, or answers what it recorded itself."""
        digest = request_hash(payload)
        waited = 0.0
        while True:
            begun = await self._orders.begin(order_id, operation, key, digest, lease=LEASE)
            if isinstance(begun, Replay):
                return begun.response
            if isinstance(begun, Mismatch):
                raise IdempotencyMismatch(order_id, operation)
            if isinstance(begun, Started):
                break
            if waited >= WAIT:
                raise OperationBusy(order_id, operation)
            await asyncio.sleep(0.02)
            waited += 0.02
        try:
            answer = await work(begun)
        except BaseException:
            await self._orders.abandon(order_id, operation, key)
            raise
        if isinstance(answer, Recorded):
            return answer.answer
        await self._orders.finish(order_id, operation, key, answer)
        return answer


_NO_USAGE = Usage()
_RESERVE = ("reserve", "")
"""The operation and key a reserve runs under (its idempotency key is part of its payload)."""


class _Documents:
    """The JSON documents of the campaigns and the policy an order is priced under, made once per catalog
    snapshot and settings (they never change within one) instead of once per reserve. Read-only: they are
    shared by the orders priced under them."""

    def __init__(self) -> None:
        self._of: tuple[object, object] = (None, None)
        self._campaigns: dict[str, JsonObject] = {}
        self._policy: JsonObject | None = None

    def campaign(self, catalog: CatalogView, campaign_id: str) -> JsonObject:
        self._current(catalog)
        document = self._campaigns.get(campaign_id)
        if document is None:
            document = self._campaigns[campaign_id] = catalog.snapshot.campaigns[campaign_id].doc.model_dump(
                mode="json"
            )
        return document

    def policy(self, catalog: CatalogView) -> JsonObject:
        self._current(catalog)
        if self._policy is None:
            self._policy = catalog.settings.policy.model_dump(mode="json")
        return self._policy

    def _current(self, catalog: CatalogView) -> None:
        snapshot, settings = self._of
        if snapshot is not catalog.snapshot or settings is not catalog.settings:
            self._of, self._campaigns, self._policy = (catalog.snapshot, catalog.settings), {}, None


def _counted(claim: Claim) -> bool:
    return claim.rule.counted or (claim.code is not None and claim.code.counted)


def _counted_ids(order: Order) -> list[str]:
    return [claim.campaign_id for claim in order.claims if _counted(claim)]


def _day(catalog: CatalogView, now: datetime) -> str:
    return now.astimezone(ZoneInfo(catalog.settings.timezone)).date().isoformat()


def _code_rule(catalog: CatalogView, code: str | None) -> CodeRule | None:
    if code is None:
        return None
    entry = catalog.snapshot.codes.get(code)
    if entry is None:
        return None
    rule = CodeRule(code, entry.max_uses, entry.once_per_customer)
    return rule if rule.counted else None


def _probes(
    catalog: CatalogView,
    cart: Cart,
    now: datetime,
    *,
    skip: Collection[str] = (),
    only: Collection[str] | None = None,
) -> list[tuple[Claim, str | None]]:
    """Return a claim without amounts for every candidate campaign (of `only`, if given) whose limits (or
    whose code's) count, with the code the engine would apply it with: its first valid code in the cart,
    leaving out the codes in `skip` (found used up)."""
    snapshot = catalog.snapshot
    view = CartView(cart, now=now, codes=snapshot.codes)
    codes_by_campaign: dict[str, str] = {}
    for valid, campaign_id in view.valid_codes.items():
        if valid not in skip:
            codes_by_campaign.setdefault(campaign_id, valid)
    customer = cart.customer
    day = _day(catalog, now)
    probes: list[tuple[Claim, str | None]] = []
    for campaign in snapshot.candidates(view):
        if only is not None and (campaign.id not in only or campaign.id not in codes_by_campaign):
            continue
        code = codes_by_campaign.get(campaign.id)
        code_rule = _code_rule(catalog, code)
        if not campaign.limits.counted and code_rule is None:
            continue
        probes.append(
            (
                Claim(
                    campaign.limits,
                    customer_id=customer.id if customer else None,
                    device_id=customer.device_id if customer else None,
                    day=day,
                    code=code_rule,
                ),
                code,
            )
        )
    return probes


def _claims(catalog: CatalogView, cart: Cart, result: Result, now: datetime) -> list[Claim]:
    """Return what the priced cart takes from each campaign that applied (every one: the ledger records
    them all; only the limited ones reach the counters)."""
    currency = currency_of(result.currency)
    value = to_minor(result.subtotal - result.discount_total, currency=currency)
    customer = cart.customer
    day = _day(catalog, now)
    claims: list[Claim] = []
    for entry in result.applied:
        campaign: CompiledCampaign = catalog.snapshot.campaigns[entry.campaign_id]
        claims.append(
            Claim(
                campaign.limits,
                discount=to_minor(entry.discount, currency=currency),
                order_value=value,
                customer_id=customer.id if customer else None,
                device_id=customer.device_id if customer else None,
                day=day,
                code=_code_rule(catalog, entry.coupon),
            )
        )
    return claims
