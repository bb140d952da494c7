"""The back-room window: a list of sections on the left, the chosen one on the right.

Each section is a ``QWidget`` subclass constructed as ``Page(ctx)`` and built the first time it
is shown; sections a role may not see are listed but ask for a PIN with that permission.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.qt import (
    QCloseEvent,
    QFocusEvent,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QMainWindow,
    QResizeEvent,
    QShortcut,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, back_button
from shared.permissions import Permission


@dataclass(frozen=True)
class Section:
    title: str
    module: str
    cls: str
    permission: Permission | None = None


SECTIONS: tuple[Section, ...] = (
    Section("Productos", "pos_client.ui.backroom.catalog_page", "CatalogPage",
            Permission.EDIT_CATALOG),
    Section("Inventario", "pos_client.ui.backroom.inventory_page", "InventoryPage",
            Permission.EDIT_CATALOG),
    Section("Clientes y fiados", "pos_client.ui.backroom.customers_page", "CustomersPage"),
    Section("Turnos y cortes", "pos_client.ui.backroom.cortes_page", "CortesPage"),
    Section("Reportes", "pos_client.ui.backroom.reports_page", "ReportsPage",
            Permission.VIEW_REPORTS),
    Section("Facturas", "pos_client.ui.backroom.invoices_page", "InvoicesPage",
            Permission.VIEW_REPORTS),
    Section("Cajeros y permisos", "pos_client.ui.backroom.staff_page", "StaffPage",
            Permission.SETTINGS),
    Section("Respaldos", "pos_client.ui.backroom.backup_page", "BackupPage", Permission.SETTINGS),
    Section("Impresora", "pos_client.ui.backroom.printer_page", "PrinterPage", Permission.SETTINGS),
    Section("Cuenta en línea", "pos_client.ui.backroom.account_page", "AccountPage",
            Permission.SETTINGS),
)


def page_class(section: Section) -> Callable[[AppContext], QWidget]:
    cls: Callable[[AppContext], QWidget] = getattr(importlib.import_module(section.module),
                                                   section.cls)
    return cls


class _Sections(QListWidget):
    """The list of sections. Taking the keyboard does not pick one (a list normally makes its
    first row current then, which opened Productos, and asked a cajero for a PIN, on F11):
    a section opens when it is tapped or reached with the arrows (↓ first: Productos)."""

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self.viewport().update()
        QWidget.focusInEvent(self, event)


class BackRoomWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.owner_login.account = None  # each visit to the back room starts logged out online
        self.setWindowTitle("Trastienda — MiChangarrito")
        self.resize(1024, 600)
        self.nav = _Sections()
        self.nav.setMaximumWidth(220)
        self.nav.setStyleSheet("QListWidget::item { min-height: 48px; font-size: 15pt; }")
        for section in SECTIONS:
            self.nav.addItem(section.title)
        # No window manager on a kiosk till: this button and Esc are the only way back.
        self.back = back_button(self, "Volver a la caja (Esc)")
        self.back.setMaximumWidth(220)
        QShortcut(QKeySequence("Esc"), self, self.close)
        self.stack = QStackedWidget()
        self.pages: dict[int, QWidget] = {}
        self._placeholder = QLabel("Elige una sección.")
        self.stack.addWidget(self._placeholder)
        central = QWidget()
        side = QVBoxLayout()
        side.addWidget(self.nav, 1)
        side.addWidget(self.back)
        layout = QHBoxLayout(central)
        layout.addLayout(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self.open_section)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        # A netbook's width goes to the page; a monitor has room for the whole section names.
        width = 180 if self.width() < 1200 else 220
        self.nav.setMaximumWidth(width)
        self.back.setMaximumWidth(width)
        super().resizeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Leaving with a page's work unsaved asks first (Esc again, or the button, leaves)."""
        unsaved = [text for page in self.pages.values()
                   if (text := getattr(page, "unsaved_changes", lambda: None)())]
        if unsaved and not self._leave_anyway:
            self._leave_anyway = True
            self.statusBar().showMessage(f"{unsaved[0]} Esc otra vez para salir sin guardar.")
            self.statusBar().setStyleSheet(ERROR_STYLE)
            event.ignore()
            return
        self.ctx.owner_login.account = None  # the owner's online session ends with the visit
        super().closeEvent(event)

    _leave_anyway = False

    def open_section(self, row: int) -> None:
        if row < 0:
            return
        section = SECTIONS[row]
        if row in self.pages:
            self.stack.setCurrentWidget(self.pages[row])
            return
        if section.permission is None:
            self._build(row)
        else:
            permission = section.permission

            def approved(approver: Cashier) -> None:
                session = self.ctx.session
                if session is not None and approver.id != session.cashier.id:
                    session.approvals[permission] = approver.id
                self._build(row)

            self.auth_dialog = request_permission(self.ctx, self, permission, approved, grace=True)

    def _build(self, row: int) -> QWidget:
        page = page_class(SECTIONS[row])(self.ctx)
        self.pages[row] = page
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        return page

    def page(self, title: str) -> QWidget:
        """The section's page, built if needed, without asking for a PIN (tests, screenshots)."""
        row = next(i for i, s in enumerate(SECTIONS) if s.title == title)
        page = self.pages.get(row) or self._build(row)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(row)
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(page)
        return page
