"""Bulk imports of customers and products, CSV and JSON lines: good rows stored, bad rows reported by row and
field, nothing half written; placed orders counted once."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.customers import PlacedOrder
from domain.documents.catalog import Consents, CustomerProfile, Segment
from domain.imports import ImportFormat, Row, RowError, customer_rows, product_rows
from domain.segments import parse_rule
from domain.store import Store
from domain.store.customers import BATCH

GOOD_CSV = (
    "id,name,email,phone,city,country,postal_code,created_at,consent_email,consent_sms,attr.tier,orders_count,"
    "total_spent\n"
    """c-1,Ayşe,ayse@example.com,+905551112233,İstanbul,TR,34000,2024-01-02T10:00:00+03:00,yes,no,gold,3,1500.50
c-2,Bora,,,"Ankara",TR,,,,,silver,,
"""
)
BAD_CSV = """id,name,country,consent_email,orders_count,total_spent
,Nobody,TR,yes,1,1.00
c-3,Cem,TURKEY,maybe,x,-5
c-4,Deniz
"""


def lines(text: str) -> io.StringIO:
    return io.StringIO(text)


def jsonl(*rows: object) -> io.StringIO:
    return io.StringIO("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))


async def test_a_good_csv_stores_every_row_with_its_consents_attributes_and_statistics(store: Store) -> None:
    report = await store.customers.import_rows(customer_rows(lines(GOOD_CSV), ImportFormat.CSV))

    assert (report.rows, report.stored, report.rejected, report.errors) == (2, 2, 0, ())
    ayse = await store.customers.get("c-1")
    assert ayse is not None
    assert (ayse.name, ayse.phone, ayse.postal_code, ayse.country) == ("Ayşe", "+905551112233", "34000", "TR")
    assert ayse.created_at == datetime(2024, 1, 2, 7, 0, tzinfo=UTC)
    assert ayse.consents == Consents(email=True, sms=False)
    assert (ayse.attributes, ayse.orders_count, ayse.total_spent) == ({"tier": "gold"}, 3, Decimal("1500.50"))
    bora = await store.customers.get("c-2")
    assert bora is not None
    assert (bora.city, bora.email, bora.orders_count) == ("Ankara", None, 0)


async def test_a_bad_csv_reports_every_row_by_line_and_field_and_stores_nothing(store: Store) -> None:
    report = await store.customers.import_rows(customer_rows(lines(BAD_CSV), ImportFormat.CSV))

    assert (report.rows, report.stored, report.rejected) == (3, 0, 3)
    found = {(error.row, error.field) for error in report.errors}
    assert (2, "/id") in found
    assert (3, "/consent_email") in found
    assert (4, "") in found
    assert await store.customers.get("c-3") is None


async def test_a_mixed_jsonl_stores_the_good_rows_and_reports_the_bad_ones(store: Store) -> None:
    await store.customers.upsert(CustomerProfile(id="c-1", name="Old", city="İzmir", orders_count=4))
    rows = jsonl(
        {"id": "c-1", "name": "Ayşe"},
        "{not json",
        {"id": "c-2", "total_spent": "12.345.6"},
        ["a", "list"],
        {"id": "c-3", "consents": {"push": True}, "unknown": 1},
        {"id": "c-4", "consents": {"push": True}, "attributes": {"tier": "gold"}},
        {"id": "c-4", "name": "twice"},
    )

    report = await store.customers.import_rows(customer_rows(rows, ImportFormat.JSONL))

    assert (report.rows, report.stored, report.rejected) == (7, 2, 5)
    assert [(error.row, error.field) for error in report.errors] == [
        (2, ""),
        (3, "/total_spent"),
        (4, ""),
        (5, "/unknown"),
        (7, "/id"),
    ]
    ayse = await store.customers.get("c-1")
    assert ayse is not None
    assert (ayse.name, ayse.city, ayse.orders_count) == ("Ayşe", "İzmir", 4), "only the fields given change"
    deniz = await store.customers.get("c-4")
    assert deniz is not None
    assert (deniz.consents.push, deniz.attributes, deniz.name) == (True, {"tier": "gold"}, None)


async def test_products_import_from_csv_and_json_lines_with_their_errors(store: Store) -> None:
    csv_text = (
        "sku,name,categories,brand,collections,attr.color,price,currency\n"
        "SHIRT,Shirt,shirts|tops,acme,summer,red,199.90,TRY\n"
        "BAD,Bad,,,,,-1,TRY\n"
        "HAT,Hat,,acme,,,12.345,XXX\n"
    )
    from_csv = await store.products.import_rows(product_rows(lines(csv_text), ImportFormat.CSV))
    from_json = await store.products.import_rows(
        product_rows(
            jsonl({"sku": "SOCK", "price": "5.00", "currency": "TRY", "brand": "acme"}, {"sku": "X"}),
            ImportFormat.JSONL,
        )
    )

    assert (from_csv.stored, from_csv.rejected) == (1, 2)
    assert {(error.row, error.field) for error in from_csv.errors} >= {(3, "/price"), (4, "/currency")}
    assert (from_json.stored, from_json.rejected) == (1, 1)
    assert {error.field for error in from_json.errors} == {"/price", "/currency"}
    shirt = await store.products.get("SHIRT")
    assert shirt is not None
    assert (shirt.categories, shirt.collections, shirt.attributes, shirt.price) == (
        ["shirts", "tops"],
        ["summer"],
        {"color": "red"},
        Decimal("199.90"),
    )
    assert [product.sku for product in await store.products.list()] == ["SHIRT", "SOCK"]


async def test_a_placed_order_counts_once_per_order_id(store: Store) -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    order = PlacedOrder(order_id="o-1", customer_id="c-9", currency="TRY", total="120.50", discount="10", at=at)

    first = await store.customers.place(order)
    again = await store.customers.place(order)
    later = await store.customers.place(
        order.model_copy(update={"order_id": "o-2", "total": Decimal("9.50"), "at": at + timedelta(days=1)})
    )

    assert (first, again, later) == (True, False, True)
    profile = await store.customers.get("c-9")
    assert profile is not None
    assert (profile.orders_count, profile.total_spent, profile.last_order_total) == (
        2,
        Decimal("130.00"),
        Decimal("9.50"),
    )
    assert profile.last_order_at == at + timedelta(days=1)
    placed = await store.customers.placed_orders("c-9")
    assert [(found.order_id, found.total, found.discount) for found in placed] == [
        ("o-2", Decimal("9.50"), Decimal("10.00")),
        ("o-1", Decimal("120.50"), Decimal("10.00")),
    ]


def test_an_order_total_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        PlacedOrder(order_id="o", customer_id="c", currency="TRY", total="1.005", at=datetime.now(UTC))


def test_a_csv_row_with_too_many_cells_names_its_line() -> None:
    rows = list(customer_rows(lines("id,name\nc-1,A,extra\nc-2,B\n"), ImportFormat.CSV))

    assert rows[0] == [RowError(2, "", "3 cells, the header has 2")]
    assert not isinstance(rows[1], list)


async def test_an_import_that_fails_after_batches_were_written_leaves_nothing_behind(store: Store) -> None:
    """Batches are written while the next ones are read: a failure of the reading still undoes them all."""
    await store.segments.upsert(
        Segment(
            id="ankara", name="Ankara", rule=parse_rule({"conditions": [{"kind": "city_in", "cities": ["Ankara"]}]})
        )
    )
    version = await store.segments.membership_version()
    count = 2 * BATCH + 10

    def failing() -> Iterator[Row[CustomerProfile] | list[RowError]]:
        yield from customer_rows(
            jsonl(*({"id": f"c-{index}", "city": "Ankara"} for index in range(count))), ImportFormat.JSONL
        )
        raise OSError("the upload broke off")

    with pytest.raises(OSError, match="broke off"):
        await store.customers.import_rows(failing())

    assert await store.customers.ids() == []
    assert (await store.segments.size("ankara"), await store.segments.membership_version()) == (0, version)

    report = await store.customers.import_rows(
        customer_rows(jsonl(*({"id": f"c-{index}", "city": "Ankara"} for index in range(count))), ImportFormat.JSONL)
    )
    assert (report.stored, await store.segments.size("ankara")) == (count, count)
