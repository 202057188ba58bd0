"""The admin's report exports over HTTP, behind the same credentials and role check as the admin graph:

- `GET /admin/reports/campaigns/{campaign_id}.{csv|xlsx}?from=YYYY-MM-DD&to=YYYY-MM-DD`
- `GET /admin/reports/ranking.{csv|xlsx}?from=…&to=…`

Failures answer a GraphQL-style error body: 401 UNAUTHENTICATED, 403 FORBIDDEN, 404 NOT_FOUND, 400
VALIDATION_FAILED.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from domain.access import Operation, may
from domain.errors import DocumentError
from domain.reports import Period
from gateway.admin.report_tables import Table, csv_chunks, ranking_tables, report_tables, xlsx_bytes
from gateway.auth import Unauthenticated
from gateway.graph.context import Services
from gateway.graph.hardening import graphql_error_body

REQUEST_ID = "x-request-id"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _request_id(request: Request) -> dict[str, str]:
    """The caller's request id (or a new one), echoed like the graphs' (`gateway.app.RequestId`)."""
    return {REQUEST_ID: (request.headers.get(REQUEST_ID) or "")[:100] or uuid.uuid4().hex}


def _problem(request: Request, refused: Refused) -> Response:
    headers = _request_id(request)
    if refused.status == 401:
        headers["www-authenticate"] = "Bearer"
    body = graphql_error_body(str(refused), refused.code)
    return Response(body, status_code=refused.status, media_type="application/json", headers=headers)


async def _authorized(request: Request) -> Services:
    services: Services = request.app.state.services
    try:
        principal = await services.admin_auth.authenticate(request.headers.get("authorization"))
    except Unauthenticated as error:
        raise Refused(401, "UNAUTHENTICATED", str(error)) from None
    if not may(principal.role, Operation.READ_REPORTS):
        raise Refused(403, "FORBIDDEN", f"a {principal.role.value} may not read reports")
    return services


def _day(request: Request, name: str) -> date:
    text = request.query_params.get(name)
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise Refused(400, "VALIDATION_FAILED", f"/{name}: a date YYYY-MM-DD is required") from None


async def _period(request: Request, services: Services) -> Period:
    if request.path_params["format"] not in FORMATS:
        raise Refused(404, "NOT_FOUND", f"exports are {' or '.join(FORMATS)}")
    first, last = _day(request, "from"), _day(request, "to")
    try:
        return await services.store.reports.period(first, last)
    except DocumentError as error:
        raise Refused(400, "VALIDATION_FAILED", str(error)) from None


def _export(request: Request, tables: Sequence[Table], name: str, file_format: str) -> Response:
    disposition = {"content-disposition": f'attachment; filename="{name}.{file_format}"', **_request_id(request)}
    if file_format == "csv":
        return StreamingResponse(csv_chunks(tables), media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(xlsx_bytes(tables), media_type=XLSX, headers=disposition)


async def campaign_export(request: Request) -> Response:
    try:
        services = await _authorized(request)
        period = await _period(request, services)
        campaign_id = request.path_params["campaign_id"]
        report = await services.store.reports.campaign(campaign_id, period)
        if report is None:
            raise Refused(404, "NOT_FOUND", f"no campaign {campaign_id!r}")
    except Refused as refused:
        return _problem(request, refused)
    name = f"report-{campaign_id}-{period.first}-{period.last}"
    return _export(request, report_tables(report), name, request.path_params["format"])


async def ranking_export(request: Request) -> Response:
    try:
        services = await _authorized(request)
        period = await _period(request, services)
    except Refused as refused:
        return _problem(request, refused)
    ranked = await services.store.reports.ranking(period, threshold=services.settings.report_min_return)
    name = f"ranking-{period.first}-{period.last}"
    return _export(request, ranking_tables(ranked), name, request.path_params["format"])


def report_routes() -> list[Route]:
    return [
        Route("/admin/reports/campaigns/{campaign_id}.{format}", campaign_export, methods=["GET"]),
        Route("/admin/reports/ranking.{format}", ranking_export, methods=["GET"]),
    ]
