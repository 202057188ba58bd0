"""Managed codes through the gateway: a batch generated in the background and followed through the graph,
codes searched, assigned and given new terms, CSV exported streamed and imported with a report, QR codes and
Code 128 barcodes that read back as the code, and who may do which."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import segno
from barcode.charsets import code128  # type: ignore[import-untyped]
from PIL import Image

from domain.access import Role
from domain.code_batches import BatchRequest, BatchStatus, CodeTerms
from domain.codegen import CodePattern
from domain.documents.common import Status
from domain.store import Store
from tests.builders import campaign
from tests.integration.gateway.harness import Gateway, running_gateway

PROBLEM = "... on Problem { code message }"
START = (
    "mutation($batch: CodeBatchInput!) { startCodeBatch(batch: $batch) { __typename"
    f" ... on CodeBatchStarted {{ batch {{ id status requested done }} }} {PROBLEM}"
    " ... on ValidationFailed { errors { pointer message } } } }"
)
BATCH = (
    "query($id: String!) { codeBatch(id: $id) { __typename ... on CodeBatch { status requested done createdBy"
    " finishedAt report { stored redrawn resumed seconds codesPerSecond error } } } }"
)
CODES = (
    "query($filter: CodeFilter, $first: Int, $after: String) { codes(filter: $filter, first: $first, after: $after)"
    " { __typename ... on ManagedCodeConnection { totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { code campaignId customerId maxUses expiresAt enabled } } } } }"
)
CREATE = (
    "mutation($code: CodeInput!) { createCode(code: $code) { __typename"
    f" ... on CodeSaved {{ managedCode {{ code maxUses customerId }} }} {PROBLEM} }} }}"
)
ASSIGN = (
    "mutation($code: String!, $customer: String) { assignCode(code: $code, customerId: $customer) { __typename"
    f" ... on CodeSaved {{ managedCode {{ code customerId }} }} {PROBLEM} }} }}"
)
UPDATE = (
    "mutation($code: String!, $terms: CodeTermsInput!) { updateCode(code: $code, terms: $terms) { __typename"
    f" ... on CodeSaved {{ managedCode {{ code maxUses oncePerCustomer expiresAt }} }} {PROBLEM} }} }}"
)
USAGE = (
    "query($code: String!) { codeUsage(code: $code) { __typename ... on CodeUsage { uses held discount"
    " customers code { code } } } }"
)
EXPIRES = "2031-01-01T00:00:00+00:00"


async def given_spring(gateway: Gateway) -> None:
    spring = campaign("spring", {"type": "PERCENTAGE", "value": "10"}, kind="COUPON")
    await gateway.pricing.writer.campaigns.save(spring, status=Status.ACTIVE)


async def until_ended(gateway: Gateway, batch_id: str, token: str) -> list[dict[str, Any]]:
    """Every distinct state of the batch seen while polling, up to DONE or FAILED."""
    seen: list[dict[str, Any]] = []
    for _ in range(600):
        got = (await gateway.data(await gateway.admin(BATCH, {"id": batch_id}, token=token)))["codeBatch"]
        if not seen or got != seen[-1]:
            seen.append(got)
        if got["status"] in ("DONE", "FAILED"):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"the batch did not end: {seen[-1]}")


async def test_a_batch_started_in_the_graph_runs_in_the_background_to_its_report(gateway: Gateway) -> None:
    marketer = await gateway.user("mert", Role.MARKETER)
    await given_spring(gateway)
    batch = {
        "campaignId": "spring",
        "count": 30_000,
        "pattern": {"pattern": "SPR-****-****-****"},
        "terms": {"maxUses": 1, "expiresAt": EXPIRES},
    }

    started = (await gateway.data(await gateway.admin(START, {"batch": batch}, token=marketer)))["startCodeBatch"]
    states = await until_ended(gateway, started["batch"]["id"], marketer)

    assert started["__typename"] == "CodeBatchStarted"
    assert started["batch"]["requested"] == 30_000
    done = states[-1]
    assert (done["status"], done["done"], done["createdBy"]) == ("DONE", 30_000, "mert")
    assert done["report"]["stored"] == 30_000
    assert done["report"]["error"] is None
    assert done["report"]["codesPerSecond"] > 0
    assert [state["done"] for state in states] == sorted(state["done"] for state in states)
    first = await gateway.data(
        await gateway.admin(CODES, {"filter": {"batchId": started["batch"]["id"]}, "first": 100}, token=marketer)
    )
    page = first["codes"]
    assert page["totalCount"] == 30_000
    assert page["pageInfo"]["hasNextPage"]
    codes = [edge["node"] for edge in page["edges"]]
    assert all(re.fullmatch(r"SPR-(\w{4}-){2}\w{4}", code["code"]) for code in codes)
    assert {(code["maxUses"], code["expiresAt"], code["enabled"]) for code in codes} == {
        (1, "2031-01-01T00:00:00+00:00", True)
    }
    after = {"filter": {"batchId": started["batch"]["id"]}, "first": 100, "after": page["pageInfo"]["endCursor"]}
    second = (await gateway.data(await gateway.admin(CODES, after, token=marketer)))["codes"]
    assert next(edge["node"]["code"] for edge in second["edges"]) > codes[-1]["code"]
    [entry] = [entry for entry in await gateway.pricing.writer.audit.entries() if entry.action == "codes.batch"]
    assert (entry.actor, entry.target_id) == ("mert", started["batch"]["id"])


async def test_a_batch_the_guessing_rule_refuses_is_not_started(gateway: Gateway) -> None:
    marketer = await gateway.user("mert", Role.MARKETER)
    await given_spring(gateway)
    small = {"campaignId": "spring", "count": 1000, "pattern": {"pattern": "KMP-####-????"}}
    unknown = {"campaignId": "autumn", "count": 10}

    refused = (await gateway.data(await gateway.admin(START, {"batch": small}, token=marketer)))["startCodeBatch"]
    missing = (await gateway.data(await gateway.admin(START, {"batch": unknown}, token=marketer)))["startCodeBatch"]

    assert (refused["__typename"], refused["code"]) == ("ValidationFailed", "VALIDATION_FAILED")
    assert refused["errors"][0]["pointer"] == "/pattern"
    assert "one valid code per 1,000,000,000 guesses" in refused["errors"][0]["message"]
    assert (missing["__typename"], missing["code"]) == ("NotFound", "NOT_FOUND")
    assert [entry.action for entry in await gateway.pricing.writer.audit.entries()] == []


async def test_a_batch_a_stopped_gateway_left_half_done_is_resumed_when_a_gateway_starts(sqlite_url: str) -> None:
    async with await Store.open(sqlite_url) as store:
        spring = campaign("spring", {"type": "PERCENTAGE", "value": "10"}, kind="COUPON")
        await store.campaigns.save(spring, status=Status.ACTIVE)
        request = BatchRequest("spring", 2_000, CodePattern(length=12), CodeTerms(max_uses=1))
        batch = await store.code_batches.create(request, created_by="mert")
        assert await store.code_batches.claim(lease=timedelta(seconds=-1)) is not None  # its runner died
        await store.code_batches.store_chunk(batch.id, ["HALF-DONE-1"], lease=timedelta(0))

    async with running_gateway(sqlite_url) as restarted:
        token = await restarted.user("mert", Role.MARKETER)
        [*_, done] = await until_ended(restarted, batch.id, token)

    assert (done["status"], done["done"], done["report"]["resumed"]) == (BatchStatus.DONE.value, 2_000, 1)


async def test_codes_are_created_assigned_given_new_terms_and_their_usage_read(gateway: Gateway) -> None:
    marketer = await gateway.user("mert", Role.MARKETER)
    support = await gateway.user("selin", Role.SUPPORT)
    await given_spring(gateway)

    public = await gateway.data(
        await gateway.admin(CREATE, {"code": {"code": "spring25", "campaignId": "spring"}}, token=marketer)
    )
    again = await gateway.data(
        await gateway.admin(CREATE, {"code": {"code": "SPRING25", "campaignId": "spring"}}, token=marketer)
    )
    assigned = await gateway.data(await gateway.admin(ASSIGN, {"code": "spring25", "customer": "c1"}, token=support))
    terms = {"maxUses": 5, "oncePerCustomer": True, "expiresAt": EXPIRES}
    updated = await gateway.data(await gateway.admin(UPDATE, {"code": "Spring25", "terms": terms}, token=support))
    bad = await gateway.data(await gateway.admin(UPDATE, {"code": "SPRING25", "terms": {"maxUses": 0}}, token=support))
    usage = await gateway.data(await gateway.admin(USAGE, {"code": "spring25"}, token=support))
    by_customer = await gateway.data(await gateway.admin(CODES, {"filter": {"customerId": "c1"}}, token=support))

    assert public["createCode"] == {
        "__typename": "CodeSaved",
        "managedCode": {"code": "SPRING25", "maxUses": None, "customerId": None},
    }
    assert again["createCode"]["__typename"] == "AlreadyExists"
    assert assigned["assignCode"]["managedCode"] == {"code": "SPRING25", "customerId": "c1"}
    assert updated["updateCode"]["managedCode"] == {
        "code": "SPRING25",
        "maxUses": 5,
        "oncePerCustomer": True,
        "expiresAt": EXPIRES,
    }
    assert bad["updateCode"]["__typename"] == "ValidationFailed"
    assert usage["codeUsage"] == {
        "__typename": "CodeUsage",
        "uses": 0,
        "held": 0,
        "discount": "0.00",
        "customers": [],
        "code": {"code": "SPRING25"},
    }
    assert [edge["node"]["code"] for edge in by_customer["codes"]["edges"]] == ["SPRING25"]
    actions = [entry.action for entry in await gateway.pricing.writer.audit.entries()]
    assert actions == ["code.update", "code.assign", "code.create"]


# -- CSV ---------------------------------------------------------------------------------------------------------


async def test_codes_export_streamed_as_csv_and_an_import_reports_its_bad_rows_and_keeps_the_good(
    gateway: Gateway,
) -> None:
    marketer = await gateway.user("mert", Role.MARKETER)
    await given_spring(gateway)
    writer = gateway.pricing.writer
    batch = await writer.code_batches.create(
        BatchRequest("spring", 2_500, CodePattern(prefix="EXP-"), CodeTerms(max_uses=2)), created_by="mert"
    )
    await until_ended(gateway, batch.id, marketer)
    headers = {"authorization": f"Bearer {marketer}"}

    async with gateway.client.stream(
        "GET", f"{gateway.url}/admin/codes/export.csv", params={"batchId": batch.id}, headers=headers
    ) as response:
        chunks = [chunk async for chunk in response.aiter_text()]
        media = response.headers["content-type"]
    lines = "".join(chunks).splitlines()

    assert media.startswith("text/csv")
    assert len(chunks) > 1  # streamed page by page
    assert lines[0] == "code,campaign_id,customer_id,max_uses,once_per_customer,starts_at,expires_at,active"
    assert len(lines) == 2_501
    assert all(line.startswith("EXP-") and ",spring,,2,false,,,true" in line for line in lines[1:])

    mixed = "\n".join(
        [
            "code,campaign_id,max_uses",
            "NEW-1,spring,3",
            lines[1].split(",")[0] + ",spring,1",  # exists already
            "NEW 2,spring,1",
            "NEW-3,autumn,1",
            "NEW-4,spring,many",
            "NEW-5,spring,",
        ]
    )
    imported = await gateway.client.post(
        f"{gateway.url}/admin/codes/import", content=mixed.encode(), headers=headers | {"content-type": "text/csv"}
    )

    report = imported.json()
    assert imported.status_code == 200, report
    assert (report["rows"], report["stored"], report["refused"]) == (6, 2, 4)
    assert [(error["row"], error["field"]) for error in report["errors"]] == [
        (3, "code"),
        (4, "code"),
        (5, "campaign_id"),
        (6, "max_uses"),
    ]
    assert await writer.codes.get("new-1") is not None
    assert await writer.codes.get("new-5") is not None
    assert await writer.codes.get("new-3") is None
    [entry] = [entry for entry in await writer.audit.entries() if entry.action == "codes.import"]
    assert entry.actor == "mert"


# -- images ------------------------------------------------------------------------------------------------------


def bars(svg: bytes) -> str:
    """The module pattern of a python-barcode SVG: its bar rectangles' x and width in module units."""
    root = ElementTree.fromstring(svg)
    rects = [rect for rect in root.iter("{http://www.w3.org/2000/svg}rect") if "fill:black" in rect.get("style", "")]
    starts = [float(rect.get("x", "0").removesuffix("mm")) for rect in rects]
    widths = [float(rect.get("width", "0").removesuffix("mm")) for rect in rects]
    module = min(widths)
    pattern = ""
    at = starts[0]
    for start, width in zip(starts, widths, strict=True):
        pattern += "0" * round((start - at) / module) + "1" * round(width / module)
        at = start + width
    return pattern


def code128_symbols(pattern: str) -> list[int]:
    """The symbol values of a Code 128 module pattern (11 modules each, the stop symbol's 13 left off)."""
    values = {bits: value for value, bits in enumerate(code128.CODES)}
    return [values[pattern[index : index + 11]] for index in range(0, len(pattern) - 13, 11)]


async def test_a_code_reads_back_from_its_qr_code_and_its_code_128_barcode(gateway: Gateway) -> None:
    support = await gateway.user("selin", Role.SUPPORT)
    headers = {"authorization": f"Bearer {support}"}
    base = f"{gateway.url}/admin/codes/kmp-ab12-cd34"

    images = {
        name: await gateway.client.get(f"{base}/{name}", headers=headers)
        for name in ("qr.png", "qr.svg", "barcode.png", "barcode.svg")
    }

    assert {name: response.status_code for name, response in images.items()} == dict.fromkeys(images, 200)
    assert images["qr.png"].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert images["barcode.png"].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert ElementTree.fromstring(images["qr.svg"].content).tag == "{http://www.w3.org/2000/svg}svg"
    qr = Image.open(io.BytesIO(images["qr.png"].content)).convert("L")
    expected = segno.make("KMP-AB12-CD34", error="m")
    size = expected.symbol_size(scale=1, border=4)[0]
    assert qr.size == (size * 8, size * 8)
    modules = [[qr.getpixel((x * 8 + 4, y * 8 + 4)) == 0 for x in range(size)] for y in range(size)]
    assert modules == [[bool(bit) for bit in row] for row in expected.matrix_iter(scale=1, border=4)]
    symbols = code128_symbols(bars(images["barcode.svg"].content))
    assert symbols[-1] == (symbols[0] + sum(index * value for index, value in enumerate(symbols[1:-1], 1))) % 103
    text = "".join(chr(value + 32) for value in symbols[1:-1])  # code set B: value + 32
    assert text == "KMP-AB12-CD34"


async def test_who_may_export_import_and_draw_codes(gateway: Gateway) -> None:
    analyst = await gateway.user("ali", Role.ANALYST)
    junior = await gateway.user("jale", Role.JUNIOR_MARKETER)

    def auth(token: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"}

    nobody = await gateway.client.get(f"{gateway.url}/admin/codes/export.csv")
    export = await gateway.client.get(f"{gateway.url}/admin/codes/export.csv", headers=auth(analyst))
    image = await gateway.client.get(f"{gateway.url}/admin/codes/ABC/qr.png", headers=auth(analyst))
    junior_import = await gateway.client.post(
        f"{gateway.url}/admin/codes/import", content=b"code,campaign_id\nA,b\n", headers=auth(junior)
    )
    junior_export = await gateway.client.get(f"{gateway.url}/admin/codes/export.csv", headers=auth(junior))
    wrong_kind = await gateway.client.get(f"{gateway.url}/admin/codes/ABC/qr.gif", headers=auth(junior))

    assert (nobody.status_code, nobody.json()["errors"][0]["extensions"]["code"]) == (401, "UNAUTHENTICATED")
    assert [response.status_code for response in (export, image, junior_import)] == [403] * 3
    assert export.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (junior_export.status_code, junior_export.text) == (
        200,
        "code,campaign_id,customer_id,max_uses,once_per_customer,starts_at,expires_at,active\n",
    )
    assert wrong_kind.status_code == 404
    assert await gateway.pricing.writer.codes.get("A") is None
