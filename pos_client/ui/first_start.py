"""The first-start wizard: a new shop (owner, name, starter catalog), joining a shop with a code,
or bringing a till's data from another computer; then the printer."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pos_client.receipts.printers import KINDS
from pos_client.services import device, first_start
from pos_client.services.till import Till
from pos_client.sync.agent import SyncAgent
from pos_client.sync.pairing import request_pairing
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from pos_client.ui.widgets import ERROR_STYLE, font, say
from pos_client.ui.worker import Worker
from shared.errors import DomainError
from shared.spanish import count

START, NEW_SHOP, JOIN, RESTORE, PRINTER = range(5)
PRINTER_LABELS = {"none": "Sin impresora: el ticket se ve en pantalla",
                  "file": "Impresora USB (por ejemplo /dev/usb/lp0)",
                  "network": "Impresora de red (IP, puerto 9100)"}


class _Step(QWizardPage):
    """A page whose "Siguiente" runs its work as an operation (services on the till's worker,
    never SQL or the network on the Qt thread) and moves on only once it succeeded; a refusal
    is shown on the page. A second press while the work runs does nothing."""

    def __init__(self, wizard: FirstStartWizard, title: str, intro: str) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(title)
        self.form = QFormLayout()
        self.error = QLabel(" ", wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        text = QLabel(intro, wordWrap=True)
        text.setFont(font(12))
        layout.addWidget(text)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.error)
        self._done = False
        self.busy = False

    def field_edit(self, label: str, placeholder: str = "", secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setFont(font(14))
        edit.setMinimumHeight(44)
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(label)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(label, edit)
        return edit

    def job(self) -> Callable[[Till], Any] | None:
        """The use case this page's "Siguiente" runs on the till (None: nothing to do)."""
        return None

    def finished(self, result: Any) -> None:
        """On the Qt thread, after ``job`` succeeded."""

    def validatePage(self) -> bool:  # noqa: N802
        if self._done:
            return True
        if self.busy:  # pressed again while the work runs: it must not run twice
            return False
        try:
            job = self.job()
        except DomainError as exc:
            say(self.error, exc.message)
            return False
        if job is None:
            return True
        self.busy = True
        self.setEnabled(False)
        say(self.error, "Un momento…", ok=True)
        Operation(self.owner, job).success(self._succeeded).failure(self._failed).always(
            self._idle).run()
        return False

    def _idle(self) -> None:
        self.busy = False
        self.setEnabled(True)

    def _succeeded(self, result: Any) -> None:
        say(self.error, " ", ok=True)
        self.finished(result)
        self._done = True
        if self.nextId() == -1:
            self.owner.accept()
        else:
            self.owner.next()

    def _failed(self, message: str) -> None:
        say(self.error, message)


class StartPage(_Step):
    def __init__(self, wizard: FirstStartWizard) -> None:
        super().__init__(wizard, "Bienvenido a MiChangarrito",
                         "¿Cómo quieres empezar en esta computadora?")
        self.choice = QButtonGroup(self)
        for page, text in ((NEW_SHOP, "Abrir una tienda nueva (yo soy el dueño)"),
                           (JOIN, "Unir esta caja a mi tienda (tengo un código de vinculación)"),
                           (RESTORE, "Traer los datos de otra computadora (tengo un respaldo)")):
            button = QRadioButton(text)
            button.setFont(font(13))
            button.setMinimumHeight(44)
            self.choice.addButton(button, page)
            self.form.addRow(button)
        self.choice.button(NEW_SHOP).setChecked(True)

    def nextId(self) -> int:  # noqa: N802
        return self.choice.checkedId()


class NewShopPage(_Step):
    def __init__(self, wizard: FirstStartWizard) -> None:
        super().__init__(wizard, "Tu tienda", "Con tu NIP entrarás a la caja y autorizarás "
                         "cancelaciones, descuentos y cambios al catálogo.")
        self.shop_name = self.field_edit("Nombre de la tienda", "Abarrotes Doña Mary")
        self.owner_name = self.field_edit("Tu nombre")
        self.pin = self.field_edit("NIP (4 a 8 dígitos)", secret=True)
        self.pin2 = self.field_edit("Repite el NIP", secret=True)
        self.starter = QCheckBox("Cargar el catálogo inicial: 149 productos comunes con código de "
                                 "barras, precio y existencias de ejemplo (se editan después)")
        self.starter.setChecked(True)
        self.form.addRow(self.starter)
        self.setCommitPage(True)  # once the shop exists, going back would not undo it

    def job(self) -> Callable[[Till], first_start.NewShop]:
        if self.pin.text() != self.pin2.text():
            raise DomainError("Los dos NIP no coinciden.")
        shop, name, pin = self.shop_name.text(), self.owner_name.text(), self.pin.text()
        starter = self.starter.isChecked()
        return lambda till: first_start.open_new_shop(till, shop_name=shop, owner_name=name,
                                                      pin=pin, starter_catalog=starter)

    def finished(self, result: first_start.NewShop) -> None:
        self.owner.outcome = "new_shop"
        extra = f" y {count(result.products, 'producto')}" if result.products else ""
        self.owner.summary = (f"Listo: la tienda «{self.owner.till.device.shop_name}» con "
                              f"{result.owner.name} como dueño{extra}. Entra con tu NIP.")

    def nextId(self) -> int:  # noqa: N802
        return PRINTER


class JoinPage(_Step):
    def __init__(self, wizard: FirstStartWizard) -> None:
        super().__init__(wizard, "Unir a mi tienda", "El dueño crea el código en su cuenta o en "
                         "otra caja (F9). Vale 10 minutos y se usa una vez.")
        self.server = self.field_edit("Dirección del servidor", "https://api.michangarrito.mx")
        self.code = self.field_edit("Código de vinculación", "K7M2Q9XD")
        self.device_name = self.field_edit("Nombre de esta caja")
        self.device_name.setText(socket.gethostname()[:60])
        self.setCommitPage(True)

    def job(self) -> Callable[[Till], str]:
        url, code, name = self.server.text(), self.code.text(), self.device_name.text().strip()
        if not name:
            raise DomainError("Escribe un nombre para esta caja (p. ej. Caja 2).")

        def pair_and_sync(till: Till) -> str:
            shop = first_start.join_shop(till, url, request_pairing(
                url, code, name, device.series_so_far(till)))
            # The shop's cashiers and catalog, before anyone logs in.
            SyncAgent(till.db, till.device).sync_once()
            return shop

        return pair_and_sync

    def finished(self, shop: str) -> None:
        self.owner.outcome = "joined"
        self.owner.summary = (f"Esta caja quedó unida a «{shop}» como "
                              f"{self.owner.till.device.code}. Entra con tu NIP de siempre.")

    def nextId(self) -> int:  # noqa: N802
        return PRINTER


class RestorePage(_Step):
    def __init__(self, wizard: FirstStartWizard) -> None:
        super().__init__(wizard, "Traer mis datos", "Elige el respaldo de la otra computadora "
                         "(carpeta «respaldos», archivo pos-….sqlite3; cópialo con una memoria "
                         "USB). MiChangarrito se reiniciará con esos datos.")
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setAccessibleName("Respaldo")
        pick = QPushButton("Elegir archivo…")
        pick.setMinimumHeight(44)
        pick.clicked.connect(self._pick)
        self.form.addRow("Respaldo", self.path)
        self.form.addRow(pick)
        self.setFinalPage(True)

    def _pick(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Respaldo de MiChangarrito",
                                                str(Path.home()), "Respaldos (*.sqlite3)")
        if chosen:
            self.path.setText(chosen)

    def job(self) -> Callable[[Till], Path]:
        if not self.path.text():
            raise DomainError("Elige el archivo del respaldo.")
        data_dir, chosen = self.owner.data_dir, Path(self.path.text())
        return lambda _: first_start.restore_from_file(data_dir, chosen)

    def finished(self, _: Path) -> None:
        self.owner.outcome = "restore"

    def nextId(self) -> int:  # noqa: N802
        return -1


class PrinterPage(_Step):
    def __init__(self, wizard: FirstStartWizard) -> None:
        super().__init__(wizard, "Impresora de tickets", "Puedes cambiarla después en "
                         "Trastienda (F11) → Impresora, donde también hay una prueba.")
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(PRINTER_LABELS[kind], kind)
        self.kind.setMinimumHeight(44)
        self.form.addRow("Tipo", self.kind)
        self.target = self.field_edit("Dónde está", "/dev/usb/lp0 o 192.168.1.50:9100")
        self.paper = QComboBox()
        for mm in (80, 58):
            self.paper.addItem(f"{mm} mm", mm)
        self.paper.setMinimumHeight(44)
        self.form.addRow("Papel", self.paper)
        self.setFinalPage(True)

    def job(self) -> Callable[[Till], object]:
        kind, target, paper = self.kind.currentData(), self.target.text(), self.paper.currentData()
        return lambda till: first_start.set_printer(till, kind, target, paper)

    def initializePage(self) -> None:  # noqa: N802
        self.setSubTitle(self.owner.summary)

    def nextId(self) -> int:  # noqa: N802
        return -1


class FirstStartWizard(QWizard):
    """``outcome`` after it closes: "new_shop", "joined", "restore" (restart to apply it), or
    None if it was closed before anything was saved."""

    def __init__(self, till: Till, worker: Worker, data_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # What the pages' operations run on (ui.operations.Runs): the till and its worker.
        self.till, self.worker, self.data_dir = till, worker, data_dir
        self.outcome: str | None = None
        self.summary = ""
        self.setWindowTitle("MiChangarrito: primer inicio")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setMinimumSize(720, 520)
        for text, which in (("Siguiente", QWizard.WizardButton.NextButton),
                            ("Atrás", QWizard.WizardButton.BackButton),
                            ("Terminar", QWizard.WizardButton.FinishButton),
                            ("Cancelar", QWizard.WizardButton.CancelButton),
                            ("Siguiente", QWizard.WizardButton.CommitButton)):
            self.setButtonText(which, text)
        self.pages = {START: StartPage(self), NEW_SHOP: NewShopPage(self), JOIN: JoinPage(self),
                      RESTORE: RestorePage(self), PRINTER: PrinterPage(self)}
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.setStartId(START)

    def page_of(self, page_id: int) -> Any:
        return self.pages[page_id]
