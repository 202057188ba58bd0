"""importProducts: a CSV or JSON-lines file of products, validated row by row; the good rows are stored (in
one transaction), the bad ones reported by row and field."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.imports import ImportFormat, product_rows
from gateway.admin.imports import ImportDone, imported
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden

ImportProductsResult = Annotated[ImportDone | Forbidden, strawberry.union("ImportProductsResult")]


async def import_products(
    info: strawberry.Info[AdminContext, None], format: ImportFormat, data: str, name: str = "upload"
) -> ImportProductsResult:
    products = info.context.store.products
    return await imported(
        info.context,
        Operation.MANAGE_PRODUCTS,
        "product.import",
        format,
        data,
        name,
        lambda lines, noted: products.import_rows(product_rows(lines, format), noted=noted),
    )
