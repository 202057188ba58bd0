"""importCustomers: a CSV or JSON-lines file of customers, validated row by row; the good rows are stored
(in one transaction), the bad ones reported by row and field."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.imports import ImportFormat, customer_rows
from gateway.admin.imports import ImportDone, import_done, lines_of
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden

ImportCustomersResult = Annotated[ImportDone | Forbidden, strawberry.union("ImportCustomersResult")]


async def import_customers(
    info: strawberry.Info[AdminContext, None], format: ImportFormat, data: str, name: str = "upload"
) -> ImportCustomersResult:
    context = info.context
    if problem := refused(context, Operation.WRITE_CUSTOMERS):
        return problem
    store = context.store
    after: dict[str, object] = {"format": format.value, "bytes": len(data)}
    async with store.audit.recording(audit_entry(context, "customer.import", "import", name, None, after)):
        report = await store.customers.import_rows(customer_rows(lines_of(data), format), noted=after)
    return import_done(report)
