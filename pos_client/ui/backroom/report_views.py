"""Views of one report: a Qt table model over a report table (totals row in bold) and its charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pos_client.services.report_model import Breakdown, TopProducts
from pos_client.services.report_period import day_label
from pos_client.services.report_table import Cell, Kind, Table
from pos_client.ui.qt import (
    QAbstractTableModel,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QFont,
    QHorizontalBarSeries,
    QModelIndex,
    QPersistentModelIndex,
    QPieSeries,
    Qt,
    QValueAxis,
)
from shared.money import format_mxn
from shared.quantity import format_quantity

ModelIndex = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def show(kind: Kind, value: Cell) -> str:
    """A cell for people: "$1,234.50", "1.250", "22.37 %", "jue 05/11/2026"."""
    if value is None:
        return ""
    if isinstance(value, date):
        return day_label(value)
    if isinstance(value, str):
        return value
    if kind is Kind.MONEY:
        return format_mxn(value)
    if kind is Kind.QTY:
        return format_quantity(value, grouped=True)
    if kind is Kind.PERCENT:
        return f"{value / 100:.2f} %"
    return f"{value:,}"


class ReportTableModel(QAbstractTableModel):
    """A report's rows and, last, its totals row; replaced whole by :meth:`set_table`."""

    def __init__(self) -> None:
        super().__init__()
        self.table: Table | None = None
        self._rows: list[tuple[Cell, ...]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_table(self, table: Table) -> None:
        self.beginResetModel()
        self.table = table
        self._rows = [*table.rows, *([table.totals] if table.totals else [])]
        self.endResetModel()

    def text(self, row: int, column: int) -> str:
        """What a cell shows (tests read the table through this, as a person would)."""
        assert self.table is not None
        return show(self.table.columns[column][1], self._rows[row][column])

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.table is None else len(self.table.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and self.table is not None):
            return self.table.columns[section][0]
        return None

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid() or self.table is None:
            return None
        kind = self.table.columns[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and kind not in (Kind.TEXT, Kind.DATE):
            return _RIGHT
        if role == Qt.ItemDataRole.FontRole and self.is_totals(index.row()):
            return self._bold
        return None

    def is_totals(self, row: int) -> bool:
        return self.table is not None and self.table.totals is not None and row == len(self._rows) - 1


def _pesos(centavos: int) -> float:
    # Charts draw floats; money stays in centavos everywhere else.
    return centavos / 100


def _small() -> QFont:
    font = QFont()
    font.setPointSize(7)
    return font


def _new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setVisible(False)
    return chart


def _bars(chart: QChart, series: QBarSeries | QHorizontalBarSeries, labels: Sequence[str],
          values: Sequence[int], horizontal: bool = False) -> None:
    bar_set = QBarSet("Neto")
    for value in values:
        bar_set.append(_pesos(value))
    series.append(bar_set)
    series.setBarWidth(0.8)
    chart.addSeries(series)
    amounts = QValueAxis()
    amounts.setLabelFormat("$%.0f")
    amounts.setRange(min([0, *values]) / 100, max([1, *values]) / 100 * 1.1)
    amounts.setLabelsFont(_small())
    if horizontal:
        amounts.setTickCount(3)  # wider labels would be elided to "$20…"
    categories = _category_axis(labels, sparse=not horizontal)
    left, bottom = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignBottom
    chart.addAxis(categories, left if horizontal else bottom)
    chart.addAxis(amounts, bottom if horizontal else left)
    series.attachAxis(categories)
    series.attachAxis(amounts)


def _category_axis(labels: Sequence[str], sparse: bool) -> QBarCategoryAxis | QCategoryAxis:
    """One label per bar; or, along the bottom, about eight labels at most: Qt elides category
    labels to "…" once bars get narrow, so a month of days would show no label at all."""
    axis: QBarCategoryAxis | QCategoryAxis
    if sparse:
        axis = QCategoryAxis()
        axis.setRange(-0.5, max(len(labels), 1) - 0.5)
        axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for i in range(0, len(labels), max(1, (len(labels) + 7) // 8)):
            axis.append(labels[i], i)
    else:
        axis = QBarCategoryAxis()
        axis.append(list(labels))
    axis.setLabelsFont(_small())
    return axis


def breakdown_chart(report: Breakdown) -> QChart:
    """Net sales per day or hour as columns, labelled by day of the month or hour so that a
    whole month still fits."""
    chart = _new_chart(report.title)
    labels = [f"{r.key:%d}" if isinstance(r.key, date) else f"{r.key}" for r in report.rows]
    _bars(chart, QBarSeries(), labels, [r.net for r in report.rows])
    return chart


def department_chart(report: Breakdown) -> QChart:
    """Net per department as horizontal bars (names read on the left), the biggest on top."""
    chart = _new_chart(report.title)
    rows = list(reversed(report.rows))
    _bars(chart, QHorizontalBarSeries(), [r.label[:16] for r in rows], [r.net for r in rows],
          horizontal=True)
    return chart


def payment_chart(report: Breakdown) -> QChart:
    """Net per payment form as a pie with its legend (forms with nothing left are not drawn)."""
    chart = _new_chart(report.title)
    pie = QPieSeries()
    for r in report.rows:
        if r.net > 0:
            pie.append(r.label, _pesos(r.net))  # the amounts are in the table beside it
    chart.addSeries(pie)
    chart.legend().setVisible(True)
    chart.legend().setFont(_small())
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def top_chart(report: TopProducts, bars: int = 10) -> QChart:
    """The best sellers as horizontal bars, the first on top."""
    chart = _new_chart(report.table().title)
    rows = list(reversed(report.rows[:bars]))
    _bars(chart, QHorizontalBarSeries(), [p.name[:18] for p in rows], [p.amount for p in rows],
          horizontal=True)
    return chart

