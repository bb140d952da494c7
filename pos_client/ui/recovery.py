"""Opening the store at start, and the way out when its file is damaged.

A damaged ``pos.sqlite3`` must end in a choice the owner understands, never in a traceback:
restore the newest good backup, or start with an empty store; either way the damaged file is
moved aside (``pos.sqlite3.danado-<fecha>``), never deleted, in case a technician can rescue it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path

from pos_client import exit_codes
from pos_client.services import backups
from pos_client.services.backups import Backup, Database, Health, StoreError
from pos_client.ui.qt import QDialog, QFont, QLabel, QPushButton, Qt, QVBoxLayout, QWidget
from pos_client.ui.widgets import ERROR_STYLE
from pos_client.ui.worker import Worker
from shared.clock import DEFAULT_ZONE, shown_date, shown_time, utc_now
from shared.errors import DomainError

log = logging.getLogger(__name__)



def when_text(moment: datetime, zone: tzinfo) -> str:
    """A backup's time for the owner, on the shop's clock (its zone is read from the good
    backup itself: the damaged store cannot say it)."""
    return f"{shown_date(moment, zone)} a las {shown_time(moment, zone)}"


def explanation(health: Health, data_dir: Path, newest: Backup | None,
                zone: tzinfo = DEFAULT_ZONE) -> str:
    """What happened and what each way out does, in plain Spanish."""
    what = ("no es una base de datos válida" if health.state == "not_a_database"
            else "está dañado")
    lines = [
        f"El archivo donde esta caja guarda sus ventas y su catálogo ({backups.store_file(data_dir)}) "
        f"{what}.",
        "Suele pasar por un apagón mientras se guardaba algo, o por una falla del disco.",
        "El archivo dañado no se borra: se guarda aparte por si un técnico puede rescatarlo.",
    ]
    if newest is not None:
        lines.append(f"El respaldo bueno más reciente es del {when_text(newest.taken_at, zone)}. Al "
                     "restaurarlo se pierde lo registrado después; si la caja está vinculada a un "
                     "servidor, lo que ya se había sincronizado regresa solo.")
    else:
        lines.append(f"No hay respaldos en {backups.folder_of(data_dir)}: solo se puede empezar con una "
                     "base vacía (o pedir ayuda antes de hacerlo).")
    if health.detail:
        lines.append(f"Detalle técnico: {health.detail}")
    return "\n".join(lines)


def recover_from_backup(data_dir: Path, backup: Path) -> None:
    backups.recover_from_backup(data_dir, backup, utc_now())


def start_fresh(data_dir: Path) -> None:
    backups.start_fresh(data_dir, utc_now())


class RecoveryDialog(QDialog):
    """Explains the damage and offers: restore the newest good backup, start empty, or quit.

    Looking for a good backup and moving files run on the worker thread; the dialog is accepted
    once the chosen repair is done, so the caller can open the store again.
    """

    def __init__(self, data_dir: Path, health: Health, worker: Worker,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir, self.health, self.worker = data_dir, health, worker
        self.newest: Backup | None = None
        self.setWindowTitle("La base de datos está dañada — MiChangarrito")
        self.setMinimumWidth(640)
        title = QLabel("No se pudo abrir la base de datos de esta caja")
        font = QFont()
        font.setPointSize(16)
        font.setBold(True)
        title.setFont(font)
        self.message = QLabel(explanation(health, data_dir, None))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("Buscando respaldos…")
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setWordWrap(True)
        self.restore_button = self._button("Buscando respaldos…", self.restore_newest)
        self.restore_button.setEnabled(False)
        self.fresh_button = self._button(
            "Empezar con una base vacía (el archivo dañado se guarda aparte)", self.start_fresh)
        self.quit_button = self._button("Salir", self.reject)
        layout = QVBoxLayout(self)
        for widget in (title, self.message, self.status, self.restore_button, self.fresh_button,
                       self.quit_button):
            layout.addWidget(widget)
        worker.submit(lambda: backups.newest_good_backup_and_zone(data_dir), self._found,
                      self._failed)

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(56)
        button.clicked.connect(slot)
        return button

    def _found(self, found: tuple[Backup | None, tzinfo]) -> None:
        newest, zone = found
        self.newest = newest
        self.message.setText(explanation(self.health, self.data_dir, newest, zone))
        self.status.setText(" ")
        if newest is None:
            self.restore_button.setText("No hay respaldos para restaurar")
            return
        self.restore_button.setText(f"Restaurar el respaldo del {when_text(newest.taken_at, zone)}")
        self.restore_button.setEnabled(True)
        self.restore_button.setDefault(True)
        self.restore_button.setFocus()

    def restore_newest(self) -> None:
        if self.newest is None:
            return
        backup = self.newest.path
        self._run("Restaurando el respaldo…", lambda: recover_from_backup(self.data_dir, backup))

    def start_fresh(self) -> None:
        self._run("Guardando aparte el archivo dañado…", lambda: start_fresh(self.data_dir))

    def _run(self, doing: str, job: Callable[[], None]) -> None:
        for button in (self.restore_button, self.fresh_button, self.quit_button):
            button.setEnabled(False)
        self.status.setText(doing)
        self.worker.submit(job, lambda _: self.accept(), self._failed)

    def _failed(self, exc: BaseException) -> None:
        log.error("recovery step failed", exc_info=exc)
        reason = exc.message if isinstance(exc, DomainError) else str(exc)
        self.status.setText(f"No se pudo: {reason}")
        self.restore_button.setEnabled(self.newest is not None)
        self.fresh_button.setEnabled(True)
        self.quit_button.setEnabled(True)


Ask = Callable[[Health], bool]


def open_store(data_dir: Path, ask: Ask | None) -> Database | int:
    """The store in ``data_dir``, repaired first if its file is damaged; or an exit code.

    ``ask`` lets the owner choose a repair (True once one was made); without it (no screen to
    ask on) the explanation goes to stderr and the start stops with ``exit_codes.DAMAGED_STORE``.
    """
    while True:
        try:
            opened = backups.open_store_file(data_dir)
        except StoreError as exc:
            print(exc.message, file=sys.stderr)
            return exit_codes.STORE_TOO_NEW
        if isinstance(opened, Database):
            return opened
        health = opened
        log.error("damaged store %s: %s %s", backups.store_file(data_dir), health.state, health.detail)
        if ask is None:
            print(explanation(health, data_dir, *backups.newest_good_backup_and_zone(data_dir)),
                  file=sys.stderr)
            print("Abre MiChangarrito en la pantalla de la caja para elegir qué hacer.", file=sys.stderr)
            return exit_codes.DAMAGED_STORE
        if not ask(health):
            return exit_codes.DAMAGED_STORE


def ask_with_dialog(data_dir: Path, worker: Worker) -> Ask:
    """``open_store``'s question as a modal :class:`RecoveryDialog`."""
    def ask(health: Health) -> bool:
        dialog = RecoveryDialog(data_dir, health, worker)
        return dialog.exec() == QDialog.DialogCode.Accepted
    return ask
