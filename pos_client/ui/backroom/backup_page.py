"""Respaldos: the backups of this till, taking one now, and restoring one at the next start."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta, tzinfo
from pathlib import Path

from pos_client import exit_codes
from pos_client.services import backups
from pos_client.services.backups import Backup, Backups, Unsynced
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QAbstractItemView,
    QApplication,
    QDesktopServices,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QUrl,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, OK_STYLE, shortcut_button
from shared.clock import DEFAULT_ZONE, shown_date_time
from shared.spanish import count

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(days=2)


def age_text(age: timedelta) -> str:
    if age < timedelta(hours=1):
        return "hace menos de una hora"
    if age < timedelta(days=1):
        hours = int(age.total_seconds() // 3600)
        return f"hace {count(hours, 'hora')}"
    return f"hace {count(age.days, 'día')}"


def size_text(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"


def request_restart() -> None:
    """Leave the Qt loop asking ``run_pos`` to start the POS again (the restore is applied then)."""

    QApplication.exit(exit_codes.RESTART)


class BackupPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.folder: Path | None = None  # known once the first overview arrives
        self.zone: tzinfo = DEFAULT_ZONE  # the shop's, with the first overview
        self.backups: list[Backup] = []
        self.restart: Callable[[], None] = request_restart  # tests replace it
        self.confirm: QMessageBox | None = None
        self._build()
        self.reload()

    # ---- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel("Respaldos")
        font = QFont()
        font.setPointSize(18)
        font.setBold(True)
        title.setFont(font)
        self.last_label = QLabel("Cargando…")
        self.last_label.setWordWrap(True)
        emphasis = QFont()
        emphasis.setPointSize(13)
        emphasis.setBold(True)
        self.last_label.setFont(emphasis)
        self.about = QLabel("Cada día se hace un respaldo automático de esta caja; se guardan los "
                            "de las últimas dos semanas.")
        self.about.setWordWrap(True)
        self.pending_label = QLabel("")
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet(ERROR_STYLE)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Fecha", "Tamaño"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.backup_button = shortcut_button(self, "Respaldar ahora (Ctrl+B)", self.backup_now, "Ctrl+B")
        self.restore_button = shortcut_button(self, "Restaurar… (Ctrl+R)", self.restore_selected, "Ctrl+R")
        self.folder_button = shortcut_button(self, "Abrir carpeta (Ctrl+O)", self.open_folder, "Ctrl+O")
        self.cancel_button = shortcut_button(self, "Cancelar restauración", self.cancel_pending)
        self.cancel_button.hide()
        self.message = QLabel(" ")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.restore_button, self.folder_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        for widget in (title, self.last_label, self.about, self.pending_label, self.cancel_button):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)


    # ---- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        Operation(self.ctx, backups.overview).success(self._show).failure(self._failed).run()

    def _show(self, loaded: Backups) -> None:
        self.backups, self.zone, self.folder = loaded.backups, loaded.zone, loaded.folder
        pending = loaded.pending_restore
        self.about.setText("Cada día se hace un respaldo automático de esta caja; se guardan los "
                           f"de las últimas dos semanas en {loaded.folder}.")
        self.table.setRowCount(len(self.backups))
        for row, backup in enumerate(self.backups):
            self.table.setItem(row, 0, QTableWidgetItem(self.when(backup)))
            self.table.setItem(row, 1, QTableWidgetItem(size_text(backup.size)))
        if self.backups:
            self.table.selectRow(0)
        self._show_last()
        self._show_pending(pending)

    def when(self, backup: Backup) -> str:
        return shown_date_time(backup.taken_at, self.zone)

    def _show_last(self) -> None:
        if not self.backups:
            self.last_label.setText("Todavía no hay respaldos de esta caja.")
            self.last_label.setStyleSheet(ERROR_STYLE)
            return
        newest = self.backups[0]
        age = self.ctx.till.now() - newest.taken_at
        self.last_label.setText(f"Último respaldo: {self.when(newest)} ({age_text(age)}).")
        self.last_label.setStyleSheet(ERROR_STYLE if age > STALE_AFTER else OK_STYLE)

    def _show_pending(self, pending: Path | None) -> None:
        match = next((b for b in self.backups if b.path == pending), None)
        if pending is None:
            self.pending_label.setText("")
        elif match is None:
            self.pending_label.setText("Hay una restauración pendiente al volver a abrir MiChangarrito.")
        else:
            self.pending_label.setText(f"Al volver a abrir MiChangarrito se restaurará el respaldo del "
                                       f"{self.when(match)}.")
        self.cancel_button.setVisible(pending is not None)

    # ---- actions ----------------------------------------------------------------------------

    def backup_now(self) -> None:
        self.backup_button.setEnabled(False)
        self._say("Respaldando…", OK_STYLE)
        Operation(self.ctx, backups.take_now).success(self._backed_up).failure(self._failed).run()

    def _backed_up(self, path: Path) -> None:
        self.backup_button.setEnabled(True)
        self._say(f"Respaldo listo: {path.name}", OK_STYLE)
        self.reload()

    def selected(self) -> Backup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def restore_selected(self) -> None:
        backup = self.selected()
        if backup is None:
            self._say("Elige un respaldo de la lista.", ERROR_STYLE)
            return
        Operation(self.ctx, backups.unsynced).success(
            lambda n: self._ask_restore(backup, n)).failure(self._failed).run()

    def _ask_restore(self, backup: Backup, unsynced: Unsynced) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Restaurar respaldo",
                          f"¿Restaurar el respaldo del {self.when(backup)}?", parent=self)
        warning = ""
        if unsynced.pending:
            warning = (f"\n\nATENCIÓN: hay {count(unsynced.pending, 'cambio')} de esta caja sin sincronizar. "
                       "Si restauras ahora, se quedan solo en el archivo que se guarda aparte. "
                       + ("Sincroniza primero (F5 en la caja)." if unsynced.paired else
                          "Esta caja no está vinculada a un servidor."))
        box.setInformativeText(
            "La caja quedará como estaba en esa fecha: lo registrado después no estará en esta "
            "caja. Los datos actuales no se borran: se guardan aparte, en la carpeta de datos, "
            "como «pos.sqlite3.antes-de-restaurar-…». Si la caja está vinculada a un servidor, "
            "lo que ya se había sincronizado regresa solo." + warning
            + "\n\nMiChangarrito se reiniciará.")
        self.confirm_button = box.addButton("Restaurar y reiniciar", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Cancelar", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(
            lambda clicked: self._confirmed(backup) if clicked is self.confirm_button else None)
        self.confirm = box
        box.open()

    def _confirmed(self, backup: Backup) -> None:
        session = self.ctx.session
        requested_by = session.cashier.id if session else None
        self.restore_button.setEnabled(False)
        self._say("Preparando la restauración…", OK_STYLE)
        Operation(self.ctx, lambda till: backups.restore_at_next_start(
            till, backup.path, requested_by)).success(
            lambda _: self._scheduled()).failure(self._failed).run()

    def _scheduled(self) -> None:
        self._say("Reiniciando para restaurar…", OK_STYLE)
        log.warning("restore requested; restarting")
        self.restart()

    def cancel_pending(self) -> None:
        Operation(self.ctx, backups.cancel_restore).success(lambda _: self.reload()).failure(
            self._failed).run()

    def open_folder(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def _failed(self, message: str) -> None:
        self.backup_button.setEnabled(True)
        self.restore_button.setEnabled(True)
        self._say(message, ERROR_STYLE)

    def _say(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
