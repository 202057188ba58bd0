"""The admin graph's view of one customer (what support reads): profile, segments, order statistics and
the codes assigned to them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.access import Operation
from domain.catalog import StoredCode
from domain.documents.catalog import CustomerProfile
from gateway.admin.workflow import refused
from gateway.documents import Attribute
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound


@strawberry.type(description="A managed code assigned to the customer.")
class AssignedCode:
    code: str
    campaign_id: str
    active: bool
    max_uses: int | None
    expires_at: datetime | None


@strawberry.type(description="What the store knows of a customer.")
class CustomerView:
    id: str
    name: str | None
    email: str | None
    country: str | None
    city: str | None
    segments: list[str]
    attributes: list[Attribute]
    orders_count: int
    total_spent: str
    last_order_at: datetime | None
    codes: list[AssignedCode]


CustomerResult = Annotated[CustomerView | NotFound | Forbidden, strawberry.union("CustomerResult")]


def customer_view(profile: CustomerProfile, codes: list[StoredCode]) -> CustomerView:
    return CustomerView(
        id=profile.id,
        name=profile.name,
        email=profile.email,
        country=profile.country,
        city=profile.city,
        segments=list(profile.segments),
        attributes=[Attribute(key=key, value=value) for key, value in profile.attributes.items()],
        orders_count=profile.orders_count,
        total_spent=str(profile.total_spent),
        last_order_at=profile.last_order_at,
        codes=[
            AssignedCode(
                code=stored.spec.code,
                campaign_id=stored.spec.campaign_id,
                active=stored.spec.active,
                max_uses=stored.spec.max_uses,
                expires_at=stored.spec.expires_at,
            )
            for stored in codes
        ],
    )


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="One customer: profile, segments, order statistics, assigned codes.")
    async def customer(self, info: strawberry.Info[AdminContext, None], id: str) -> CustomerResult:
        if problem := refused(info.context, Operation.READ_CUSTOMERS):
            return problem
        store = info.context.store
        profile = await store.customers.get(id)
        if profile is None:
            return NotFound.of("customer", id)
        return customer_view(profile, await store.codes.for_customer(id))
