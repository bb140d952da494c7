"""The "Cajeros y permisos" back-room section: cashiers and their PINs, the permission matrix,
the shop's data printed on receipts, and the audit log (the last three in ``staff_tabs``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from pos_client.services import staff_admin
from pos_client.services.staff import Cashier
from pos_client.services.staff_admin import CashierRow, StaffView
from pos_client.services.till import Till
from pos_client.ui.auth import PinDialog, request_permission
from pos_client.ui.backroom.staff_tabs import AuditTab, PermissionsTab, ShopTab, field, message_line
from pos_client.ui.context import AppContext
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
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
from shared.permissions import ROLE_LABELS, Permission, Role
from shared.spanish import role_label

T = TypeVar("T")
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
        query = self.audit.query()
        Operation(self.ctx, lambda till: staff_admin.staff_view(
            till, query.action, query.first, query.last)).success(self._loaded).failure(
            lambda message: say(self.cashiers.message, message)).run()

    def _loaded(self, snap: StaffView) -> None:
        self.timezone = snap.settings.timezone
        self.cashiers.show_rows(snap.cashiers)
        self.permissions.show_matrix(snap.matrix)
        self.shop.show_settings(snap.settings)
        self.audit.show_rows(snap.audit)

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

    def submit(self, op: Callable[[Till], T], done: Callable[[T], None], message: QLabel,
               busy: QPushButton, working: str = "Guardando…") -> None:
        """Run ``op`` with ``busy`` off meanwhile, saying what happens on ``message``."""
        busy.setEnabled(False)
        say(message, working, ok=True)
        Operation(self.ctx, op).success(done).failure(lambda text: say(message, text)).always(
            lambda: busy.setEnabled(True)).run()


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
        self.message = message_line()
        self.new_button = button("Nuevo (Ctrl+N)", self.clear_form)
        self.save_button = button("Guardar (Ctrl+S)", self.save)
        form = QFormLayout()
        form.addRow("Nombre", field(self.name))
        form.addRow("Rol", field(self.role))
        form.addRow("NIP", field(self.pin))
        form.addRow("Confirmar NIP", field(self.pin_again))
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

        def run(editor: Cashier, approver: Cashier | None) -> None:
            def job(till: Till) -> tuple[uuid.UUID, list[CashierRow]]:
                saved = staff_admin.save_cashier(till, cashier_id, name, role, pin, active,
                                                 editor, approver=approver)
                return saved, staff_admin.list_cashiers(till)
            self.page.submit(job, self._saved, self.message, self.save_button)

        self.page.with_approval(Permission.SETTINGS, run)

    def _saved(self, result: tuple[uuid.UUID, list[CashierRow]]) -> None:
        saved, rows = result
        self.show_rows(rows, select=saved)
        self.edit_row(self.model.index_of(saved))
        say(self.message, "Guardado.", ok=True)
        self.page.audit.refresh()
