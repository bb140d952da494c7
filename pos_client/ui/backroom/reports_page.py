"""The Reportes page: pick a period, read each report as a table and a chart, export it as CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from pos_client.services import reports
from pos_client.services.accounts import AGING_BUCKETS, AgingReport
from pos_client.services.report_model import ReportSet, aging_table
from pos_client.services.report_period import Preset
from pos_client.services.report_table import Kind, Table, write_csv
from pos_client.ui.backroom.report_views import (
    ReportTableModel,
    breakdown_chart,
    department_chart,
    payment_chart,
    top_chart,
)
from pos_client.ui.context import AppContext
from pos_client.ui.operations import UNEXPECTED, Operation
from pos_client.ui.qt import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QComboBox,
    QDate,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QPainter,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QValueAxis,
    QVBoxLayout,
    QWidget,
)
from shared.money import format_mxn
from shared.spanish import count

AGING_TAB = "Fiados por antigüedad"

# Tab title, CSV file stem, and how to get its table and chart out of a ReportSet.
_TABS: tuple[tuple[str, str, Callable[[ReportSet], Table], Callable[[ReportSet], QChart] | None], ...] = (
    ("Por día", "ventas-por-dia", lambda r: r.by_day.table(), lambda r: breakdown_chart(r.by_day)),
    ("Por hora", "ventas-por-hora", lambda r: r.by_hour.table(), lambda r: breakdown_chart(r.by_hour)),
    ("Departamentos", "ventas-por-departamento", lambda r: r.by_department.table(),
     lambda r: department_chart(r.by_department)),
    ("Formas de pago", "ventas-por-forma-de-pago", lambda r: r.by_payment.table(),
     lambda r: payment_chart(r.by_payment)),
    ("Más vendidos", "productos-mas-vendidos", lambda r: r.top.table(), lambda r: top_chart(r.top)),
    ("Margen", "margen-bruto", lambda r: r.margin.table(), None),
    ("IVA", "resumen-iva", lambda r: r.iva.table(), None),
)


def aging_chart(report: AgingReport | None) -> QChart:
    """What is owed in each age bucket (0–30 days … more than 90) as four columns."""
    totals = report.totals if report else (0, 0, 0, 0)
    chart = QChart()
    chart.setTitle("Fiado por antigüedad")
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setVisible(False)
    bars = QBarSet("Saldo")
    for amount in totals:
        bars.append(amount / 100)  # charts draw floats; the table beside it has the centavos
    series = QBarSeries()
    series.append(bars)
    chart.addSeries(series)
    buckets = QBarCategoryAxis()
    buckets.append([label.replace(" días", "") for label in AGING_BUCKETS])
    amounts = QValueAxis()
    amounts.setLabelFormat("$%.0f")
    amounts.setRange(0, max(100, *totals) / 100 * 1.1)
    chart.addAxis(buckets, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(amounts, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(buckets)
    series.attachAxis(amounts)
    return chart


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class ReportTab(QWidget):
    """One report: its table (totals last) beside its chart, a note, and an export button."""

    def __init__(self, title: str, stem: str, has_chart: bool) -> None:
        super().__init__()
        self.title, self.stem = title, stem
        self.model = ReportTableModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(36)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(48)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.chart_view: QChartView | None = None
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.view)
        if has_chart:
            self.chart_view = QChartView()
            self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.chart_view.setMinimumWidth(240)
            body.addWidget(self.chart_view)
            body.setSizes([470, 290])
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.export_button = QPushButton("Exportar CSV (Ctrl+E)")
        self.export_button.setMinimumHeight(48)
        self.export_button.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(body, 1)
        layout.addLayout(bottom)

    @property
    def chart(self) -> QChart | None:
        return self.chart_view.chart() if self.chart_view else None

    def show_report(self, table: Table, chart: QChart | None, note: str) -> None:
        self.model.set_table(table)
        # The name column takes what the figures leave (long product names are elided).
        name = next((i for i, (_, kind) in enumerate(table.columns) if kind in (Kind.TEXT, Kind.DATE)), 0)
        self.view.horizontalHeader().setSectionResizeMode(name, QHeaderView.ResizeMode.Stretch)
        if self.chart_view is not None and chart is not None:
            old = self.chart_view.chart()
            self.chart_view.setChart(chart)
            old.deleteLater()  # QChartView does not delete a chart it is handed
        self.note.setText(note)
        self.export_button.setEnabled(True)


class ReportsPage(QWidget):
    """Reports over the whole shop (every synced device) for a period of local days.

    Reading and computing run on the worker thread; so does writing a CSV. Once the figures
    are shown, the daily summaries are brought up to date a few days per operation (the
    counter's own operations go in between), so the next long period reads fast.
    ``choose_path`` asks where to save (a file dialog; tests put their own function there).
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.current: ReportSet | None = None
        self.aging: AgingReport | None = None
        self.choose_path: Callable[[str], Path | None] = self._ask_path
        self._generation = 0
        self.summarizing = False
        self._build_period_bar()
        self.tabs = QTabWidget()
        self.report_tabs: dict[str, ReportTab] = {}
        tabs = [(title, stem, chart is not None) for title, stem, _, chart in _TABS]
        for title, stem, has_chart in [*tabs, (AGING_TAB, "fiados-por-antiguedad", True)]:
            tab = ReportTab(title, stem, has_chart=has_chart)
            tab.export_button.clicked.connect(lambda _=False, t=tab: self.export(t))
            self.report_tabs[title] = tab
            self.tabs.addTab(tab, title)
        self.status = QLabel("Cargando…")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.period_bar)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        QShortcut(QKeySequence("Ctrl+E"), self, lambda: self.export(self.current_tab()))
        self.refresh()

    def _build_period_bar(self) -> None:
        self.preset = QComboBox()
        self.preset.addItems([p.value for p in Preset])
        self.preset.setMinimumHeight(48)
        self.preset.setAccessibleName("Periodo")
        self.first = QDateEdit()
        self.last = QDateEdit()
        for edit, name in ((self.first, "Desde"), (self.last, "Hasta")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setMinimumHeight(48)
            edit.setAccessibleName(name)
            edit.setDate(QDate.currentDate())
            edit.setEnabled(False)
            edit.dateChanged.connect(self._dates_changed)
        self.refresh_button = QPushButton("Actualizar (F5)")
        self.refresh_button.setMinimumHeight(48)
        self.refresh_button.clicked.connect(self.refresh)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.period_bar = QHBoxLayout()
        self.period_bar.addWidget(QLabel("Periodo:"))
        self.period_bar.addWidget(self.preset)
        self.period_bar.addWidget(QLabel("Del"))
        self.period_bar.addWidget(self.first)
        self.period_bar.addWidget(QLabel("al"))
        self.period_bar.addWidget(self.last)
        self.period_bar.addWidget(self.refresh_button)
        self.period_bar.addStretch(1)

    # ---- loading ---------------------------------------------------------------------------------

    def selected_preset(self) -> Preset:
        return Preset(self.preset.currentText())

    def _preset_changed(self) -> None:
        custom = self.selected_preset() is Preset.CUSTOM
        self.first.setEnabled(custom)
        self.last.setEnabled(custom)
        self.load()

    def _dates_changed(self) -> None:
        if self.selected_preset() is Preset.CUSTOM:
            self.load()

    def refresh(self) -> None:
        """The period's reports again, and today's fiado balances (which have no period, so
        choosing another period does not read them again)."""
        self.load()
        (Operation(self.ctx, lambda till: reports.aging(till))
         .success(self._aging_loaded)
         .failure(lambda message: None)  # the period's message says it already
         .run())

    def _aging_loaded(self, got: AgingReport) -> None:
        self.aging = got
        self.report_tabs[AGING_TAB].show_report(
            aging_table(got), aging_chart(got),
            f"Saldos de hoy, sin importar el periodo: se deben {format_mxn(got.total)} en fiado. "
            "Los abonos pagan primero lo más antiguo.")

    def load(self) -> None:
        """Compute every report for the chosen period on the worker; a newer request wins."""
        self._generation += 1
        generation, preset = self._generation, self.selected_preset()
        first, last = _pydate(self.first.date()), _pydate(self.last.date())
        self.status.setText("Calculando…")
        (Operation(self.ctx, lambda till: reports.run(till, preset, first, last))
         .success(lambda got: self._loaded(generation, got))
         .failure(lambda message: self._failed(generation, message))
         .run())

    def summarize(self) -> None:
        """Build the next few days' summaries, and again until none are left."""
        if self.summarizing:
            return
        self.summarizing = True

        def done(left: int) -> None:
            self.summarizing = False
            if left:
                self.summarize()

        (Operation(self.ctx, lambda till: reports.summarize(till))
         .success(done).failure(lambda _: setattr(self, "summarizing", False)).run())

    def _loaded(self, generation: int, got: ReportSet) -> None:
        if generation != self._generation:
            return  # the owner already asked for another period
        self.current = got
        period = got.period
        for edit, day in ((self.first, period.start), (self.last, period.last_day)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        for title, _, table, chart in _TABS:
            self.report_tabs[title].show_report(table(got), chart(got) if chart else None,
                                                self._note(title, got))
        tickets = got.by_day.tickets
        self.status.setText(
            f"Del {period.start:%d/%m/%Y} al {period.last_day:%d/%m/%Y}: {count(tickets, 'ticket')}, "
            f"neto {format_mxn(got.by_day.net)}. Incluye las ventas de todas las cajas ya sincronizadas."
            if tickets or got.by_day.returns else
            f"Sin ventas del {period.start:%d/%m/%Y} al {period.last_day:%d/%m/%Y}.")
        self.summarize()

    @staticmethod
    def _note(title: str, got: ReportSet) -> str:
        cost_note = ("El costo es el que tenía cada producto al venderse (las ventas anteriores "
                     "a que se guardara usan el costo actual).")
        if title == "Margen" and got.margin.uncosted_sales:
            return (f"{format_mxn(got.margin.uncosted_sales)} en ventas de productos sin costo no "
                    f"entran en el margen. {cost_note}")
        if title == "Margen":
            return cost_note
        if title == "IVA":
            iva = got.iva
            return (f"Base gravada {format_mxn(iva.taxed_base)} · IVA {format_mxn(iva.iva)} · "
                    f"IEPS {format_mxn(iva.ieps)} · Exento {format_mxn(iva.exento)}")
        if title == "Formas de pago":
            return ("Las devoluciones cuentan en la forma en que se reembolsaron: lo abonado a la "
                    "cuenta del cliente en Fiado, lo que salió de la caja en Efectivo.")
        return "Las devoluciones cuentan el día en que se hicieron."

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        # The generic "nothing was saved" says nothing to someone reading figures.
        self.status.setText("No pude calcular los reportes. Intenta de nuevo."
                            if message == UNEXPECTED else message)

    # ---- export ----------------------------------------------------------------------------------

    def current_tab(self) -> ReportTab:
        tab = self.tabs.currentWidget()
        assert isinstance(tab, ReportTab)
        return tab

    def tab(self, title: str) -> ReportTab:
        return self.report_tabs[title]

    def export(self, tab: ReportTab) -> None:
        table = tab.model.table
        if table is None or self.current is None:
            self.status.setText("Espera a que termine de calcular el reporte.")
            return
        period = self.current.period
        path = self.choose_path(f"{tab.stem}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.csv")
        if path is None:
            return
        self.status.setText("Guardando…")
        (Operation(self.ctx, lambda _till: write_csv(table, path))
         .success(lambda _: self.status.setText(f"Guardado en {path}."))
         .failure(lambda message: self.status.setText(
             "No pude guardar el archivo." if message == UNEXPECTED else message))
         .run())

    def _ask_path(self, suggested: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Exportar CSV", str(Path.home() / suggested),
                                              "CSV (*.csv)")
        return Path(name) if name else None
