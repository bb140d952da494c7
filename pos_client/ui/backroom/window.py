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
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)
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


class BackRoomWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Trastienda — MiChangarrito")
        self.resize(1024, 600)
        self.nav = QListWidget()
        self.nav.setMaximumWidth(220)
        self.nav.setStyleSheet("QListWidget::item { min-height: 48px; font-size: 15pt; }")
        for section in SECTIONS:
            self.nav.addItem(section.title)
        self.stack = QStackedWidget()
        self.pages: dict[int, QWidget] = {}
        self._placeholder = QLabel("Elige una sección.")
        self.stack.addWidget(self._placeholder)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self.open_section)

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

            self.auth_dialog = request_permission(self.ctx, self, permission, approved)

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
