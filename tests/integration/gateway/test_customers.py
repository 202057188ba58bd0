"""Customers, segments and products over HTTP: imports with good and bad rows, upserts, orders placed, static
and dynamic segments with their members, and one customer's 360 view after a real checkout through the
pricing core and a sorry coupon from support."""

from __future__ import annotations

from typing import Any

from domain.access import Role
from domain.documents.common import Status
from kampanya.pricing.v1 import pricing_pb2 as pb
from tests.builders import campaign
from tests.integration.gateway.harness import Gateway
from tests.integration.pricing.harness import cart, line

PROBLEM = "... on Problem { code message }"
IMPORT_DONE = "... on ImportDone { rows stored rejected errors { row field message } }"
IMPORT_CUSTOMERS = (
    "mutation($format: ImportFormat!, $data: String!) { importCustomers(format: $format, data: $data) {"
    f" __typename {IMPORT_DONE} {PROBLEM} }} }}"
)
IMPORT_PRODUCTS = (
    "mutation($format: ImportFormat!, $data: String!) { importProducts(format: $format, data: $data) {"
    f" __typename {IMPORT_DONE} {PROBLEM} }} }}"
)
CUSTOMER_FIELDS = "id name email city country ordersCount totalSpent lastOrderTotal segments attributes { key value }"
UPSERT = (
    "mutation($customer: CustomerProfileInput!) { upsertCustomer(customer: $customer) { __typename"
    f" ... on CustomerSaved {{ customer {{ {CUSTOMER_FIELDS} }} }} ... on ValidationFailed {{ errors {{ pointer }} }}"
    f" {PROBLEM} }} }}"
)
ORDER_PLACED = (
    "mutation($order: PlacedOrderInput!) { orderPlaced(order: $order) { __typename"
    f" ... on OrderRecorded {{ orderId counted customer {{ {CUSTOMER_FIELDS} }} }}"
    f" ... on ValidationFailed {{ errors {{ pointer }} }} {PROBLEM} }} }}"
)
SEGMENT_FIELDS = "id name dynamic rule size"
PUT_SEGMENT = (
    "mutation($segment: SegmentInput!) { putSegment(segment: $segment) { __typename"
    f" ... on SegmentSaved {{ segment {{ {SEGMENT_FIELDS} }} }} ... on ValidationFailed {{ errors {{ pointer }} }}"
    f" {PROBLEM} }} }}"
)
MEMBERS_CHANGED = (
    "__typename ... on SegmentMembersChanged { segmentId changed size errors { row field } }"
    f" ... on ValidationFailed {{ errors {{ pointer }} }} {PROBLEM}"
)
ADD = (
    "mutation($id: String!, $ids: [String!]!) { addSegmentMembers(segmentId: $id, customerIds: $ids) {"
    f" {MEMBERS_CHANGED} }} }}"
)
REMOVE = (
    "mutation($id: String!, $ids: [String!]!) { removeSegmentMembers(segmentId: $id, customerIds: $ids) {"
    f" {MEMBERS_CHANGED} }} }}"
)
IMPORT_MEMBERS = (
    "mutation($id: String!, $data: String!) { importSegmentMembers(segmentId: $id, data: $data) {"
    f" {MEMBERS_CHANGED} }} }}"
)
RECOMPUTE = (
    "mutation($id: String) { recomputeSegments(segmentId: $id) { __typename ... on SegmentsRecomputed { changed }"
    f" {PROBLEM} }} }}"
)
SEGMENT = (
    "query($id: String!, $first: Int, $after: String) { segment(id: $id, first: $first, after: $after) {"
    f" __typename ... on SegmentView {{ {SEGMENT_FIELDS} members {{ totalCount edges {{ node }}"
    f" pageInfo {{ hasNextPage endCursor }} }} }} {PROBLEM} }} }}"
)
CUSTOMER = (
    "query($id: String!) { customer(id: $id) { __typename ... on Customer360 { id name city consents { email sms }"
    " attributes { key value } ordersCount totalSpent lastOrderTotal segments memberships { id name dynamic }"
    " codes { code campaignId active } orders { orderId total discount campaignIds redemptions { campaignId kind"
    " discount returnId } returns { returnId units refund clawback { campaignId amount } } }"
    f" supportActions {{ action actor role after }} }} {PROBLEM} }} }}"
)
SORRY = (
    "mutation($customer: String!, $amount: String!, $reason: String!) { issueSorryCoupon(customerId: $customer,"
    f" amount: $amount, reason: $reason) {{ __typename ... on SorryCouponIssued {{ code campaignId }} {PROBLEM} }} }}"
)
BIG_SPENDERS = {"conditions": [{"kind": "total_spent", "more_than": "1000"}]}


async def run(gateway: Gateway, token: str, query: str, **variables: Any) -> Any:
    data = await gateway.data(await gateway.admin(query, variables, token=token))
    [answer] = data.values()
    return answer


async def test_an_import_of_customers_stores_the_good_rows_and_reports_the_bad_ones_by_row_and_field(
    gateway: Gateway,
) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    csv = (
        "id,name,email,city,country,consent_email,attr.tier,total_spent\n"
        "c-1,Ayşe,ayse@example.com,Ankara,TR,yes,gold,1500.00\n"
        "c-2,Mehmet,,İzmir,TR,maybe,silver,10.00\n"
        "c-3,Zeynep,,Bursa,TR,no,,not-money\n"
        "c-1,Again,,,,,,\n"
        "c-4,Ali,,Antalya,TR,,,20.00\n"
    )
    jsonl = '{"id": "c-5", "city": "Ankara"}\nnot json\n{"id": "c-6", "orders_count": -1}\n'

    from_csv = await run(gateway, token, IMPORT_CUSTOMERS, format="CSV", data=csv)
    from_jsonl = await run(gateway, token, IMPORT_CUSTOMERS, format="JSONL", data=jsonl)

    assert (from_csv["__typename"], from_csv["rows"], from_csv["stored"], from_csv["rejected"]) == (
        "ImportDone",
        5,
        2,
        3,
    )
    assert [(error["row"], error["field"]) for error in from_csv["errors"]] == [
        (3, "/consent_email"),
        (4, "/total_spent"),
        (5, "/id"),
    ]
    assert (from_jsonl["stored"], from_jsonl["rejected"]) == (1, 2)
    assert [(error["row"], error["field"]) for error in from_jsonl["errors"]] == [(2, ""), (3, "/orders_count")]
    store = gateway.pricing.writer
    ayse = await store.customers.get("c-1")
    assert ayse is not None
    assert (ayse.name, ayse.city, ayse.consents.email, ayse.attributes, str(ayse.total_spent)) == (
        "Ayşe",
        "Ankara",
        True,
        {"tier": "gold"},
        "1500.00",
    )
    assert [await store.customers.get(key) is not None for key in ("c-2", "c-3", "c-4", "c-5", "c-6")] == [
        False,
        False,
        True,
        True,
        False,
    ]
    [entry, *_] = await store.audit.entries(actor="mert")
    assert (entry.action, entry.after) == (
        "customer.import",
        {"format": "JSONL", "bytes": len(jsonl), "rows": 3, "stored": 1, "rejected": 2},
    )
    junior = await gateway.user("jale", Role.JUNIOR_MARKETER)
    refused = await run(gateway, junior, IMPORT_CUSTOMERS, format="CSV", data=csv)
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "FORBIDDEN")


async def test_an_import_of_products_stores_the_good_rows_and_reports_the_bad_ones(gateway: Gateway) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    csv = (
        "sku,name,categories,brand,collections,price,currency,attr.color\n"
        "SHIRT-1,Shirt,shirts|tops,acme,summer,100.00,TRY,blue\n"
        "SHIRT-2,Shirt,shirts,acme,,-5,TRY,\n"
        "SOCK-1,Sock,socks,,,5.00,XXX,\n"
        "SOCK-2,Sock,socks,,winter|basics,5.00,TRY,\n"
    )

    done = await run(gateway, token, IMPORT_PRODUCTS, format="CSV", data=csv)

    assert (done["__typename"], done["rows"], done["stored"], done["rejected"]) == ("ImportDone", 4, 2, 2)
    assert [(error["row"], error["field"]) for error in done["errors"]] == [(3, "/price"), (4, "/currency")]
    products = await gateway.pricing.writer.products.list()
    assert [(product.sku, product.categories, product.collections, product.attributes) for product in products] == [
        ("SHIRT-1", ["shirts", "tops"], ["summer"], {"color": "blue"}),
        ("SOCK-2", ["socks"], ["winter", "basics"], {}),
    ]


async def test_upserts_and_orders_placed_keep_the_statistics_and_the_dynamic_segment_follows(
    gateway: Gateway,
) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    put = await run(gateway, token, PUT_SEGMENT, segment={"id": "big", "name": "Big spenders", "rule": BIG_SPENDERS})
    assert put["__typename"] == "SegmentSaved", put
    created = await run(
        gateway, token, UPSERT, customer={"id": "c-1", "name": "Ayşe", "city": "Ankara", "email": "a@example.com"}
    )
    renamed = await run(gateway, token, UPSERT, customer={"id": "c-1", "name": "Ayşe Y."})
    invalid = await run(gateway, token, UPSERT, customer={"id": "c-1", "country": "TUR"})
    order = {"orderId": "shop-1", "customerId": "c-1", "currency": "TRY", "total": "1200.50"}
    order["at"] = "2026-01-05T10:00:00+00:00"

    first = await run(gateway, token, ORDER_PLACED, order=order)
    again = await run(gateway, token, ORDER_PLACED, order=order)
    bad_total = await run(gateway, token, ORDER_PLACED, order=order | {"orderId": "shop-2", "total": "12.345"})

    assert created["customer"]["ordersCount"] == 0
    assert (renamed["customer"]["name"], renamed["customer"]["city"], renamed["customer"]["email"]) == (
        "Ayşe Y.",
        "Ankara",
        "a@example.com",
    )
    assert [error["pointer"] for error in invalid["errors"]] == ["/country"]
    assert (first["counted"], again["counted"]) == (True, False)
    for answer in (first, again):
        customer = answer["customer"]
        assert (customer["ordersCount"], customer["totalSpent"], customer["lastOrderTotal"]) == (
            1,
            "1200.50",
            "1200.50",
        )
        assert customer["segments"] == ["big"]
    assert [error["pointer"] for error in bad_total["errors"]] == ["/total"]
    big = await run(gateway, token, SEGMENT, id="big")
    assert (big["dynamic"], big["size"], [edge["node"] for edge in big["members"]["edges"]]) == (True, 1, ["c-1"])
    actions = [entry.action for entry in await gateway.pricing.writer.audit.entries(actor="mert")]
    assert sorted(actions) == sorted(
        ["segment.put", "customer.upsert", "customer.upsert", "customer.order", "customer.order"]
    )


async def test_static_and_dynamic_segments_are_managed_and_read_page_by_page(gateway: Gateway) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    store = gateway.pricing.writer
    await run(
        gateway,
        token,
        IMPORT_CUSTOMERS,
        format="JSONL",
        data="".join(f'{{"id": "c-{index}", "city": "{"Ankara" if index % 2 else "İzmir"}"}}\n' for index in range(6)),
    )
    static = await run(gateway, token, PUT_SEGMENT, segment={"id": "vip", "name": "VIP"})
    ankara = {"conditions": [{"kind": "city_in", "cities": ["ankara"]}]}
    dynamic = await run(gateway, token, PUT_SEGMENT, segment={"id": "ankara", "name": "Ankara", "rule": ankara})
    bad_rule = await run(
        gateway, token, PUT_SEGMENT, segment={"id": "x", "name": "X", "rule": {"conditions": [{"kind": "nope"}]}}
    )

    added = await run(gateway, token, ADD, id="vip", ids=["c-0", "c-1", "c-2", "c-0"])
    imported = await run(gateway, token, IMPORT_MEMBERS, id="vip", data="customer_id\nc-3\nc-2\n" + "x" * 201 + "\n")
    removed = await run(gateway, token, REMOVE, id="vip", ids=["c-1", "c-9"])
    by_hand = await run(gateway, token, ADD, id="ankara", ids=["c-0"])
    unknown = await run(gateway, token, ADD, id="nothing", ids=["c-0"])

    assert (static["segment"]["dynamic"], static["segment"]["size"]) == (False, 0)
    assert (dynamic["segment"]["dynamic"], dynamic["segment"]["size"], dynamic["segment"]["rule"]["match"]) == (
        True,
        3,
        "ALL",
    )
    assert bad_rule["__typename"] == "ValidationFailed"
    assert await store.segments.get("x") is None
    assert (added["changed"], added["size"]) == (3, 3)
    assert (imported["changed"], imported["size"], imported["errors"]) == (1, 4, [{"row": 4, "field": "/customer_id"}])
    assert (removed["changed"], removed["size"]) == (1, 3)
    assert [error["pointer"] for error in by_hand["errors"]] == ["/segment_id"]
    assert await store.segments.members("ankara") == ["c-1", "c-3", "c-5"]
    assert unknown["code"] == "NOT_FOUND"

    first = await run(gateway, token, SEGMENT, id="vip", first=2)
    rest = await run(gateway, token, SEGMENT, id="vip", first=2, after=first["members"]["pageInfo"]["endCursor"])
    bad_cursor = await run(gateway, token, SEGMENT, id="vip", first=2, after="not-a-cursor")
    assert [edge["node"] for edge in first["members"]["edges"]] == ["c-0", "c-2"]
    assert first["members"]["pageInfo"]["hasNextPage"] is True
    assert [edge["node"] for edge in rest["members"]["edges"]] == ["c-3"]
    assert rest["members"]["pageInfo"]["hasNextPage"] is False
    assert first["members"]["totalCount"] == rest["size"] == 3
    assert bad_cursor["__typename"] == "ValidationFailed"

    # a customer moved with no recompute of the rule: the upsert moves them, recompute finds nothing more
    await run(gateway, token, UPSERT, customer={"id": "c-0", "city": "Ankara"})
    recomputed = await run(gateway, token, RECOMPUTE, id="ankara")
    everything = await run(gateway, token, RECOMPUTE)
    not_there = await run(gateway, token, RECOMPUTE, id="nothing")
    members = await run(gateway, token, SEGMENT, id="ankara", first=10)
    assert (recomputed["changed"], everything["changed"], not_there["code"]) == (0, 0, "NOT_FOUND")
    assert [edge["node"] for edge in members["members"]["edges"]] == ["c-0", "c-1", "c-3", "c-5"]
    listed = await gateway.data(
        await gateway.admin("{ segments { ... on SegmentList { segments { id dynamic } } } }", token=token)
    )
    assert listed["segments"]["segments"] == [
        {"id": "ankara", "dynamic": True},
        {"id": "vip", "dynamic": False},
    ]


async def test_the_customer_360_view_shows_segments_codes_orders_returns_and_what_support_did(
    gateway: Gateway,
) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    support = await gateway.user("selin", Role.SUPPORT)
    pricing = gateway.pricing
    await run(
        gateway,
        token,
        UPSERT,
        customer={"id": "c-7", "name": "Deniz", "attributes": [{"key": "tier", "value": "gold"}]},
    )
    await run(gateway, token, PUT_SEGMENT, segment={"id": "big", "name": "Big spenders", "rule": BIG_SPENDERS})
    await run(gateway, token, PUT_SEGMENT, segment={"id": "vip", "name": "VIP"})
    await run(gateway, token, ADD, id="vip", ids=["c-7"])
    await pricing.writer.campaigns.save(campaign("ten", {"type": "PERCENTAGE", "value": "10"}), status=Status.ACTIVE)
    await pricing.server.catalog.refresh()
    shopper = cart(line("l1", "SHIRT", "600.00", quantity=2), customer=pb.Customer(id="c-7"))

    await pricing.stub.Reserve(pb.ReserveRequest(order_id="o-7", cart=shopper), timeout=5)
    await pricing.stub.Commit(pb.CommitRequest(order_id="o-7"), timeout=5)
    returned = pb.ReturnRequest(order_id="o-7", return_id="r-1", lines=[pb.ReturnedLine(line_id="l1", quantity=1)])
    await pricing.stub.Return(returned, timeout=5)
    sorry = await run(gateway, support, SORRY, customer="c-7", amount="50.00", reason="late delivery")
    refused = await run(gateway, support, UPSERT, customer={"id": "c-7", "name": "Someone else"})

    view = await run(gateway, support, CUSTOMER, id="c-7")
    missing = await run(gateway, support, CUSTOMER, id="nobody")

    assert sorry["__typename"] == "SorryCouponIssued", sorry
    assert refused["code"] == "FORBIDDEN"
    assert (view["__typename"], view["name"], view["attributes"]) == (
        "Customer360",
        "Deniz",
        [{"key": "tier", "value": "gold"}],
    )
    assert (view["ordersCount"], view["totalSpent"], view["lastOrderTotal"]) == (1, "1080.00", "1080.00")
    assert view["segments"] == ["big", "vip"]
    assert view["memberships"] == [
        {"id": "big", "name": "Big spenders", "dynamic": True},
        {"id": "vip", "name": "VIP", "dynamic": False},
    ]
    assert [(code["code"], code["campaignId"], code["active"]) for code in view["codes"]] == [
        (sorry["code"], sorry["campaignId"], True)
    ]
    [order] = view["orders"]
    assert (order["orderId"], order["total"], order["discount"], order["campaignIds"]) == (
        "o-7",
        "1080.00",
        "120.00",
        ["ten"],
    )
    assert [(entry["campaignId"], entry["kind"], entry["discount"]) for entry in order["redemptions"]] == [
        ("ten", "COMMIT", "120.00")
    ]
    [given_back] = order["returns"]
    assert (given_back["returnId"], given_back["units"], given_back["clawback"]) == (
        "r-1",
        1,
        [{"campaignId": "ten", "amount": "60.00"}],
    )
    assert given_back["refund"] == "540.00"
    [action] = [entry for entry in view["supportActions"] if entry["action"] == "coupon.sorry"]
    assert (action["actor"], action["role"], action["after"]["reason"], action["after"]["code"]) == (
        "selin",
        "SUPPORT",
        "late delivery",
        sorry["code"],
    )
    assert missing["code"] == "NOT_FOUND"
