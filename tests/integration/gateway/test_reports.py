"""Reports through the admin graph and the export routes of a real gateway (SQLite, PostgreSQL), over a ledger
history made through the checkout lifecycle: the graph answers what the store's report says, the CSV and XLSX
exports read back equal to it, and only roles that may read reports get them."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.access import Role
from gateway.admin.report_tables import Table, ranking_tables, report_tables
from tests.integration.gateway.harness import Gateway, running_gateway
from tests.integration.report_history import HISTORY, PERIOD, SHIRTS, SHOES, place

TOTALS = "redemptions customers discount orderValue averageOrderValue"
REPORT = f"""query($id: String!, $from: Date!, $to: Date!) {{
  campaignReport(campaignId: $id, from: $from, to: $to) {{
    __typename
    ... on CampaignReportView {{
      campaignId currency firstDay lastDay totals {{ {TOTALS} }}
      without {{ orders orderValue averageOrderValue }}
      returns {{ returns orders refunded clawback }}
      netDiscount netOrderValue returnOnDiscount otherCurrencyOrders
      budgets {{ limit budget used remaining usedInPeriod burnPerDay exhaustedOn forecast }}
      byChannel {{ key totals {{ {TOTALS} }} }}
      byDay {{ key totals {{ {TOTALS} }} }}
    }}
    ... on Problem {{ code message }}
  }}
}}"""
RANKING = """query($from: Date!, $to: Date!) {
  campaignRanking(from: $from, to: $to) {
    __typename
    ... on CampaignRanking { firstDay lastDay threshold
      campaigns { rank campaignId currency redemptions netDiscount netOrderValue returnOnDiscount belowThreshold } }
    ... on Problem { code message }
  }
}"""
DAYS = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}


@pytest.fixture
async def reporting(database_url: str) -> AsyncIterator[Gateway]:
    async with running_gateway(database_url, report_min_return=Decimal("12")) as running:
        await place(running.pricing.writer, HISTORY)
        yield running


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _totals(totals: Any) -> dict[str, Any]:
    return {
        "redemptions": totals.redemptions,
        "customers": totals.customers,
        "discount": str(totals.discount),
        "orderValue": str(totals.order_value),
        "averageOrderValue": _text(totals.average_order_value),
    }


async def test_the_campaign_report_of_the_graph_is_the_report_of_the_ledger(reporting: Gateway) -> None:
    token = await reporting.user("ana", Role.ANALYST)
    store = reporting.pricing.writer
    period = await store.reports.period(*PERIOD)

    data = await reporting.data(await reporting.admin(REPORT, {"id": SHIRTS.id, **DAYS}, token=token))

    report = await store.reports.campaign(SHIRTS.id, period)
    assert report is not None
    answer = data["campaignReport"]
    assert answer["__typename"] == "CampaignReportView"
    assert (answer["firstDay"], answer["lastDay"]) == (DAYS["from"], DAYS["to"])
    assert answer["totals"] == _totals(report.totals)
    assert answer["totals"]["redemptions"] == 6
    assert answer["netDiscount"] == str(report.net_discount)
    assert answer["returnOnDiscount"] == _text(report.return_on_discount)
    assert answer["returns"] == {
        "returns": report.returns.returns,
        "orders": report.returns.orders,
        "refunded": str(report.returns.refunded),
        "clawback": str(report.returns.clawback),
    }
    assert [line["key"] for line in answer["byDay"]] == [day.isoformat() for day in period.days]
    assert [line["totals"] for line in answer["byDay"]] == [_totals(line.totals) for line in report.by_day]
    assert [(line["key"], line["totals"]) for line in answer["byChannel"]] == [
        (line.key, _totals(line.totals)) for line in report.by_channel
    ]
    assert [(use["limit"], use["used"], use["forecast"]) for use in answer["budgets"]] == [
        (use.limit, str(use.used), _text(use.forecast)) for use in report.budgets
    ]


async def test_the_ranking_flags_campaigns_under_the_configured_threshold(reporting: Gateway) -> None:
    token = await reporting.user("mia", Role.MARKETER)
    store = reporting.pricing.writer
    period = await store.reports.period(*PERIOD)
    ratios = {
        campaign_id: report.return_on_discount
        for campaign_id in (SHIRTS.id, SHOES.id)
        if (report := await store.reports.campaign(campaign_id, period)) is not None
    }

    data = await reporting.data(await reporting.admin(RANKING, DAYS, token=token))

    ranking = data["campaignRanking"]
    assert ranking["threshold"] == "12"
    assert [entry["campaignId"] for entry in ranking["campaigns"]] == sorted(ratios, key=lambda key: -ratios[key])  # type: ignore[operator]
    assert {entry["campaignId"]: entry["belowThreshold"] for entry in ranking["campaigns"]} == {
        campaign_id: ratio is not None and ratio < 12 for campaign_id, ratio in ratios.items()
    }
    assert any(entry["belowThreshold"] for entry in ranking["campaigns"])
    assert not all(entry["belowThreshold"] for entry in ranking["campaigns"])


def _csv_tables(text: str) -> list[Table]:
    tables = []
    for block in text.split("\r\n\r\n"):
        rows = list(csv.reader(io.StringIO(block)))
        (marker, name), header, *body = rows
        assert marker == "section"
        tables.append(Table(name, tuple(header), [tuple(row) for row in body]))
    return tables


def _as_text(tables: list[Table]) -> list[Table]:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return [
        Table(table.name, table.header, [tuple(cell(value) for value in row) for row in table.rows]) for table in tables
    ]


def _xlsx_tables(content: bytes) -> list[Table]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    tables = []
    for sheet in workbook.worksheets:
        header, *body = sheet.iter_rows(values_only=True)
        width = len(header)  # a read-only sheet leaves trailing empty cells out
        rows = [tuple(row) + (None,) * (width - len(row)) for row in body]
        tables.append(Table(sheet.title, tuple(str(name) for name in header), rows))
    return tables


def _same_numbers(read: list[Table], written: list[Table]) -> None:
    """Cells read back from XLSX equal the report's (numbers as numbers, money to the last digit)."""
    assert [(table.name, table.header, len(table.rows)) for table in read] == [
        (table.name, table.header, len(table.rows)) for table in written
    ]
    for got, want in zip(read, written, strict=True):
        for got_row, want_row in zip(got.rows, want.rows, strict=True):
            for got_cell, want_cell in zip(got_row, want_row, strict=True):
                if isinstance(want_cell, Decimal):
                    assert Decimal(str(got_cell)) == want_cell
                else:
                    assert got_cell == want_cell


async def test_csv_and_xlsx_exports_read_back_equal_to_the_report(reporting: Gateway) -> None:
    token = await reporting.user("ana", Role.ANALYST)
    store = reporting.pricing.writer
    period = await store.reports.period(*PERIOD)
    report = await store.reports.campaign(SHIRTS.id, period)
    assert report is not None
    headers = {"authorization": f"Bearer {token}"}
    url = f"{reporting.url}/admin/reports/campaigns/{SHIRTS.id}"

    as_csv = await reporting.client.get(f"{url}.csv", params=DAYS, headers={**headers, "x-request-id": "export-1"})
    as_xlsx = await reporting.client.get(f"{url}.xlsx", params=DAYS, headers=headers)
    ranking_csv = await reporting.client.get(f"{reporting.url}/admin/reports/ranking.csv", params=DAYS, headers=headers)
    ranking_xlsx = await reporting.client.get(
        f"{reporting.url}/admin/reports/ranking.xlsx", params=DAYS, headers=headers
    )

    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["x-request-id"] == "export-1"
    assert len(as_xlsx.headers["x-request-id"]) == 32  # a new one when the caller sent none
    assert _csv_tables(as_csv.text) == _as_text(report_tables(report))
    _same_numbers(_xlsx_tables(as_xlsx.content), report_tables(report))
    ranked = await store.reports.ranking(period, threshold=Decimal("12"))
    assert _csv_tables(ranking_csv.text) == _as_text(ranking_tables(ranked))
    _same_numbers(_xlsx_tables(ranking_xlsx.content), ranking_tables(ranked))
    assert [row[1] for row in ranking_tables(ranked)[0].rows] == [entry.campaign_id for entry in ranked]


async def test_exports_need_credentials_a_role_that_reads_reports_a_campaign_and_a_period(reporting: Gateway) -> None:
    support = await reporting.user("sue", Role.SUPPORT)
    analyst = await reporting.user("ana", Role.ANALYST)
    url = f"{reporting.url}/admin/reports/campaigns/{SHIRTS.id}.csv"

    async def code(address: str, token: str | None, **params: str) -> tuple[int, str]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await reporting.client.get(address, params=params, headers=headers)
        return response.status_code, response.json()["errors"][0]["extensions"]["code"]

    assert await code(url, None, **DAYS) == (401, "UNAUTHENTICATED")
    refused = await reporting.client.get(url, params=DAYS, headers={"x-request-id": "refused-1"})
    assert refused.headers["x-request-id"] == "refused-1"
    assert await code(url, "not-a-token", **DAYS) == (401, "UNAUTHENTICATED")
    assert await code(url, support, **DAYS) == (403, "FORBIDDEN")
    assert await code(f"{reporting.url}/admin/reports/campaigns/nowhere.csv", analyst, **DAYS) == (404, "NOT_FOUND")
    assert await code(url.replace(".csv", ".pdf"), analyst, **DAYS) == (404, "NOT_FOUND")
    assert await code(url, analyst, **{"from": "2026-03-08"}) == (400, "VALIDATION_FAILED")
    assert await code(url, analyst, **{"from": "2026-03-09", "to": "2026-03-08"}) == (400, "VALIDATION_FAILED")


async def test_the_graph_refuses_a_reversed_period_and_names_an_unknown_campaign(reporting: Gateway) -> None:
    token = await reporting.user("ana", Role.ANALYST)
    backwards = {"from": "2026-03-09", "to": date(2026, 3, 1).isoformat()}

    unknown = await reporting.data(await reporting.admin(REPORT, {"id": "nowhere", **DAYS}, token=token))
    reversed_report = await reporting.data(await reporting.admin(REPORT, {"id": SHIRTS.id, **backwards}, token=token))
    reversed_ranking = await reporting.data(await reporting.admin(RANKING, backwards, token=token))

    assert unknown["campaignReport"]["code"] == "NOT_FOUND"
    assert reversed_report["campaignReport"]["code"] == "VALIDATION_FAILED"
    assert reversed_ranking["campaignRanking"]["code"] == "VALIDATION_FAILED"
