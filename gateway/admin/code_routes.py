"""Managed codes over plain HTTP, behind the admin graph's credentials and role checks:

- `GET /admin/codes/export.csv?prefix=&customerId=&campaignId=&batchId=` (READ_CODES): the codes matching, as
  CSV, streamed from the database a page at a time;
- `POST /admin/codes/import` (ISSUE_CODES), a CSV body with the export's columns: every row checked, the good
  ones stored in one transaction, the answer a report `{"rows", "stored", "refused", "errors": [{row, field,
  message}]}` (the first 1,000 errors);
- `GET /admin/codes/{code}/qr.{png|svg}` and `/admin/codes/{code}/barcode.{png|svg}` (READ_CODES): a QR code
  and a Code 128 barcode of any code (stored or public).

Failures answer a GraphQL-style error body: 401 UNAUTHENTICATED, 403 FORBIDDEN, 404 NOT_FOUND, 400
VALIDATION_FAILED, 413 PAYLOAD_TOO_LARGE.
"""

from __future__ import annotations

import codecs
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import barcode  # type: ignore[import-untyped]
import segno
from barcode.writer import ImageWriter, SVGWriter  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from domain.access import Operation, may
from domain.audit import AuditEntry
from domain.code_csv import GoodRow, header, line, rows
from domain.documents.common import normalize_code
from domain.imports import RowError
from domain.store.code_admin import CodeFilter
from gateway.auth import Principal, Unauthenticated
from gateway.graph.context import Services
from gateway.graph.hardening import graphql_error_body

MAX_IMPORT_BYTES = 128 * 1024 * 1024
REPORTED_ERRORS = 1000
EXPORT_PAGE = 1000
IMAGES = {("qr", "png"), ("qr", "svg"), ("barcode", "png"), ("barcode", "svg")}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def response(self) -> Response:
        headers = {"www-authenticate": "Bearer"} if self.status == 401 else None
        body = graphql_error_body(str(self), self.code)
        return Response(body, status_code=self.status, media_type="application/json", headers=headers)


async def _caller(request: Request, operation: Operation) -> tuple[Services, Principal]:
    services: Services = request.app.state.services
    try:
        principal = await services.admin_auth.authenticate(request.headers.get("authorization"))
    except Unauthenticated as error:
        raise Refused(401, "UNAUTHENTICATED", str(error)) from None
    if not may(principal.role, operation):
        raise Refused(403, "FORBIDDEN", f"a {principal.role.value} may not {operation.lower().replace('_', ' ')}")
    return services, principal


async def export_codes(request: Request) -> Response:
    try:
        services, _ = await _caller(request, Operation.READ_CODES)
    except Refused as refused:
        return refused.response()
    params = request.query_params
    wanted = CodeFilter(
        prefix=params.get("prefix"),
        customer_id=params.get("customerId"),
        campaign_id=params.get("campaignId"),
        batch_id=params.get("batchId"),
    )

    async def lines() -> AsyncIterator[str]:
        yield header()
        async for page in services.store.code_admin.pages(wanted, size=EXPORT_PAGE):
            yield "".join(line(stored.spec) for stored in page)

    disposition = {"content-disposition": 'attachment; filename="codes.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=disposition)


async def import_codes(request: Request) -> Response:
    try:
        services, principal = await _caller(request, Operation.ISSUE_CODES)
        text = await _lines(request)
    except Refused as refused:
        return refused.response()
    good: list[GoodRow] = []
    errors: list[RowError] = []
    for row in rows(text):
        (good if isinstance(row, GoodRow) else errors).append(row)  # type: ignore[arg-type]
    request_id = request.headers.get("x-request-id", "")[:100] or uuid.uuid4().hex
    entry = AuditEntry(
        actor=principal.subject,
        role=principal.role.value,
        action="codes.import",
        target_type="code_import",
        target_id=request_id,
        before=None,
        after={"rows": len(good) + len(errors)},
        request_id=request_id,
        at=datetime.now(UTC),
    )
    store = services.store
    async with store.audit.recording(entry):
        not_stored = await store.code_admin.import_rows(good)
    errors = sorted(errors + not_stored, key=lambda error: error.row)
    bad_rows = len({error.row for error in errors})
    report: dict[str, Any] = {
        "rows": len(good) - len(not_stored) + bad_rows,
        "stored": len(good) - len(not_stored),
        "refused": bad_rows,
        "errors": [
            {"row": error.row, "field": error.field, "message": error.message} for error in errors[:REPORTED_ERRORS]
        ],
    }
    return JSONResponse(report)


async def _lines(request: Request) -> list[str]:
    """The body's lines (UTF-8, a BOM ignored), read as it arrives, refused past MAX_IMPORT_BYTES."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    received = 0
    parts: list[str] = []
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_IMPORT_BYTES:
                raise Refused(413, "PAYLOAD_TOO_LARGE", f"an import is at most {MAX_IMPORT_BYTES:,} bytes")
            parts.append(decoder.decode(chunk))
        parts.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError as error:
        raise Refused(400, "VALIDATION_FAILED", f"the body is not UTF-8 text: {error.reason}") from None
    return "".join(parts).splitlines(keepends=True)


async def code_image(request: Request) -> Response:
    try:
        await _caller(request, Operation.READ_CODES)
    except Refused as refused:
        return refused.response()
    kind, file_format = request.path_params["kind"], request.path_params["format"]
    code = normalize_code(request.path_params["code"])
    if (kind, file_format) not in IMAGES:
        return Refused(404, "NOT_FOUND", "images are qr or barcode, png or svg").response()
    if not code or len(code) > 64 or not code.isascii() or not code.isprintable() or " " in code:
        return Refused(400, "VALIDATION_FAILED", "a code has 1 to 64 printable ASCII characters").response()
    body = qr_image(code, file_format) if kind == "qr" else barcode_image(code, file_format)
    media = "image/png" if file_format == "png" else "image/svg+xml"
    return Response(body, media_type=media, headers={"cache-control": "private, max-age=3600"})


def qr_image(code: str, file_format: str) -> bytes:
    """Return the QR code of `code` (error correction M) as PNG (8 pixels a module) or SVG."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind=file_format, scale=8 if file_format == "png" else 4, border=4)
    return buffer.getvalue()


def barcode_image(code: str, file_format: str) -> bytes:
    """Return the Code 128 barcode of `code` (with its text) as PNG or SVG."""
    buffer = io.BytesIO()
    writer = ImageWriter(format="PNG") if file_format == "png" else SVGWriter()
    barcode.get("code128", code, writer=writer).write(buffer)
    return buffer.getvalue()


def code_routes() -> list[Route]:
    return [
        Route("/admin/codes/export.csv", export_codes, methods=["GET"]),
        Route("/admin/codes/import", import_codes, methods=["POST"]),
        Route("/admin/codes/{code}/{kind}.{format}", code_image, methods=["GET"]),
    ]
