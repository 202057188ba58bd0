"""upsertProduct: store a product of the catalog campaign targets are checked against."""

from __future__ import annotations

from typing import Annotated

import strawberry
from pydantic import ValidationError

from domain.access import Operation
from domain.documents.catalog import Product
from domain.errors import DocumentError, field_errors
from gateway.admin.workflow import audit_entry, refused
from gateway.documents import Attribute, AttributeInput, attribute_list
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed


@strawberry.input(description="A product: price a decimal string in `currency`.")
class ProductInput:
    sku: str
    price: str
    currency: str
    name: str | None = None
    categories: list[str] = strawberry.field(default_factory=list)
    brand: str | None = None
    collections: list[str] = strawberry.field(default_factory=list)
    attributes: list[AttributeInput] = strawberry.field(default_factory=list)


@strawberry.type
class ProductView:
    sku: str
    name: str | None
    categories: list[str]
    brand: str | None
    collections: list[str]
    attributes: list[Attribute]
    price: str
    currency: str


@strawberry.type
class ProductSaved:
    product: ProductView


UpsertProductResult = Annotated[ProductSaved | ValidationFailed | Forbidden, strawberry.union("UpsertProductResult")]


def product_view(product: Product) -> ProductView:
    return ProductView(
        sku=product.sku,
        name=product.name,
        categories=list(product.categories),
        brand=product.brand,
        collections=list(product.collections),
        attributes=attribute_list(product.attributes),
        price=str(product.price),
        currency=product.currency,
    )


async def upsert_product(info: strawberry.Info[AdminContext, None], product: ProductInput) -> UpsertProductResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_PRODUCTS):
        return problem
    document = {
        "sku": product.sku,
        "name": product.name,
        "categories": product.categories,
        "brand": product.brand,
        "collections": product.collections,
        "attributes": {pair.key: pair.value for pair in product.attributes},
        "price": product.price,
        "currency": product.currency,
    }
    try:
        parsed = Product.model_validate(document)
    except ValidationError as error:
        return ValidationFailed.of(DocumentError("product", field_errors(error)))
    store = context.store
    before = await store.products.get(parsed.sku)
    entry = audit_entry(
        context,
        "product.upsert",
        "product",
        parsed.sku,
        None if before is None else before.model_dump(mode="json"),
        parsed.model_dump(mode="json"),
    )
    async with store.audit.recording(entry):
        stored = await store.products.upsert(parsed)
    return ProductSaved(product=product_view(stored))
