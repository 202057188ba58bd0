"""Products: every field and the price read back exactly as written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.documents.catalog import CustomerProfile, Product
from domain.store import Store

AMOUNTS = ["0", "12.50", "1500", "0.000001", "999999999999999.999999", "19.990"]


async def test_a_product_reads_back_as_written(store: Store) -> None:
    product = Product(
        sku="SHIRT-1",
        name="Oxford shirt",
        categories=["shirts", "men"],
        brand="acme",
        collections=["autumn-2026"],
        attributes={"color": "blue", "size": "M"},
        price="249.90",
        currency="TRY",
    )

    assert await store.products.upsert(product) == product
    assert await store.products.get("SHIRT-1") == product
    assert await store.products.get("ghost") is None


@pytest.mark.parametrize("amount", AMOUNTS)
async def test_a_price_reads_back_exactly_to_the_last_digit(store: Store, amount: str) -> None:
    await store.products.upsert(Product(sku="P", price=amount, currency="TRY"))

    stored = await store.products.get("P")

    assert stored is not None
    assert str(stored.price) == amount
    assert stored.model_dump(mode="json")["price"] == amount


@pytest.mark.parametrize("amount", AMOUNTS)
async def test_a_customers_total_spent_reads_back_exactly_to_the_last_digit(store: Store, amount: str) -> None:
    stored = await store.customers.upsert(CustomerProfile(id="c", total_spent=amount))

    assert str(stored.total_spent) == amount


async def test_upsert_replaces_a_product_and_the_list_is_by_sku(store: Store) -> None:
    await store.products.upsert(Product(sku="B", price="10.00", currency="TRY", brand="acme"))
    await store.products.upsert(Product(sku="A", price="5.00", currency="USD"))
    await store.products.upsert(Product(sku="B", price="12.00", currency="TRY"))

    products = await store.products.list()

    assert [(product.sku, product.price, product.brand) for product in products] == [
        ("A", Decimal("5.00"), None),
        ("B", Decimal("12.00"), None),
    ]
