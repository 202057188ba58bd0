"""upsertCustomer: create a customer or change the fields given (order statistics are kept by orders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from pydantic import ValidationError

from domain.access import Operation
from domain.documents.catalog import CustomerProfile
from domain.errors import DocumentError, field_errors
from gateway.admin.customers import CustomerView, customer_view
from gateway.admin.workflow import audit_entry, refused
from gateway.documents import AttributeInput
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed

UNSET: Any = strawberry.UNSET


@strawberry.input(description="The marketing channels the customer agreed to.")
class ConsentsInput:
    email: bool = False
    sms: bool = False
    push: bool = False


@strawberry.input(description="A customer; of a stored one, the fields left out keep their value.")
class CustomerProfileInput:
    id: str
    name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    country: str | None = UNSET
    city: str | None = UNSET
    postal_code: str | None = UNSET
    created_at: datetime | None = UNSET
    consents: ConsentsInput | None = UNSET
    attributes: list[AttributeInput] | None = UNSET


@strawberry.type(description="The customer as stored, with the segments they are in now.")
class CustomerSaved:
    customer: CustomerView


UpsertCustomerResult = Annotated[CustomerSaved | ValidationFailed | Forbidden, strawberry.union("UpsertCustomerResult")]


def customer_document(customer: CustomerProfileInput) -> dict[str, Any]:
    """The profile document of the fields given."""
    document: dict[str, Any] = {"id": customer.id}
    for name in ("name", "email", "phone", "country", "city", "postal_code", "created_at"):
        value = getattr(customer, name)
        if value is not UNSET:
            document[name] = value
    if customer.consents is not UNSET:
        consents = customer.consents or ConsentsInput()
        document["consents"] = {"email": consents.email, "sms": consents.sms, "push": consents.push}
    if customer.attributes is not UNSET:
        document["attributes"] = {pair.key: pair.value for pair in customer.attributes or []}
    return document


async def upsert_customer(
    info: strawberry.Info[AdminContext, None], customer: CustomerProfileInput
) -> UpsertCustomerResult:
    context = info.context
    if problem := refused(context, Operation.WRITE_CUSTOMERS):
        return problem
    document = customer_document(customer)
    try:
        profile = CustomerProfile.model_validate(document)
    except ValidationError as error:
        return ValidationFailed.of(DocumentError("customer", field_errors(error)))
    store = context.store
    before = await store.customers.get(profile.id)
    entry = audit_entry(
        context,
        "customer.upsert",
        "customer",
        profile.id,
        None if before is None else before.model_dump(mode="json"),
        profile.model_dump(mode="json", include=set(document)),
    )
    async with store.audit.recording(entry):
        stored = await store.customers.upsert(profile, given=set(document) - {"id"})
    return CustomerSaved(customer=customer_view(stored, await store.codes.for_customer(stored.id)))
