"""The admin graph's view of customers and segments: one customer's 360 view (profile, consents, statistics,
segments static and dynamic, assigned codes, orders with their redemptions and returns, what support did
for them), and segments with their size and members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain.access import Operation
from domain.catalog import StoredCode
from domain.customers import PlacedOrder
from domain.documents.catalog import CustomerProfile, Segment
from domain.money import currency_of, from_minor
from domain.store import Store
from gateway.admin.types import AuditRecord, audit_of
from gateway.admin.workflow import refused
from gateway.documents import Attribute, attribute_list
from gateway.graph.context import AdminContext
from gateway.graph.pagination import MAX_PAGE, BadCursor, Connection, Edge, PageInfo, decode_cursor, encode_cursor
from gateway.graph.problems import Forbidden, NotFound, ValidationFailed

ORDERS_SHOWN = 50


@strawberry.type(description="A managed code assigned to the customer.")
class AssignedCode:
    code: str
    campaign_id: str
    active: bool
    max_uses: int | None
    expires_at: datetime | None


@strawberry.type(description="The marketing channels the customer agreed to.")
class ConsentsView:
    email: bool
    sms: bool
    push: bool


@strawberry.type(description="A segment the customer is in; `dynamic` when its rule put them there.")
class SegmentRef:
    id: str
    name: str
    dynamic: bool


@strawberry.type(description="A step of a campaign on one of the customer's orders (from the ledger).")
class Redemption:
    campaign_id: str
    kind: str
    """COMMIT (the discount was used) or RETURN (given back by a return)."""
    discount: str
    return_id: str | None
    at: datetime


@strawberry.type(description="What a campaign's discount on the order gave back on a return.")
class Clawback:
    campaign_id: str
    amount: str


@strawberry.type(description="Units of the order returned: the refund, and the discounts the kept units lost.")
class OrderReturn:
    return_id: str
    units: int
    refund: str
    clawback: list[Clawback]
    at: datetime | None


@strawberry.type(description="An order the customer placed, with what the campaigns gave and took back.")
class PlacedOrderView:
    order_id: str
    channel: str | None
    currency: str
    total: str
    discount: str
    at: datetime
    campaign_ids: list[str]
    redemptions: list[Redemption]
    returns: list[OrderReturn]


@strawberry.type(description="What the store knows of a customer.")
class CustomerView:
    id: str
    name: str | None
    email: str | None
    phone: str | None
    country: str | None
    city: str | None
    postal_code: str | None
    created_at: datetime | None
    consents: ConsentsView
    segments: list[str]
    attributes: list[Attribute]
    orders_count: int
    total_spent: str
    last_order_at: datetime | None
    last_order_total: str | None
    codes: list[AssignedCode]


@strawberry.type(description="One customer's 360 view: the profile, their segments, orders and support's actions.")
class Customer360(CustomerView):
    memberships: list[SegmentRef]
    orders: list[PlacedOrderView]
    support_actions: list[AuditRecord]


@strawberry.type(description="A segment: static (listed members) or dynamic (`rule`), its size and members.")
class SegmentView:
    id: str
    name: str
    description: str
    dynamic: bool
    rule: JSON | None
    size: int
    members: Connection[str]


CustomerResult = Annotated[Customer360 | NotFound | Forbidden, strawberry.union("CustomerResult")]
SegmentResult = Annotated[SegmentView | NotFound | ValidationFailed | Forbidden, strawberry.union("SegmentResult")]


@strawberry.type
class SegmentList:
    segments: list[SegmentRef]


SegmentListResult = Annotated[SegmentList | Forbidden, strawberry.union("SegmentListResult")]


def customer_view(profile: CustomerProfile, codes: list[StoredCode]) -> CustomerView:
    return CustomerView(**_view_fields(profile, codes))


def _view_fields(profile: CustomerProfile, codes: list[StoredCode]) -> dict[str, Any]:
    return {
        "id": profile.id,
        "name": profile.name,
        "email": profile.email,
        "phone": profile.phone,
        "country": profile.country,
        "city": profile.city,
        "postal_code": profile.postal_code,
        "created_at": profile.created_at,
        "consents": ConsentsView(email=profile.consents.email, sms=profile.consents.sms, push=profile.consents.push),
        "segments": list(profile.segments),
        "attributes": attribute_list(profile.attributes),
        "orders_count": profile.orders_count,
        "total_spent": str(profile.total_spent),
        "last_order_at": profile.last_order_at,
        "last_order_total": None if profile.last_order_total is None else str(profile.last_order_total),
        "codes": [
            AssignedCode(
                code=stored.spec.code,
                campaign_id=stored.spec.campaign_id,
                active=stored.spec.active,
                max_uses=stored.spec.max_uses,
                expires_at=stored.spec.expires_at,
            )
            for stored in codes
        ],
    }


async def customer_360(store: Store, profile: CustomerProfile) -> Customer360:
    segments = {segment.id: segment for segment in await store.segments.list()}
    memberships = [
        SegmentRef(id=key, name=segments[key].name, dynamic=segments[key].rule is not None)
        for key in profile.segments
        if key in segments
    ]
    orders = [
        await _order_view(store, order) for order in await store.customers.placed_orders(profile.id, limit=ORDERS_SHOWN)
    ]
    audit = await store.audit.entries(target_id=profile.id, limit=ORDERS_SHOWN)
    return Customer360(
        **_view_fields(profile, await store.codes.for_customer(profile.id)),
        memberships=memberships,
        orders=orders,
        support_actions=[audit_of(entry) for entry in audit if entry.target_type == "customer"],
    )


async def _order_view(store: Store, order: PlacedOrder) -> PlacedOrderView:
    currency = currency_of(order.currency)
    ledger = await store.orders.ledger(order.order_id)
    redemptions = [
        Redemption(
            campaign_id=entry["campaign_id"],
            kind=entry["kind"],
            discount=str(from_minor(abs(entry["used"][1]), currency=currency)),
            return_id=entry["return_id"],
            at=datetime.fromisoformat(entry["at"]),
        )
        for entry in ledger
        if entry["kind"] in ("COMMIT", "RETURN") and entry["campaign_id"]
    ]
    returned_at = {entry["return_id"]: entry["at"] for entry in ledger if entry["kind"] == "RETURN"}
    checkout = await store.orders.get(order.order_id)
    receipts = [] if checkout is None else [found["receipt"] for found in checkout.receipts.values()]
    return PlacedOrderView(
        order_id=order.order_id,
        channel=order.channel,
        currency=order.currency,
        total=str(order.total),
        discount=str(order.discount),
        at=order.at,
        campaign_ids=list(order.campaign_ids),
        redemptions=redemptions,
        returns=[_return_view(receipt, returned_at.get(receipt["return_id"])) for receipt in receipts],
    )


def _return_view(receipt: dict[str, Any], at: str | None) -> OrderReturn:
    return OrderReturn(
        return_id=receipt["return_id"],
        units=sum(int(quantity) for _, quantity, _ in receipt["lines"]),
        refund=receipt["refund"],
        clawback=[Clawback(campaign_id=key, amount=amount) for key, amount in sorted(receipt["clawback"].items())],
        at=None if at is None else datetime.fromisoformat(at),
    )


async def segment_view(store: Store, segment: Segment, *, first: int | None, after: str | None) -> SegmentView:
    count = min(MAX_PAGE, max(0, first if first is not None else 50))
    start = None if after is None else decode_cursor(after)
    found = await store.segments.members(segment.id, after=start, limit=count + 1)
    chosen = found[:count]
    edges = [Edge(cursor=encode_cursor(customer_id), node=customer_id) for customer_id in chosen]
    members = Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(found) > count, end_cursor=edges[-1].cursor if edges else None),
        total_count=await store.segments.size(segment.id),
    )
    return SegmentView(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        dynamic=segment.rule is not None,
        rule=None if segment.rule is None else JSON(segment.rule.model_dump(mode="json")),
        size=members.total_count,
        members=members,
    )


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description="One customer's 360 view: profile, segments, statistics, codes, orders, support's actions."
    )
    async def customer(self, info: strawberry.Info[AdminContext, None], id: str) -> CustomerResult:
        if problem := refused(info.context, Operation.READ_CUSTOMERS):
            return problem
        store = info.context.store
        profile = await store.customers.get(id)
        if profile is None:
            return NotFound.of("customer", id)
        return await customer_360(store, profile)

    @strawberry.field(description="One segment with its size and members (by customer id, paginated).")
    async def segment(
        self, info: strawberry.Info[AdminContext, None], id: str, first: int | None = 50, after: str | None = None
    ) -> SegmentResult:
        if problem := refused(info.context, Operation.READ_CUSTOMERS):
            return problem
        store = info.context.store
        segment = await store.segments.get(id)
        if segment is None:
            return NotFound.of("segment", id)
        try:
            return await segment_view(store, segment, first=first, after=after)
        except BadCursor as error:
            return ValidationFailed.one("/after", str(error))

    @strawberry.field(description="Every segment, by id.")
    async def segments(self, info: strawberry.Info[AdminContext, None]) -> SegmentListResult:
        if problem := refused(info.context, Operation.READ_CUSTOMERS):
            return problem
        found = await info.context.store.segments.list()
        return SegmentList(
            segments=[
                SegmentRef(id=segment.id, name=segment.name, dynamic=segment.rule is not None) for segment in found
            ]
        )
