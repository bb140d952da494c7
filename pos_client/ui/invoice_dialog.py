"""Facturar at the counter: a customer's fiscal data for one sale of the history, checked here with
the same rules as the server's (``shared.fiscal``), then sent to the shop's server, which signs
and stamps it. The call runs on its own thread: the server may wait for the PAC up to 20 s,
and the counter's database worker must stay free for the next sale."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pos_client.services.till import Till
from pos_client.sync import invoicing
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import QComboBox, QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from pos_client.ui.receptor_form import ReceptorForm
from pos_client.ui.widgets import say, touch_button
from pos_client.ui.worker import Worker
from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.money import format_mxn
from shared.sync.invoices import CardForma, InvoiceSummary


@dataclass(frozen=True)
class ServerCalls:
    """Where the invoicing screens' operations run: the till, on a worker of their own. A call
    may wait on the PAC for tens of seconds; the counter's database worker must stay free for
    the next sale."""

    till: Till
    worker: Worker


class InvoiceDialog(QDialog):
    def __init__(self, ctx: AppContext, sale_id: uuid.UUID, folio: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.sale_id, self.folio = ctx, sale_id, folio
        self.net = Worker("pos-invoicing")
        self.answer: InvoiceSummary | None = None
        self.setWindowTitle(f"Facturar la venta {folio}")
        self.resize(640, 520)
        self.form = ReceptorForm()
        self.rfc, self.name, self.postal_code = self.form.fields()
        self.regime, self.uso = self.form.regime, self.form.uso
        self.card = QComboBox()
        self.card.addItem("Crédito", "04")
        self.card.addItem("Débito", "28")
        self.card.setMinimumHeight(44)
        self.card.setAccessibleName("Tarjeta")
        self.form.rows.addRow("Si pagó con tarjeta", self.card)
        self.message = QLabel(" ")
        self.message.setWordWrap(True)
        self.ok_button = touch_button("Facturar (Enter)", self.submit)
        close = touch_button("Cerrar (Esc)", self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(close)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.message, 1)
        layout.addLayout(buttons)
        for field in (self.rfc, self.name, self.postal_code):
            field.returnPressed.connect(self.submit)
        self.rfc.setFocus()

    def receptor(self) -> Receptor:
        """What was typed, checked (a Spanish refusal if anything is wrong)."""
        return self.form.receptor()

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        try:
            receptor = self.receptor()
        except DomainError as exc:
            say(self.message, exc.message)
            return
        card: CardForma = "28" if self.card.currentData() == "28" else "04"
        sale_id = self.sale_id
        self.ok_button.setEnabled(False)
        say(self.message, "Pidiendo la factura al servidor…", ok=True)
        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.invoice_sale(till.device, sale_id, receptor, card)
                  ).success(self._answered).failure(self._failed).run()

    def _answered(self, answer: InvoiceSummary) -> None:
        self.answer = answer
        if answer.status == "stamped":
            say(self.message, f"Factura {answer.series}-{answer.folio} timbrada por "
                              f"{format_mxn(answer.total)}. Folio fiscal: {answer.uuid}. El cliente "
                              "la descarga con el QR de su ticket.", ok=True)
            return
        say(self.message, f"Factura {answer.series}-{answer.folio}: {answer.message}"
                          + (f" {answer.error}" if answer.error else ""),
            ok=answer.status in ("pending", "stamping"))
        self.ok_button.setEnabled(answer.status == "rejected")

    def _failed(self, message: str) -> None:
        self.ok_button.setEnabled(True)
        say(self.message, message)

    def done(self, result: int) -> None:
        self.net.shutdown(wait=False)
        super().done(result)
