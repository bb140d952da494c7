"""The "Cajeros y permisos" back-room section: cashiers and their PINs, the permission matrix,
the shop's data printed on receipts, and the audit log."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pos_client.services import staff, staff_admin
from pos_client.services.staff import Cashier
from pos_client.services.staff_admin import (
    ACTION_LABELS,
    AUDIT_ACTIONS,
    MEXICO_TIMEZONES,
    AuditRow,
    CashierRow,
)
from pos_client.ui.auth import PinDialog, request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.models import ModelIndex, RowsModel
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
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, say
from shared.errors import DomainError
from shared.permissions import PERMISSION_LABELS, ROLE_LABELS, Permission, Role
from shared.spanish import role_label
from shared.sync.payloads import SettingsPayload

log = logging.getLogger(__name__)

_EDITABLE_ROLES = (Role.MANAGER, Role.CASHIER)
Approved = Callable[[Cashier, Cashier | None], None]  # (editor, approver or None)


class CashiersModel(RowsModel[CashierRow]):
    HEADERS = ("Nombre", "Rol", "Activo")

    def row(self, index: int) -> CashierRow:
        return self._rows[index]

    def index_of(self, cashier_id: uuid.UUID) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == cashier_id), -1)

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            r = self._rows[index.row()]
            # The person's role as they are addressed: Doña Mary is "Dueña" (shared.spanish).
            return (r.name, role_label(r.role, r.name), "Sí" if r.active else "No")[index.column()]
        return None


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


@dataclass(frozen=True)
class Snapshot:
    cashiers: list[CashierRow]
    settings: SettingsPayload
    matrix: dict[Role, frozenset[Permission]]
    audit: list[AuditRow]




def _field(widget: QWidget) -> QWidget:
    widget.setMinimumHeight(40)
    return widget


def _message() -> QLabel:
    label = QLabel(" ")
    label.setWordWrap(True)
    return label




def _error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    log.error("staff page job failed", exc_info=exc)
    return "No se pudo completar. Intenta de nuevo."


class StaffPage(QWidget):
    """Four tabs over one snapshot loaded on the worker thread; every save asks for approval
    first (``request_permission``) and reports refusals inline, in Spanish."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.auth_dialog: PinDialog | None = None
        self.timezone = staff_admin.DEFAULT_TIMEZONE
        self.tabs = QTabWidget()
        self.cashiers = CashiersTab(self)
        self.permissions = PermissionsTab(self)
        self.shop = ShopTab(self)
        self.audit = AuditTab(self)
        for tab, title in ((self.cashiers, "Cajeros"), (self.permissions, "Permisos"),
                           (self.shop, "Tienda"), (self.audit, "Bitácora")):
            self.tabs.addTab(tab, title)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        for key, slot in (("Ctrl+S", self.save_current), ("Ctrl+N", self.new_cashier)):
            QShortcut(QKeySequence(key), self, slot,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reload()

    # ---- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        db, device, query = self.ctx.db, self.ctx.device, self.audit.query()

        def load() -> Snapshot:
            with db.read() as conn:
                shop = staff_admin.load_settings(conn, device)
                since, until = staff_admin.local_day_range(query.first, query.last, shop.timezone)
                return Snapshot(staff_admin.list_cashiers(conn), shop, staff.permission_matrix(conn),
                                staff_admin.audit_log(conn, query.action, since, until))

        self.ctx.worker.submit(load, self._loaded, self._load_failed)

    def _loaded(self, snap: Snapshot) -> None:
        self.timezone = snap.settings.timezone
        self.cashiers.show_rows(snap.cashiers)
        self.permissions.show_matrix(snap.matrix)
        self.shop.show_settings(snap.settings)
        self.audit.show_rows(snap.audit)

    def _load_failed(self, exc: BaseException) -> None:
        say(self.cashiers.message, _error_text(exc))

    # ---- actions shared by the tabs ---------------------------------------------------------

    def save_current(self) -> None:
        tab = self.tabs.currentWidget()
        if isinstance(tab, CashiersTab | PermissionsTab | ShopTab):
            tab.save()

    def new_cashier(self) -> None:
        self.tabs.setCurrentWidget(self.cashiers)
        self.cashiers.clear_form()

    def with_approval(self, permission: Permission, run: Approved) -> None:
        """Run ``run(editor, approver)``: at once if the logged-in role may, else after someone
        who may types their PIN."""
        self.auth_dialog = request_permission(self.ctx, self, permission, self._granted(run))

    def with_owner(self, run: Approved) -> None:
        """Only an owner changes the matrix: a manager holding "settings" must not approve it."""
        session = self.ctx.session
        if session is not None and session.cashier.role is Role.OWNER:
            run(session.cashier, None)
            return
        dialog = PinDialog(self.ctx, "Autorización", "Solo el dueño puede cambiar los permisos.\n"
                           "Que escriba su NIP el dueño.", None, self)
        dialog.granted.connect(self._granted(run))
        dialog.open()
        self.auth_dialog = dialog

    def _granted(self, run: Approved) -> Callable[[Cashier], None]:
        def granted(approver: Cashier) -> None:
            editor = self.ctx.session.cashier if self.ctx.session is not None else approver
            run(editor, None if approver.id == editor.id else approver)
        return granted

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None], message: QLabel,
               busy: QPushButton, working: str = "Guardando…") -> None:
        busy.setEnabled(False)
        say(message, working, ok=True)

        def on_done(result: Any) -> None:
            busy.setEnabled(True)
            done(result)

        def on_error(exc: BaseException) -> None:
            busy.setEnabled(True)
            say(message, _error_text(exc))

        self.ctx.worker.submit(job, on_done, on_error)


class CashiersTab(QWidget):
    def __init__(self, page: StaffPage) -> None:
        super().__init__()
        self.page = page
        self.editing_id: uuid.UUID | None = None
        self.model = CashiersModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self.edit_row(cur.row()))
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(ROLE_LABELS[role], role)
        self.pin, self.pin_again = QLineEdit(), QLineEdit()
        for box, name in ((self.pin, "NIP"), (self.pin_again, "Confirmar NIP")):
            box.setEchoMode(QLineEdit.EchoMode.Password)
            box.setMaxLength(8)
            box.setAccessibleName(name)
        self.active = QCheckBox("Activo")
        self.active.setChecked(True)
        self.pin_hint = QLabel()
        self.pin_hint.setWordWrap(True)
        self.message = _message()
        self.new_button = button("Nuevo (Ctrl+N)", self.clear_form)
        self.save_button = button("Guardar (Ctrl+S)", self.save)
        form = QFormLayout()
        form.addRow("Nombre", _field(self.name))
        form.addRow("Rol", _field(self.role))
        form.addRow("NIP", _field(self.pin))
        form.addRow("Confirmar NIP", _field(self.pin_again))
        form.addRow("", self.pin_hint)
        form.addRow("", self.active)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        side = QVBoxLayout()
        self.form_title = QLabel()
        self.form_title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        side.addWidget(self.form_title)
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.message)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(side, 1)
        self.clear_form()

    def show_rows(self, rows: list[CashierRow], select: uuid.UUID | None = None) -> None:
        self.model.set_rows(rows)
        row = self.model.index_of(select) if select is not None else -1
        if row >= 0:
            self.table.selectRow(row)

    def clear_form(self) -> None:
        self.table.setCurrentIndex(QModelIndex())  # so picking the same row again edits it
        self.table.clearSelection()
        self.editing_id = None
        self.form_title.setText("Nueva persona")
        self.name.clear()
        self.role.setCurrentIndex(self.role.findData(Role.CASHIER))
        self.active.setChecked(True)
        self._clear_pins("De 4 a 8 dígitos. Nadie más puede tener el mismo NIP.")
        self.name.setFocus()

    def edit_row(self, row: int) -> None:
        if row < 0:
            return
        cashier = self.model.row(row)
        self.editing_id = cashier.id
        self.form_title.setText(f"Editar a {cashier.name}")
        self.name.setText(cashier.name)
        self.role.setCurrentIndex(self.role.findData(cashier.role))
        self.active.setChecked(cashier.active)
        self._clear_pins("Déjalo vacío para conservar el NIP actual.")

    def _clear_pins(self, hint: str) -> None:
        self.pin.clear()
        self.pin_again.clear()
        self.pin_hint.setText(hint)
        say(self.message, " ")

    def save(self) -> None:
        pin = self.pin.text() or None
        if pin != (self.pin_again.text() or None):
            say(self.message, "Los dos NIP no coinciden. Escríbelo otra vez.")
            return
        cashier_id, name, role = self.editing_id, self.name.text(), Role(self.role.currentData())
        active = self.active.isChecked()
        db, device = self.page.ctx.db, self.page.ctx.device

        def run(editor: Cashier, approver: Cashier | None) -> None:
            def job() -> tuple[uuid.UUID, list[CashierRow]]:
                saved = staff_admin.save_cashier(db, device, cashier_id, name, role, pin, active,
                                                 editor, approver=approver)
                with db.read() as conn:
                    return saved, staff_admin.list_cashiers(conn)
            self.page.submit(job, self._saved, self.message, self.save_button)

        self.page.with_approval(Permission.SETTINGS, run)

    def _saved(self, result: tuple[uuid.UUID, list[CashierRow]]) -> None:
        saved, rows = result
        self.show_rows(rows, select=saved)
        self.edit_row(self.model.index_of(saved))
        say(self.message, "Guardado.", ok=True)
        self.page.audit.refresh()


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
        self.message = _message()
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
        for role in _EDITABLE_ROLES:
            for permission in Permission:
                self.boxes[(role, permission)].setChecked(permission in matrix.get(role, frozenset()))

    def matrix(self) -> dict[Role, list[Permission]]:
        return {role: [p for p in Permission if self.boxes[(role, p)].isChecked()]
                for role in _EDITABLE_ROLES}

    def save(self) -> None:
        matrix, db, device = self.matrix(), self.page.ctx.db, self.page.ctx.device

        def run(editor: Cashier, approver: Cashier | None) -> None:
            def job() -> dict[Role, frozenset[Permission]]:
                staff_admin.save_matrix(db, device, matrix, editor, approver=approver)
                with db.read() as conn:
                    return staff.permission_matrix(conn)
            self.page.submit(job, self._saved, self.message, self.save_button)

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
        self.message = _message()
        self.save_button = button("Guardar (Ctrl+S)", self.save)
        form = QFormLayout()
        for label, widget in (("Nombre de la tienda", self.shop_name), ("Dirección", self.address),
                              ("Teléfono", self.phone), ("RFC", self.rfc),
                              ("Pie del ticket", self.footer), ("Zona horaria", self.timezone)):
            form.addRow(label, _field(widget))
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
        db, device = self.page.ctx.db, self.page.ctx.device

        def run(editor: Cashier, approver: Cashier | None) -> None:
            def job() -> SettingsPayload:
                staff_admin.save_settings(db, device, form, editor, approver=approver)
                with db.read() as conn:
                    return staff_admin.load_settings(conn, device)
            self.page.submit(job, self._saved, self.message, self.save_button)

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
        self.message = _message()
        filters = QHBoxLayout()
        for widget in (self.action, QLabel("Desde"), self.first, QLabel("Hasta"), self.last):
            filters.addWidget(_field(widget) if not isinstance(widget, QLabel) else widget)
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
        query, db, zone = self.query(), self.page.ctx.db, self.page.timezone
        if query.last < query.first:
            say(self.message, "La fecha «Hasta» es anterior a «Desde».")
            return
        since, until = staff_admin.local_day_range(query.first, query.last, zone)

        def job() -> list[AuditRow]:
            with db.read() as conn:
                return staff_admin.audit_log(conn, query.action, since, until)

        self.page.ctx.worker.submit(job, self.show_rows, lambda exc: say(self.message, _error_text(exc)))

    def export(self) -> None:
        rows, zone = self.model.rows(), self.page.timezone
        if not rows:
            say(self.message, "No hay registros que exportar.")
            return
        path = self.choose_export_path()
        if path is None:
            return

        def job() -> int:
            return staff_admin.export_audit_csv(path, rows, zone)

        def done(count: int) -> None:
            say(self.message, f"Se exportaron {_records(count)} a {path.name}.", ok=True)

        self.page.submit(job, done, self.message, self.export_button, "Exportando…")

    def _ask_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Exportar bitácora",
                                              f"bitacora-{date.today().isoformat()}.csv",
                                              "CSV (*.csv)")
        return Path(name) if name else None

