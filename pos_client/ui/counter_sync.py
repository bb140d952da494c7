"""The counter's sync status bar, the list of changes needing attention, pairing another till."""

from __future__ import annotations

from pos_client.services import sync_queue
from pos_client.services.sync_queue import Rejected
from pos_client.sync.agent import SyncAgent, SyncStatus
from pos_client.sync.client import SyncRefused
from pos_client.ui.counter_parts import CounterParts
from pos_client.ui.operations import Operation
from pos_client.ui.qt import QLabel, QObject, QProgressBar, Signal
from pos_client.ui.sync_dialogs import RejectedModel, pairing_code_dialog, rejected_dialog
from pos_client.ui.widgets import ERROR_STYLE
from shared.clock import shown_time
from shared.spanish import agree, count
from shared.sync.protocol import PairingCodeOut


class _StatusRelay(QObject):
    changed = Signal(object)
    progress = Signal(float)


class SyncPanel(CounterParts):
    sync_label: QLabel
    progress: QProgressBar

    def show_rejected(self) -> None:
        """F8: the visible list of changes the server refused, with its reasons; when there
        are none, it says so instead of opening an empty list under a warning."""
        def shown(rows: list[Rejected]) -> None:
            if not rows:
                self.say("Nada pendiente: ningún cambio de esta caja requiere atención.")
                return
            self.rejected_model = RejectedModel(self.ctx.zone)
            self.rejected_model.set_rows(rows)
            self.rejected_dialog = rejected_dialog(self.as_widget, self.rejected_model,
                                                   self._table(self.rejected_model))
            self.rejected_dialog.open()

        Operation(self.ctx, sync_queue.rejected).success(shown).failure(self._failed).run()

    def _paired_agent(self) -> SyncAgent | None:
        """The agent of a till paired with a server; None for a till on its own."""
        return self.agent if self.agent is not None and self.agent.device.paired else None

    def pair_another_till(self) -> None:
        agent = self._paired_agent()
        if agent is None:
            self.say("Esta caja trabaja sola: vincúlala primero a un servidor.", error=True)
            return

        def shown(code: PairingCodeOut) -> None:
            self.pairing_dialog = pairing_code_dialog(self.as_widget, code, self.ctx.zone)
            self.pairing_dialog.open()

        def failed(exc: BaseException) -> None:
            message = exc.message if isinstance(exc, SyncRefused) else (
                "Sin conexión con el servidor: no se pudo pedir el código.")
            self.say(message, error=True)

        self.worker.submit(agent.new_pairing_code, shown, failed)

    # ---- sync -------------------------------------------------------------------------------

    _sync_asked = False  # F5 was pressed: the next pass's outcome is said on the message line

    def sync_now(self) -> None:
        """F5: sync now, and say what it did (sent N, received M) or why it could not."""
        agent = self._paired_agent()
        if agent is None:
            self.say("Esta caja trabaja sola: no está vinculada a un servidor, no hay nada que "
                     "sincronizar.")
            return
        self._sync_asked = True
        self.say("Sincronizando…")
        agent.request_sync()

    def _say_sync_outcome(self, status: SyncStatus) -> None:
        self._sync_asked = False
        if status.online is not True or status.problem:
            self.say(f"No se pudo sincronizar: {status.problem or 'sin conexión con el servidor.'}",
                     error=True)
            return
        sent = f"{count(status.sent, 'cambio')} {agree(status.sent, 'enviado')}"
        got = f"{count(status.received, 'cambio')} {agree(status.received, 'recibido')}"
        still = f"; {agree(status.pending, 'queda', 'quedan')} {status.pending} por enviar" \
            if status.pending else ""
        self.say(f"Sincronizado: {sent}, {got}{still}.")

    def _refresh_sync_status(self) -> None:
        if self.agent is not None:
            self.worker.submit(self.agent.status, self._show_sync_status)
        else:
            self.sync_label.setText("Sin servidor")

    def _show_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))
        self.progress.setVisible(fraction < 1.0)
        if fraction >= 1.0:
            self._run_search()  # the downloaded catalog is ready to sell from

    def _show_sync_status(self, status: SyncStatus) -> None:
        if status.online is None:
            text = "Caja independiente"
        else:
            state = "En línea" if status.online else "Sin conexión"
            text = f"{state} · pendientes: {status.pending}"
            if status.rejected:
                text += f" · requieren atención: {status.rejected}"
            if status.replaced:
                text += (f" · {count(status.replaced, 'cambio')} "
                         f"{agree(status.replaced, 'rechazado')}: "
                         f"{agree(status.replaced, 'quedó', 'quedaron')} como en el servidor")
            if status.last_sync:
                text += f" · última: {shown_time(status.last_sync, self.ctx.zone)}"
        if status.problem:
            text += f" · {status.problem}"
        # The status bar, never the message line: it must not cover "Cambio: $…".
        self.sync_label.setText(text)
        self.sync_label.setStyleSheet(ERROR_STYLE if status.problem else "")
        if self._sync_asked:
            self._say_sync_outcome(status)
        if status.online:
            self._run_search()  # pulled changes may have moved stock or prices
