"""Cuenta en línea → Tareas programadas: each of the shop's jobs (daily summary, low stock,
fiado reminders, silent tills, plan notices) on or off and at what time of the shop's day, the
quiet hours of those that reach customers, and what the latest runs did. The server keeps the
rules (a reminder may not be set in the quiet hours): this screen shows its answers as they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos_client.ui.qt import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTime,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button
from shared.account import JobOut, JobRunOut

if TYPE_CHECKING:
    from pos_client.sync.account import OnlineAccount
    from pos_client.ui.backroom.account_tabs import AccountView

RUN_COLUMNS = ["Tarea", "Programada para", "Resultado", "Detalle"]
STATUS = {"sent": "Enviado", "skipped": "No se envió", "failed": "Falló", "running": "En curso"}
# The server's stable reason codes (docs/jobs.md), said for the owner; an unknown one as it is.
REASONS = {
    "no_channel": "el servidor no tiene WhatsApp configurado",
    "owner_not_verified": "verifica tu WhatsApp para recibir avisos",
    "not_opted_in": "el cliente no aceptó mensajes",
    "opted_out": "el cliente pidió BAJA",
    "no_activity": "no hubo movimiento",
    "nothing_fell": "nada bajó de su mínimo",
    "nobody_due": "nadie tocaba",
    "nothing_to_say": "nada que avisar",
    "quiet_hours": "horas de silencio",
    "missed": "el servidor estaba apagado a esa hora",
    "too_late": "demasiado tarde para enviarlo",
}


def _hhmm(at: QTime) -> str:
    return f"{at.hour():02d}:{at.minute():02d}"


class JobRow:
    """One job's controls: on or off, and its time when it runs at a time of day."""

    def __init__(self, job: JobOut) -> None:
        self.job = job
        self.enabled = QCheckBox(job.title)
        self.enabled.setChecked(job.enabled)
        self.time: QTimeEdit | None = None
        if job.at is not None:
            self.time = QTimeEdit(QTime.fromString(job.at, "HH:mm"))
            self.time.setDisplayFormat("HH:mm")
        self.when = QLabel("cada hora" if job.at is None else "")
        self.quiet = QLabel(f"Horas de silencio: {job.quiet_hours}" if job.quiet_hours else "")
        self.quiet.setStyleSheet("color: #7a4b00;")
        self.quiet.setVisible(bool(job.quiet_hours))
        self.quiet.setToolTip("Llega a clientes: nunca se programa ni se envía en estas horas "
                              "(hora de la tienda).")
        self.note = QLabel(job.description)
        self.note.setWordWrap(True)

    def at(self) -> str | None:
        return _hhmm(self.time.time()) if self.time is not None else None

    def changed(self) -> bool:
        return self.enabled.isChecked() != self.job.enabled or self.at() != self.job.at


class JobsTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.rows: dict[str, JobRow] = {}
        self.state = QLabel("Cargando…")
        self.state.setWordWrap(True)
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        scroll = QScrollArea()  # the descriptions are long; a small screen scrolls them
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_box)
        self.save_button = button("Guardar cambios", self.save)
        self.runs: list[JobRunOut] = []
        self.table = QTableWidget(0, len(RUN_COLUMNS))
        self.table.setHorizontalHeaderLabels(RUN_COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Lo que el servidor hace solo, a la hora de tu tienda. Los avisos "
                                "te llegan por WhatsApp."))
        layout.addWidget(scroll, 5)
        layout.addWidget(self.save_button)
        layout.addWidget(self.state)
        layout.addWidget(QLabel("<b>Últimas ejecuciones</b> (pasa el puntero por el detalle "
                                "para leer el mensaje)"))
        layout.addWidget(self.table, 2)
        self.table.setMinimumHeight(90)

    def load(self) -> None:
        self.view.call(lambda a: (a.jobs(), a.job_runs()), self.show_all)

    def show_all(self, answer: tuple[list[JobOut], list[JobRunOut]]) -> None:
        jobs, runs = answer
        self.show_jobs(jobs)
        self.show_runs(runs)

    def show_jobs(self, jobs: list[JobOut]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        for i, job in enumerate(jobs):
            row = JobRow(job)
            self.rows[job.job] = row
            name = QWidget()  # the job's name, and under it its quiet hours if it has any
            name_box = QVBoxLayout(name)
            name_box.setContentsMargins(0, 0, 0, 0)
            name_box.addWidget(row.enabled)
            name_box.addWidget(row.quiet)
            self.grid.addWidget(name, i, 0)
            self.grid.addWidget(row.time or row.when, i, 1)
            self.grid.addWidget(row.note, i, 2)
        self.grid.setColumnStretch(2, 1)
        self.state.setText("")

    def show_runs(self, runs: list[JobRunOut]) -> None:
        self.runs = runs
        self.table.setRowCount(len(runs))
        for i, r in enumerate(runs):
            detail = REASONS.get(r.reason, r.reason) if r.reason else ""
            if r.late and r.status == "sent":  # a late run that sent nothing was not "sent"
                detail = ", ".join(p for p in ("enviado tarde", detail) if p)
            cells = (r.title, self.view.local(r.scheduled_for), STATUS.get(r.status, r.status),
                     detail)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3 and r.text:
                    item.setToolTip(r.text)  # what the message said (or would have said)
                self.table.setItem(i, col, item)
        self.table.resizeColumnsToContents()
        if not runs:
            self.state.setText("Todavía no ha corrido ninguna tarea.")

    def save(self) -> None:
        changes = [(name, row.enabled.isChecked(), row.at()) for name, row in self.rows.items()
                   if row.changed()]
        if not changes:
            self.view.done("No hay cambios que guardar.")
            return

        def save_each(account: OnlineAccount) -> list[JobOut]:
            # One PUT each; a refusal stops there and says why (what was saved before stays).
            return [account.save_job(name, enabled, at) for name, enabled, at in changes]

        def saved(done: list[JobOut]) -> None:
            self.view.done("Tareas guardadas: " + ", ".join(j.title for j in done) + ".")
            self.load()

        self.view.call(save_each, saved)
