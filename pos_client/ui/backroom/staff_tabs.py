"""The "Cajeros y permisos" section's other tabs: the permission matrix, the shop's data
printed on receipts, and the audit log with its filters and CSV export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_client.services import staff_admin
from pos_client.services.staff import Cashier
from pos_client.services.staff_admin import ACTION_LABELS, AUDIT_ACTIONS, MEXICO_TIMEZONES, AuditRow
from pos_client.services.till import Till
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDate,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, say
from shared.errors import DomainError
from shared.permissions import PERMISSION_LABELS, ROLE_LABELS, Permission, Role
from shared.sync.payloads import SettingsPayload

if TYPE_CHECKING:
    from pos_client.ui.backroom.staff_page import StaffPage

EDITABLE_ROLES = (Role.MANAGER, Role.CASHIER)


def field(widget: QWidget) -> QWidget:
    widget.setMinimumHeight(40)
    return widget


def message_line() -> QLabel:
    label = QLabel(" ")
    label.setWordWrap(True)
    return label


class AuditModel(RowsModel[AuditRow]):
    HEADERS = ("Fecha y hora", "Acción", "Quién", "Autorizó", "Detalle")
    timezone = staff_admin.DEFAULT_TIMEZONE

    def rows(self) -> list[AuditRow]:
        return list(self._rows)

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            r = self._rows[index.row()]
            return (staff_admin.local_time(r.at, self.timezone), ACTION_LABELS.get(r.action, r.action),
                    r.cashier_name or "—", r.authorized_by_name or "", r.detail or "")[index.column()]
        return None


@dataclass(frozen=True)
class AuditQuery:
    action: str | None
    first: date
    last: date


class PermissionsTab(QWidget):
    """Rows are permissions, columns roles; the owner's column is shown but can't be changed."""

    def __init__(self, page: StaffPage) -> None:
        super().__init__()
        self.page = page
        self.boxes: dict[tuple[Role, Permission], QCheckBox] = {}
        grid = QGridLayout()
        for col, role in enumerate(Role, start=1):
            header = QLabel(ROLE_LABELS[role])
            header.setStyleSheet("font-weight: bold;")
            grid.addWidget(header, 0, col, Qt.AlignmentFlag.AlignCenter)
        for row, permission in enumerate(Permission, start=1):
            grid.addWidget(QLabel(PERMISSION_LABELS[permission]), row, 0)
            for col, role in enumerate(Role, start=1):
                box = QCheckBox()
                box.setMinimumHeight(40)
                box.setStyleSheet("QCheckBox::indicator { width: 26px; height: 26px; }")
                box.setAccessibleName(f"{PERMISSION_LABELS[permission]} — {ROLE_LABELS[role]}")
                if role is Role.OWNER:
                    box.setChecked(True)
                    box.setEnabled(False)
                self.boxes[(role, permission)] = box
                grid.addWidget(box, row, col, Qt.AlignmentFlag.AlignCenter)
        grid.setColumnStretch(0, 1)
        self.message = message_line()
        self.save_button = button("Guardar (Ctrl+S)", self.save)
        note = QLabel("El dueño siempre puede hacer todo. Solo el dueño cambia estos permisos.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(grid)
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def show_matrix(self, matrix: dict[Role, frozenset[Permission]]) -> None:
        for role in EDITABLE_ROLES:
            for permission in Permission:
                self.boxes[(role, permission)].setChecked(permission in matrix.get(role, frozenset()))

    def matrix(self) -> dict[Role, list[Permission]]:
        return {role: [p for p in Permission if self.boxes[(role, p)].isChecked()]
                for role in EDITABLE_ROLES}

    def save(self) -> None:
        matrix = self.matrix()

        def run(editor: Cashier, approver: Cashier | None) -> None:
            self.page.submit(lambda till: staff_admin.save_matrix(till, matrix, editor,
                                                                  approver=approver),
                             self._saved, self.message, self.save_button)

        self.page.with_owner(run)

    def _saved(self, matrix: dict[Role, frozenset[Permission]]) -> None:
        self.show_matrix(matrix)
        if self.page.ctx.session is not None:  # this till follows the new rules at once
            self.page.ctx.session.matrix = matrix
        say(self.message, "Permisos guardados.", ok=True)
        self.page.audit.refresh()


class ShopTab(QWidget):
    """The shop's data as printed at the top and bottom of every receipt."""

    def __init__(self, page: StaffPage) -> None:
        super().__init__()
        self.page = page
        self.shop_name, self.address, self.phone = QLineEdit(), QLineEdit(), QLineEdit()
        self.rfc, self.footer = QLineEdit(), QLineEdit()
        for box, length in ((self.shop_name, 200), (self.address, 500), (self.phone, 20),
                            (self.rfc, 13), (self.footer, 500)):
            box.setMaxLength(length)
        self.phone.setPlaceholderText("55 1234 5678")
        self.rfc.setPlaceholderText("12 o 13 letras y números")
        self.footer.setPlaceholderText("¡Gracias por su compra!")
        self.timezone = QComboBox()
        for zone, label in MEXICO_TIMEZONES.items():
            self.timezone.addItem(label, zone)
        self.message = message_line()
        self.save_button = button("Guardar (Ctrl+S)", self.save)
        form = QFormLayout()
        for label, widget in (("Nombre de la tienda", self.shop_name), ("Dirección", self.address),
                              ("Teléfono", self.phone), ("RFC", self.rfc),
                              ("Pie del ticket", self.footer), ("Zona horaria", self.timezone)):
            form.addRow(label, field(widget))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def show_settings(self, shop: SettingsPayload) -> None:
        self.shop_name.setText(shop.shop_name)
        self.address.setText(shop.address or "")
        self.phone.setText(_national(shop.phone))
        self.rfc.setText(shop.rfc or "")
        self.footer.setText(shop.receipt_footer or "")
        self.timezone.setCurrentIndex(max(0, self.timezone.findData(shop.timezone)))

    def save(self) -> None:
        try:
            form = staff_admin.shop_settings(
                shop_name=self.shop_name.text(), address=self.address.text(),
                phone=self.phone.text(), rfc=self.rfc.text(),
                timezone=str(self.timezone.currentData()), receipt_footer=self.footer.text())
        except DomainError as exc:
            say(self.message, exc.message)
            return
        def run(editor: Cashier, approver: Cashier | None) -> None:
            self.page.submit(lambda till: staff_admin.save_settings(till, form, editor,
                                                                    approver=approver),
                             self._saved, self.message, self.save_button)

        self.page.with_approval(Permission.SETTINGS, run)

    def _saved(self, shop: SettingsPayload) -> None:
        self.show_settings(shop)
        self.page.timezone = shop.timezone
        say(self.message, "Datos de la tienda guardados.", ok=True)
        self.page.audit.refresh()


def _national(phone: str | None) -> str:
    """+525512345678 → "55 1234 5678", the way it is said in Mexico."""
    if phone and phone.startswith("+52") and len(phone) == 13:
        d = phone[3:]
        return f"{d[:2]} {d[2:6]} {d[6:]}"
    return phone or ""


def _records(count: int) -> str:
    return "1 registro" if count == 1 else f"{count} registros"


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AuditTab(QWidget):
    def __init__(self, page: StaffPage) -> None:
        super().__init__()
        self.page = page
        # Tests and kiosks set this; by default the owner picks a file.
        self.choose_export_path: Callable[[], Path | None] = self._ask_path
        self.action = QComboBox()
        self.action.addItem("Todas las acciones", None)
        for action in AUDIT_ACTIONS:
            self.action.addItem(ACTION_LABELS[action], action)
        today = QDate.currentDate()
        self.first, self.last = QDateEdit(today.addDays(-30)), QDateEdit(today)
        for box in (self.first, self.last):
            box.setCalendarPopup(True)
            box.setDisplayFormat("dd/MM/yyyy")
        self.search_button = button("Buscar", self.refresh)
        self.export_button = button("Exportar CSV", self.export)
        self.model = AuditModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.message = message_line()
        filters = QHBoxLayout()
        for widget in (self.action, QLabel("Desde"), self.first, QLabel("Hasta"), self.last):
            filters.addWidget(field(widget) if not isinstance(widget, QLabel) else widget)
        filters.addWidget(self.search_button)
        filters.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    def query(self) -> AuditQuery:
        action = self.action.currentData()
        return AuditQuery(None if action is None else str(action),
                          _day(self.first.date()), _day(self.last.date()))

    def show_rows(self, rows: list[AuditRow]) -> None:
        self.model.timezone = self.page.timezone
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        say(self.message, f"{_records(len(rows))}." if rows else "No hay registros en esas fechas.",
             ok=True)

    def refresh(self) -> None:
        query, zone = self.query(), self.page.timezone
        if query.last < query.first:
            say(self.message, "La fecha «Hasta» es anterior a «Desde».")
            return
        since, until = staff_admin.local_day_range(query.first, query.last, zone)
        Operation(self.page.ctx, lambda till: staff_admin.audit_log(till, query.action, since, until)
                  ).success(self.show_rows).failure(lambda text: say(self.message, text)).run()

    def export(self) -> None:
        rows, zone = self.model.rows(), self.page.timezone
        if not rows:
            say(self.message, "No hay registros que exportar.")
            return
        path = self.choose_export_path()
        if path is None:
            return

        def job(_till: Till) -> int:
            return staff_admin.export_audit_csv(path, rows, zone)

        def done(count: int) -> None:
            say(self.message, f"Se exportaron {_records(count)} a {path.name}.", ok=True)

        self.page.submit(job, done, self.message, self.export_button, "Exportando…")

    def _ask_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Exportar bitácora",
                                              f"bitacora-{date.today().isoformat()}.csv",
                                              "CSV (*.csv)")
        return Path(name) if name else None

