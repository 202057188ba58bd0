"""Reports as tables, and the tables as CSV (streamed, one section after another) and as XLSX (openpyxl's
write-only workbook, a sheet per section): what the admin's export routes answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

from domain.reports import CampaignReport, Line, Ranked, Totals

Cell = str | int | Decimal | bool | None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]


LINE_HEADER = ("redemptions", "customers", "discount", "order_value", "average_order_value")


def _totals(totals: Totals) -> tuple[Cell, ...]:
    return (totals.redemptions, totals.customers, totals.discount, totals.order_value, totals.average_order_value)


def _lines(name: str, key: str, lines: Iterable[Line]) -> Table:
    return Table(name, (key, *LINE_HEADER), [(line.key, *_totals(line.totals)) for line in lines])


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def report_tables(report: CampaignReport) -> list[Table]:
    """Return the report's sections: summary (metric, value), by day, by channel, budgets."""
    totals, without, returns = report.totals, report.without, report.returns
    summary: list[tuple[Cell, ...]] = [
        ("campaign_id", report.campaign_id),
        ("currency", report.currency),
        ("from", report.period.first.isoformat()),
        ("to", report.period.last.isoformat()),
        *zip(LINE_HEADER, _totals(totals), strict=True),
        ("orders_without", without.orders),
        ("order_value_without", without.order_value),
        ("average_order_value_without", without.average_order_value),
        ("returns", returns.returns),
        ("returned_orders", returns.orders),
        ("refunded", returns.refunded),
        ("clawback", returns.clawback),
        ("net_discount", report.net_discount),
        ("net_order_value", report.net_order_value),
        ("return_on_discount", report.return_on_discount),
        ("other_currency_orders", report.other_currency_orders),
    ]
    budgets = [
        (
            use.limit,
            use.budget,
            use.used,
            use.remaining,
            use.used_in_period,
            use.burn_per_day,
            _day(use.exhausted_on),
            _day(use.forecast),
        )
        for use in report.budgets
    ]
    return [
        Table("summary", ("metric", "value"), summary),
        _lines("by_day", "day", report.by_day),
        _lines("by_channel", "channel", report.by_channel),
        Table(
            "budgets",
            ("limit", "budget", "used", "remaining", "used_in_period", "burn_per_day", "exhausted_on", "forecast"),
            budgets,
        ),
    ]


RANKING_HEADER = (
    "rank",
    "campaign_id",
    "currency",
    "redemptions",
    "net_discount",
    "net_order_value",
    "return_on_discount",
    "below_threshold",
)


def ranking_tables(ranked: Sequence[Ranked]) -> list[Table]:
    rows = [
        (
            entry.rank,
            entry.campaign_id,
            entry.currency,
            entry.redemptions,
            entry.net_discount,
            entry.net_order_value,
            entry.return_on_discount,
            entry.below_threshold,
        )
        for entry in ranked
    ]
    return [Table("ranking", RANKING_HEADER, rows)]


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell)


def csv_chunks(tables: Sequence[Table]) -> Iterator[str]:
    """Yield the CSV text row by row: per section, a row with its name, its header, its rows, a blank row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, table in enumerate(tables):
        rows: list[Sequence[Cell]] = [("section", table.name), table.header, *table.rows]
        if index < len(tables) - 1:
            rows.append(())
        for row in rows:
            writer.writerow([_text(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """Return the workbook: a sheet per section, its header first; money and counts as numbers."""
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        sheet.append(list(table.header))
        for row in table.rows:
            sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
