"""The back room's "Esta caja" box: full screen or a window, and how long an approval lasts."""

from __future__ import annotations

from pos_client.services import till_settings
from pos_client.services.till_settings import MAX_APPROVAL_MINUTES, TillSettings
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSpinBox
from pos_client.ui.widgets import button, say
from shared.permissions import Permission


class TillBox(QGroupBox):
    """This till's own settings (a kiosk till and the owner's desktop differ): the screen mode
    applies at the next start; the approvals' grace at once."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("Esta caja")
        self.ctx = ctx
        self.full_screen = QCheckBox("Pantalla completa (al volver a abrir MiChangarrito)")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, MAX_APPROVAL_MINUTES)
        self.minutes.setSuffix(" min")
        self.minutes.setMinimumHeight(44)
        self.minutes.setAccessibleName("Minutos que dura una autorización")
        self.minutes.setToolTip("Tras el NIP del dueño o del encargado, las demás secciones que "
                                "puede abrir no piden NIP durante este tiempo (0: siempre).")
        self.save_button = button("Guardar esta caja", self.save)
        self.message = QLabel(wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(self.minutes)
        row.addStretch(1)
        row.addWidget(self.save_button)
        form = QFormLayout(self)
        form.addRow(self.full_screen)
        form.addRow("Autorizaciones", row)
        form.addRow(self.message)
        self.show_settings(ctx.settings)

    def show_settings(self, settings: TillSettings) -> None:
        self.full_screen.setChecked(settings.full_screen)
        self.minutes.setValue(settings.approval_minutes)

    def save(self) -> None:
        wanted = TillSettings(full_screen=self.full_screen.isChecked(),
                              approval_minutes=self.minutes.value())
        session = self.ctx.session
        cashier_id = session.cashier.id if session else None
        approver = self.ctx.approver(Permission.SETTINGS)
        self.save_button.setEnabled(False)
        Operation(self.ctx, lambda till: till_settings.save(
            till, wanted, cashier_id, authorized_by=approver)).success(self._saved).failure(
            self._refused).always(lambda: self.save_button.setEnabled(True)).run()

    def _saved(self, saved: TillSettings) -> None:
        self.ctx.settings = saved  # the next section asked for uses the new grace
        say(self.message, f"Guardado: {till_settings.describe(saved)}.", ok=True)

    def _refused(self, message: str) -> None:
        say(self.message, message)
