"""Trastienda → Facturas → Cancelar…: SAT's motive in plain Spanish, what it will do said before
it is done, the replacement's customer data for a 01 of a customer's invoice (the counter's
receptor form), the owner's login when this till holds no owner session (the server cancels
only for the owner), a confirmation, then the server's answer. The server builds a complement's
replacement itself (no form); 04 is the invoicing flow's own and is shown, not offered."""

from __future__ import annotations

from pos_client.sync import invoicing
from pos_client.sync.invoicing import Motive
from pos_client.ui.backroom.owner_login import ASK, OwnerLoginRow
from pos_client.ui.context import AppContext
from pos_client.ui.invoice_dialog import ServerCalls
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.receptor_form import ReceptorForm
from pos_client.ui.widgets import say, touch_button
from pos_client.ui.worker import Worker
from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.money import format_mxn
from shared.sync.invoices import InvoiceSummary

MOTIVES = (("01", "Con errores, se sustituye"), ("02", "Con errores, sin sustituir"),
           ("03", "No se llevó a cabo la operación"),
           ("04", "Operación nominativa en una factura global"))
# What happens to what the CFDI covered once it is cancelled without a replacement, per kind.
_AFTER = {
    "ticket": "La venta queda sin factura: se puede volver a facturar. Si fue a crédito, sus "
              "complementos de pago se cancelan antes.",
    "global": "Sus ventas quedan sin factura y el sistema las pone en una factura global nueva "
              "en su siguiente pasada.",
    "credit": "Las devoluciones que ampara se quedan sin nota hasta que pulses «Volver a emitir "
              "nota» en Canceladas.",
    "payment": "El abono se pone en un complemento de pago nuevo en la siguiente pasada.",
}
ACCEPTANCE = (" Si es de más de $1,000 a nombre de un cliente, él debe aceptar la cancelación en "
              "el portal del SAT: queda «en espera» hasta entonces.")


def consequence(kind: str, motive: str) -> tuple[bool, str]:
    """Whether ``motive`` can be asked for a CFDI of ``kind`` here, and what it does, plainly."""
    if motive == "04":
        return False, ("Este motivo lo aplica el sistema solo: cuando un cliente factura una "
                       "venta que ya iba en la factura global, la global se cancela con 04 y se "
                       "emite otra sin esa venta.")
    if motive == "01":
        if kind == "ticket":
            return True, ("Primero se emite una factura nueva con los datos corregidos del "
                          "cliente (abajo) que sustituye a ésta; cuando se timbra, ésta se "
                          "cancela (antes, sus complementos de pago). La venta queda facturada "
                          "con la nueva.")
        if kind == "payment":
            return True, ("Primero se emite otro complemento del mismo abono con los datos "
                          "fiscales de la tienda de hoy; cuando se timbra, éste se cancela. No "
                          "hay que capturar nada.")
        return False, ("Una factura global o una nota de crédito no se sustituye así: cancélala "
                       "con 02 y " + ("el sistema emite otra." if kind == "global" else
                                      "vuelve a emitirla desde Canceladas."))
    why = ("Se cancela sin otra que la sustituya." if motive == "02" else
           "Se cancela porque la venta o el cobro no se hizo.")
    return True, f"{why} {_AFTER.get(kind, '')}"


class CancelDialog(QDialog):
    def __init__(self, ctx: AppContext, invoice: InvoiceSummary, net: Worker,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.invoice, self.net = ctx, invoice, net
        self.answer: InvoiceSummary | None = None
        name = f"{invoice.series}-{invoice.folio}"
        self.setWindowTitle(f"Cancelar {name}")
        self.resize(760, 560)
        self.motives = QButtonGroup(self)
        choices = QGridLayout()  # two by two: with the receptor form it fits a 1024×600 screen
        for n, (code, text) in enumerate(MOTIVES):
            choice = QRadioButton(f"{code} · {text}")
            choice.setMinimumHeight(44)
            choice.setProperty("motive", code)
            self.motives.addButton(choice)
            choices.addWidget(choice, n // 2, n % 2)
        self.motives.buttonToggled.connect(lambda *_: self._explain())
        self.what = QLabel(" ")
        self.what.setWordWrap(True)
        self.form = ReceptorForm()
        self.form.rfc.setText(invoice.receptor_rfc)
        self.form.name.setText(invoice.receptor_name)
        self.owner_row = OwnerLoginRow()  # shown while this till holds no owner session
        self.owner_row.setVisible(ctx.owner_login.account is None)
        self.message = QLabel(" ")
        self.message.setWordWrap(True)
        if self.owner_row.isVisibleTo(self):
            say(self.message, ASK, ok=True)
        self.ok_button = touch_button("Cancelar ante el SAT", self.submit)
        close = touch_button("Cerrar (Esc)", self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(close)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Factura {name} · {invoice.receptor_name} · "
                                f"{format_mxn(invoice.total)}\nFolio fiscal: {invoice.uuid}"))
        layout.addWidget(QLabel("¿Por qué se cancela?"))
        layout.addLayout(choices)
        layout.addWidget(self.what)
        layout.addWidget(self.form)
        layout.addWidget(self.owner_row)
        layout.addWidget(self.message, 1)
        layout.addLayout(buttons)
        self._explain()

    def motive(self) -> str | None:
        chosen = self.motives.checkedButton()
        return str(chosen.property("motive")) if chosen else None

    def choose(self, motive: str) -> None:
        for choice in self.motives.buttons():
            if choice.property("motive") == motive:
                choice.setChecked(True)

    def _explain(self) -> None:
        motive = self.motive()
        if motive is None:
            say(self.what, "Elige el motivo: cada uno hace algo distinto.", ok=True)
            allowed = False
        else:
            allowed, text = consequence(self.invoice.kind, motive)
            say(self.what, text, ok=allowed)
        self.form.setVisible(motive == "01" and self.invoice.kind == "ticket")
        self.ok_button.setEnabled(allowed and self.answer is None)

    def submit(self) -> None:
        motive = self.motive()
        if motive not in ("01", "02", "03") or not self.ok_button.isEnabled():
            return
        allowed, text = consequence(self.invoice.kind, motive)
        replacement: Receptor | None = None
        if self.form.isVisibleTo(self):
            try:
                replacement = self.form.receptor()
            except DomainError as exc:
                say(self.message, exc.message)
                return
        login = None
        if self.owner_row.isVisibleTo(self):
            login = self.owner_row.credentials()
            if login is None:
                say(self.message, ASK)
                return
        name = f"{self.invoice.series}-{self.invoice.folio}"
        if QMessageBox.question(self, "Cancelar ante el SAT",
                                f"¿Cancelar la factura {name} con el motivo {motive}? {text}"
                                f"{ACCEPTANCE}\n\nUna cancelación no se puede deshacer."
                                ) != QMessageBox.StandardButton.Yes:
            return
        chosen: Motive = "01" if motive == "01" else "02" if motive == "02" else "03"
        invoice_id, owner = self.invoice.invoice_id, self.ctx.owner_login
        self.ok_button.setEnabled(False)
        say(self.message, "Pidiendo la cancelación al servidor…", ok=True)
        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.cancel(owner, till.device, invoice_id, chosen,
                                                replacement, login)
                  ).success(self._answered).failure(self._failed).run()

    def _answered(self, answer: InvoiceSummary) -> None:
        self.answer = answer
        self.owner_row.hide()  # the session is kept: the next act does not ask again
        if answer.invoice_id != self.invoice.invoice_id:  # 01: the replacement comes first
            say(self.message, f"Se emitió la factura {answer.series}-{answer.folio} que la "
                              f"sustituye ({answer.message}). Cuando se timbre, la "
                              f"{self.invoice.series}-{self.invoice.folio} se cancela sola; "
                              "el estado se ve en Facturas.", ok=answer.status != "rejected")
            return
        say(self.message, f"{answer.message} Se envía al SAT en unos momentos; el estado "
                          "(cancelada, en espera del cliente o rechazada con su motivo) se ve "
                          "en Facturas.", ok=True)

    def _failed(self, message: str) -> None:
        self.ok_button.setEnabled(True)
        self.owner_row.password.clear()
        self.owner_row.setVisible(self.ctx.owner_login.account is None)  # it may have ended
        say(self.message, message)
