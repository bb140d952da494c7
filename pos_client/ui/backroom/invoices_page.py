"""Trastienda → Facturas: the month's invoices as the shop's server has them (issued, cancelled,
with errors) and the facturas globales still pending, with the tills each one waits for; a
pending global can be issued now, not waiting for them. A stamped CFDI can be cancelled
(``cancel_dialog``) and a credit note the owner cancelled made again: the owner's acts, sent
with the owner's session (Cuenta en línea's, or typed for the act: ``owner_login``); with a
session held on this till they first ask for the Configuración permission, so only someone the
owner trusts uses it. What the PAC refused is made again now ("Reintentar ahora", once a minute)
instead of after its wait, with the Configuración permission. Everything comes from the server
over HTTP on a thread of its own (the counter's database worker stays free)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from pos_client.services.invoicing import ShopCalendar, shop_calendar
from pos_client.sync import invoicing
from pos_client.ui.auth import PinDialog, request_permission
from pos_client.ui.backroom.cancel_dialog import CancelDialog
from pos_client.ui.backroom.owner_login import NoteAgainDialog
from pos_client.ui.context import AppContext
from pos_client.ui.invoice_dialog import ServerCalls
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QMessageBox,
    QShortcut,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, say
from pos_client.ui.worker import Worker
from shared.clock import shown_date_time
from shared.money import format_mxn
from shared.permissions import Permission
from shared.spanish import agree, count
from shared.sync.invoices import InvoiceMonth, InvoiceSummary, PendingGlobal, RemakeOutcome

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")
VIEWS = ("Emitidas", "Canceladas", "Globales pendientes", "Con error")
KINDS = {"ticket": "Cliente", "global": "Global", "payment": "Pago", "credit": "Nota de crédito"}
STATES = {"pending": "En proceso", "stamping": "En proceso", "stamped": "Timbrada",
          "rejected": "Rechazada", "discarded": "Sin ventas"}
REMADE = ("global", "credit", "payment")  # the kinds the server makes again on its own


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return shown_date_time(moment, zone) if moment else "—"


class InvoicesPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.net = Worker("pos-invoices")
        self.zone = ZoneInfo("America/Mexico_City")
        self.data: InvoiceMonth | None = None
        self._note = ""  # what the last action did, kept in front of the counts once reloaded
        self.month = QComboBox()  # filled with the shop's last twelve months (its zone, its today)
        self.view = QComboBox()
        self.view.addItems(VIEWS)
        for combo, name in ((self.month, "Mes"), (self.view, "Mostrar")):
            combo.setMinimumHeight(44)
            combo.setAccessibleName(name)
        self.view.currentIndexChanged.connect(lambda _: self.show_view())
        self.refresh_button = button("Actualizar", self.reload, key="F5")
        self.issue_button = button("Emitir global sin esperar", self.issue_global)
        self.cancel_button = button("Cancelar…", lambda: self._owners_act(self.cancel))
        self.note_button = button("Volver a emitir nota",
                                  lambda: self._owners_act(self.note_again))
        self.retry_button = button("Reintentar ahora", lambda: self._as_owner(self.retry))
        self.dialog: CancelDialog | None = None
        self.note_dialog: NoteAgainDialog | None = None
        self.pin_dialog: PinDialog | None = None  # open while someone with the permission types
        QShortcut(QKeySequence("F5"), self, self.reload)
        self.table = QTableWidget(0, 6)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.message = QLabel(" ")
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Mes"))
        top.addWidget(self.month, 1)
        top.addWidget(QLabel("Mostrar"))
        top.addWidget(self.view, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        actions = QHBoxLayout()
        for b in (self.issue_button, self.cancel_button, self.note_button, self.retry_button):
            actions.addWidget(b)
        layout.addLayout(actions)
        self.show_view()
        self.refresh_button.setEnabled(False)
        Operation(ctx, shop_calendar).success(self._calendar).failure(self._failed).run()

    def _calendar(self, calendar: ShopCalendar) -> None:
        self.zone = calendar.zone
        today = calendar.today
        for back in range(12):
            year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
            self.month.addItem(f"{MONTHS[month].capitalize()} {year}", (year, month + 1))
        self.month.currentIndexChanged.connect(lambda _: self.reload())
        self.reload()

    # ---- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        if self.month.currentData() is None:  # the shop's calendar is not read yet
            return
        year, month = self.month.currentData()
        self.refresh_button.setEnabled(False)
        say(self.message, "Leyendo las facturas del servidor…", ok=True)
        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.month(till.device, year, month)
                  ).success(self._loaded).failure(self._failed).run()

    def _loaded(self, data: InvoiceMonth) -> None:
        self.data = data
        self.refresh_button.setEnabled(True)
        waiting = [g for g in data.pending_globals if g.missing_tills]
        note = (f" {count(len(waiting), 'factura global', 'facturas globales')} "
                f"{agree(len(waiting), 'espera', 'esperan')} a que sincronicen cajas."
                if waiting else "")
        warned = "".join(f"{w} " for w in data.warnings)  # first: the CSD near its end, say
        say(self.message, f"{warned}{self._note}{len(data.issued)} emitidas, "
                          f"{len(data.cancelled)} canceladas, {len(data.errors)} con error.{note}",
            ok=not (data.errors or data.warnings))
        self._note = ""
        self.show_view()

    def _failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        say(self.message, message)
        self._update_buttons()

    # ---- showing ------------------------------------------------------------------------------

    def show_view(self) -> None:
        view = self.view.currentText()
        data = self.data or InvoiceMonth(issued=[], cancelled=[], errors=[], pending_globals=[])
        if view == "Globales pendientes":
            self._fill(("Periodo", "Ventas", "Estado", "Cajas sin sincronizar", "Vence"),
                       [self._global_row(g) for g in data.pending_globals])
        else:
            rows = {"Emitidas": data.issued, "Canceladas": data.cancelled,
                    "Con error": data.errors}[view]
            self._fill(("Factura", "Tipo", "Cliente", "Total", "Estado", "Folio fiscal o motivo"),
                       [self._invoice_row(v) for v in rows])
        self._update_buttons()

    def _invoice_row(self, v: InvoiceSummary) -> list[str]:
        state = STATES.get(v.status, v.status)
        if v.cancel_status:
            state = {"cancelled": "Cancelada", "in_process": "Cancelación: espera al cliente",
                     "refused": "Cancelación rechazada"}.get(v.cancel_status, "Cancelación pedida")
        return [f"{v.series}-{v.folio}", KINDS.get(v.kind, v.kind),
                f"{v.receptor_rfc} · {v.receptor_name}", format_mxn(v.total), state,
                v.error or v.uuid or v.message]

    def _global_row(self, g: PendingGlobal) -> list[str]:
        missing = ", ".join(t.name for t in g.missing_tills) or "—"
        return [g.label, str(g.sales), "Espera a las cajas" if g.missing_tills else "Lista",
                missing, _local(g.deadline, self.zone)]

    def _fill(self, headers: tuple[str, ...], rows: list[list[str]]) -> None:
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)

    def _selected_global(self) -> PendingGlobal | None:
        if self.view.currentText() != "Globales pendientes" or self.data is None:
            return None
        row = self.table.currentRow()
        pending = self.data.pending_globals
        return pending[row] if 0 <= row < len(pending) else None

    def _selected(self) -> InvoiceSummary | None:
        view = self.view.currentText()
        if view == "Globales pendientes" or self.data is None:
            return None
        rows = {"Emitidas": self.data.issued, "Canceladas": self.data.cancelled,
                "Con error": self.data.errors}[view]
        row = self.table.currentRow()
        return rows[row] if 0 <= row < len(rows) else None

    def _update_buttons(self) -> None:
        view, chosen = self.view.currentText(), self._selected()
        self.issue_button.setVisible(view == "Globales pendientes")
        self.issue_button.setEnabled(self._selected_global() is not None)
        self.cancel_button.setVisible(view in ("Emitidas", "Con error"))
        self.cancel_button.setEnabled(chosen is not None and chosen.status == "stamped"
                                      and chosen.cancel_status in (None, "refused"))
        self.note_button.setVisible(view == "Canceladas")
        self.note_button.setEnabled(chosen is not None and chosen.kind == "credit")
        self.retry_button.setVisible(view == "Con error")
        self.retry_button.setEnabled(chosen is not None and chosen.status == "rejected")

    def _as_owner(self, action: Callable[[], None]) -> None:
        """One PIN, one action (as the counter's cancellations): these change CFDI at SAT."""
        self.pin_dialog = request_permission(self.ctx, self, Permission.SETTINGS,
                                             lambda _: action())

    def _owners_act(self, action: Callable[[], None]) -> None:
        """The owner's session held on this till is used only by someone with Configuración
        (a PIN, or their role); without one the owner's password is asked (the stronger proof,
        and all the server trusts), so a PIN would add nothing."""
        if self.ctx.owner_login.account is not None:
            self._as_owner(action)
        else:
            action()

    # ---- cancelling, a note again, trying a refused one again ---------------------------------

    def cancel(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        self.dialog = CancelDialog(self.ctx, chosen, self.net, self)
        self.dialog.finished.connect(lambda _: self._after_dialog())
        self.dialog.open()

    def _after_dialog(self) -> None:
        if self.dialog is not None and self.dialog.answer is not None:
            self._note = f"{self.dialog.message.text()} "
            self.reload()

    def note_again(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        note_id, name = chosen.invoice_id, f"{chosen.series}-{chosen.folio}"
        done = (f"Se emite una nota de crédito nueva en lugar de la {name}; se timbra en unos "
                "momentos. ")
        owner = self.ctx.owner_login
        if owner.account is None:
            self._ask_owner(note_id, name, done)
            return
        self.note_button.setEnabled(False)

        def failed(message: str) -> None:
            if owner.account is None:  # the session ended: the owner logs in again
                self._ask_owner(note_id, name, done)
            self._failed(message)

        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.note_again(owner, till.device, note_id)
                  ).success(lambda _: self._done(done)).failure(failed).run()

    def _ask_owner(self, note_id: uuid.UUID, name: str, done: str) -> None:
        self.note_dialog = NoteAgainDialog(self.ctx, note_id, name, self.net, self)
        self.note_dialog.accepted.connect(lambda: self._done(done))
        self.note_dialog.open()

    def retry(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        if chosen.kind not in REMADE:
            say(self.message, "La factura de un cliente no se rehace sola: corrige los datos y "
                              "vuelve a facturar la venta desde el historial de ventas.")
            return
        self.retry_button.setEnabled(False)
        say(self.message, "Pidiendo al servidor que las haga de nuevo…", ok=True)
        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.remake(till.device)
                  ).success(self._remade).failure(self._failed).run()

    def _remade(self, outcome: RemakeOutcome) -> None:
        self._done(f"Se hicieron de nuevo {count(outcome.made, 'comprobante')}; se timbran en "
                   "unos momentos. " if outcome.made else
                   "No había nada que hacer de nuevo (ya se rehízo o ya no hace falta). ")

    def _done(self, note: str) -> None:
        self._note = note
        self.reload()

    # ---- issuing a global now -----------------------------------------------------------------

    def issue_global(self) -> None:
        chosen = self._selected_global()
        if chosen is None:
            return
        names = ", ".join(t.name for t in chosen.missing_tills)
        if names and QMessageBox.question(
                self, "Emitir sin esperar",
                f"Las ventas de {names} que no se hayan sincronizado no entrarán en la factura "
                f"global del {chosen.label}; irán en otra cuando lleguen. ¿Emitir ahora?"
        ) != QMessageBox.StandardButton.Yes:
            return
        accept: list[uuid.UUID] = [t.device_id for t in chosen.missing_tills]
        day = chosen.period_start
        self.issue_button.setEnabled(False)
        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.issue_global(till.device, day, accept)
                  ).success(self._issued).failure(self._failed).run()

    def _issued(self, outcome: PendingGlobal) -> None:
        self._note = (f"Factura global del {outcome.label} emitida con {count(outcome.sales, 'venta')}; "
                      "se timbra en unos momentos. " if outcome.state == "issued" else
                      f"No se emitió la global del {outcome.label}: no hay ventas pendientes. ")
        self.reload()
