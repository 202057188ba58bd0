"""importCustomers: a CSV or JSON-lines file of customers, validated row by row; the good rows are stored
(in one transaction), the bad ones reported by row and field."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.imports import ImportFormat, customer_rows
from gateway.admin.imports import ImportDone, imported
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden

ImportCustomersResult = Annotated[ImportDone | Forbidden, strawberry.union("ImportCustomersResult")]


async def import_customers(
    info: strawberry.Info[AdminContext, None], format: ImportFormat, data: str, name: str = "upload"
) -> ImportCustomersResult:
    customers = info.context.store.customers
    return await imported(
        info.context,
        Operation.WRITE_CUSTOMERS,
        "customer.import",
        format,
        data,
        name,
        lambda lines, noted: customers.import_rows(customer_rows(lines, format), noted=noted),
    )
