"""A report as a table of typed cells: shown formatted on screen, written as CSV for a spreadsheet."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from pos_client.services.files import safe_text
from shared.errors import DomainError
from shared.quantity import format_quantity


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    COUNT = "count"
    MONEY = "money"
    QTY = "qty"
    PERCENT = "percent"  # basis points of one whole: 2534 is 25.34 %


Cell = str | int | date | None


@dataclass(frozen=True, slots=True)
class Table:
    """A report as rows of typed cells; the page formats them for people, CSV for machines."""

    title: str
    columns: tuple[tuple[str, Kind], ...]
    rows: list[tuple[Cell, ...]]
    totals: tuple[Cell, ...] | None = None


def plain(kind: Kind, value: Cell) -> str:
    """A cell as CSV text: amounts as plain decimals ("1234.50"), dates as ISO, empty for none,
    text made safe for a spreadsheet (see :func:`files.safe_text`)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):  # names, departments, notes: typed by people, never formulas
        return safe_text(value)
    if kind is Kind.MONEY:
        return _decimal(value, 100, 2)
    if kind is Kind.QTY:
        return format_quantity(value)
    if kind is Kind.PERCENT:
        return _decimal(value, 100, 2)
    return str(value)


def _decimal(value: int, scale: int, places: int) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), scale)
    return f"{sign}{whole}.{frac:0{places}d}"


class ExportFailed(DomainError):
    code = "report_export_failed"


def write_csv(table: Table, path: Path) -> None:
    """Write a table as CSV: UTF-8 with a BOM (Excel in Spanish then reads accents right), a
    header row, its rows and its totals row; amounts as plain decimals ("1234.50")."""
    kinds = [kind for _, kind in table.columns]
    rows = [*table.rows, *([table.totals] if table.totals else [])]
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([title for title, _ in table.columns])
            writer.writerows([plain(k, v) for k, v in zip(kinds, row, strict=True)] for row in rows)
    except OSError as exc:
        raise ExportFailed(f"No pude guardar el archivo {path.name}: {exc.strerror or exc}.") from exc
