"""Impresora: where this till's ticket printer is (none, a device file, or the network), its
paper, a test print and a test of the cash drawer; beside them, this till's own settings."""

from __future__ import annotations

import errno
import logging

from pos_client.receipts.document import Document, Printer, PrinterError
from pos_client.receipts.printers import PrinterConfig, PrinterKind, describe, printer_for, validate
from pos_client.services import hardware
from pos_client.services.hardware import SavedPrinter
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.backroom.till_box import TillBox
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.printing import PreviewDialog
from pos_client.ui.qt import (
    QButtonGroup,
    QDialog,
    QFont,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, OK_STYLE, shortcut_button
from shared.errors import DomainError
from shared.permissions import Permission

log = logging.getLogger(__name__)

KIND_LABELS: dict[PrinterKind, str] = {
    "none": "Sin impresora: vista previa en pantalla",
    "file": "USB o archivo de dispositivo (por ejemplo /dev/usb/lp0)",
    "network": "Red (IP:9100)",
}
PLACEHOLDERS: dict[PrinterKind, str] = {
    "none": "No hace falta: los tickets se ven en pantalla",
    "file": "/dev/usb/lp0",
    "network": "192.168.1.50:9100",
}
PAPERS = (58, 80)
# What an OSError under a PrinterError means, said for the shop owner (the OS's own text is English).
_REASONS = {
    errno.ENOENT: "no existe ese archivo o dispositivo; revisa que esté conectada y la ruta",
    errno.ENOTDIR: "no existe ese archivo o dispositivo; revisa que esté conectada y la ruta",
    errno.EACCES: "no hay permiso para escribir ahí (en Linux, el usuario debe estar en el grupo «lp»)",
    errno.EPERM: "no hay permiso para escribir ahí (en Linux, el usuario debe estar en el grupo «lp»)",
    errno.EISDIR: "esa ruta es una carpeta, no una impresora",
    errno.ENODEV: "el dispositivo no está conectado",
    errno.ENXIO: "el dispositivo no está conectado",
    errno.EIO: "falló la comunicación con la impresora (¿apagada o sin papel?)",
    errno.ECONNREFUSED: "rechazó la conexión; revisa la IP y el puerto (casi siempre 9100)",
    errno.EHOSTUNREACH: "no se encuentra en la red; revisa la IP y que esté encendida",
    errno.ENETUNREACH: "esta caja no está conectada a la red",
}


def failure_text(exc: BaseException) -> str:
    """A printer failure in Spanish: the reason behind the OS error when we know it."""
    if isinstance(exc, PrinterError):
        cause = exc.__cause__
        if isinstance(cause, TimeoutError):
            return "La impresora no responde: no contestó a tiempo (¿apagada o en otra red?)."
        if isinstance(cause, OSError) and cause.errno in _REASONS:
            return f"La impresora no responde: {_REASONS[cause.errno]}."
        return exc.message
    if isinstance(exc, DomainError):
        return exc.message
    return "No se pudo completar. Intenta de nuevo."


class PrinterPage(QWidget):
    """Settings are read and written on the worker; after saving, ``ctx.printer`` changes so the
    counter's next ticket already goes to the new printer. The test buttons use what is on
    screen, so a setting can be tried before it is saved."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.saved: PrinterConfig | None = None
        self.preview_dialog: QDialog | None = None
        self.pin_dialog: QDialog | None = None
        self._build()
        self.reload()

    # ---- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel("Impresora de tickets")
        font = QFont()
        font.setPointSize(18)
        font.setBold(True)
        title.setFont(font)
        self.current_label = QLabel("Cargando…")
        self.current_label.setWordWrap(True)
        emphasis = QFont()
        emphasis.setPointSize(13)
        emphasis.setBold(True)
        self.current_label.setFont(emphasis)
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[PrinterKind, QRadioButton] = {}
        kinds = QVBoxLayout()
        kinds.setSpacing(0)
        for kind, label in KIND_LABELS.items():
            radio = self._radio(label)
            self.kind_group.addButton(radio)
            self.kind_buttons[kind] = radio
            kinds.addWidget(radio)
        self.kind_buttons["none"].setChecked(True)
        self.kind_group.buttonToggled.connect(lambda *_: self._kind_changed())
        self.target = QLineEdit()
        self.target.setMinimumHeight(48)
        self.target.setMaxLength(300)
        self.target.setAccessibleName("Ubicación de la impresora")
        self.paper_group = QButtonGroup(self)
        self.paper_buttons: dict[int, QRadioButton] = {}
        papers = QHBoxLayout()
        papers.setSpacing(24)
        for mm in PAPERS:
            radio = self._radio(f"{mm} mm")
            self.paper_group.addButton(radio)
            self.paper_buttons[mm] = radio
            papers.addWidget(radio)
        papers.addStretch(1)
        self.paper_buttons[80].setChecked(True)
        form = QGridLayout()
        form.addWidget(QLabel("Tipo"), 0, 0, Qt.AlignmentFlag.AlignTop)
        form.addLayout(kinds, 0, 1)
        form.addWidget(QLabel("Ubicación"), 1, 0)
        form.addWidget(self.target, 1, 1)
        form.addWidget(QLabel("Papel"), 2, 0)
        form.addLayout(papers, 2, 1)
        form.setColumnStretch(1, 1)
        self.save_button = shortcut_button(self, "Guardar (Ctrl+S)", self.save, "Ctrl+S")
        self.test_button = shortcut_button(self, "Imprimir prueba (Ctrl+P)", self.print_test, "Ctrl+P")
        self.drawer_button = shortcut_button(self, "Abrir cajón (Ctrl+D)", self.open_drawer, "Ctrl+D")
        buttons = QHBoxLayout()
        for button in (self.save_button, self.test_button, self.drawer_button):
            buttons.addWidget(button)
        self.message = QLabel(" ")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.current_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.till_box = TillBox(self.ctx)  # this till's other own settings live beside its printer
        layout.addWidget(self.till_box)
        layout.addStretch(1)
        self._kind_changed()

    def _radio(self, text: str) -> QRadioButton:
        radio = QRadioButton(text)
        radio.setMinimumHeight(48)
        radio.setStyleSheet("QRadioButton::indicator { width: 24px; height: 24px; }")
        return radio


    def _kind_changed(self) -> None:
        kind = self.kind()
        self.target.setEnabled(kind != "none")
        self.target.setPlaceholderText(PLACEHOLDERS[kind])

    # ---- reading the form -------------------------------------------------------------------

    def kind(self) -> PrinterKind:
        return next((k for k, b in self.kind_buttons.items() if b.isChecked()), "none")

    def paper_mm(self) -> int:
        return next((mm for mm, b in self.paper_buttons.items() if b.isChecked()), 80)

    def form_config(self) -> PrinterConfig:
        """What is on screen, checked (PrinterConfigError with a Spanish message)."""
        return validate(self.kind(), self.target.text(), self.paper_mm())

    def _show_config(self, config: PrinterConfig) -> None:
        self.kind_buttons[config.kind].setChecked(True)
        self.target.setText(config.target)
        self.paper_buttons[config.paper_mm].setChecked(True)
        self.current_label.setText(f"Ahora: {describe(config)}")

    # ---- loading and saving -----------------------------------------------------------------

    def reload(self) -> None:
        Operation(self.ctx, hardware.printer_settings).success(self._loaded).failure(
            self._failed).run()

    def _loaded(self, config: PrinterConfig) -> None:
        self.saved = config
        self._show_config(config)

    def save(self) -> None:
        try:
            config = self.form_config()
        except DomainError as exc:
            self._say(exc.message, ERROR_STYLE)
            return
        session = self.ctx.session
        cashier_id = session.cashier.id if session else None
        self.save_button.setEnabled(False)
        Operation(self.ctx, lambda till: hardware.save_printer(
            till, config.kind, config.target, config.paper_mm, cashier_id)).success(
            self._saved).failure(self._failed).run()

    def _saved(self, saved: SavedPrinter) -> None:
        self.ctx.printer = saved.printer  # the counter's next ticket goes here
        self.saved = saved.config
        self.save_button.setEnabled(True)
        self._show_config(saved.config)
        self._say("Impresora guardada. Los siguientes tickets salen " +
                  ("en pantalla." if saved.printer is None else "por esta impresora."), OK_STYLE)

    # ---- tests ------------------------------------------------------------------------------

    def _form_printer(self) -> tuple[PrinterConfig, Printer | None] | None:
        try:
            config = self.form_config()
            return config, printer_for(config)
        except DomainError as exc:
            self._say(exc.message, ERROR_STYLE)
            return None

    def print_test(self) -> None:
        """Ctrl+P: the sample page on the printer on screen (saved or not), or its preview."""
        chosen = self._form_printer()
        if chosen is None:
            return
        config, printer = chosen
        page = Operation(self.ctx, lambda till: hardware.sample_page(till, config))
        if printer is None:
            page.success(self._preview).failure(self._failed).run()
            return

        def send(document: Document) -> None:
            self.ctx.print_worker.submit(lambda: printer.print_document(document),
                                         lambda _: self._tested(config), self._print_failed)

        self.test_button.setEnabled(False)
        self._say("Imprimiendo la prueba…", OK_STYLE)
        page.success(send).failure(self._failed).run()

    def _preview(self, document: Document) -> None:
        self.preview_dialog = PreviewDialog(document, self, self.paper_mm())
        self.preview_dialog.open()
        self._say("Sin impresora, los tickets se ven así en pantalla.", OK_STYLE)

    def _tested(self, config: PrinterConfig) -> None:
        self.test_button.setEnabled(True)
        unsaved = self.saved != config
        self._say("Prueba enviada. Revisa los acentos y el QR." +
                  (" Si salió bien, guarda (Ctrl+S)." if unsaved else ""), OK_STYLE)

    def open_drawer(self) -> None:
        """Ctrl+D: kick the drawer wired to the printer on screen; it opens the cash, so it
        needs the OPEN_DRAWER permission and leaves an audit event like the counter's Ctrl+D."""
        chosen = self._form_printer()
        if chosen is None:
            return
        _, printer = chosen
        if printer is None:
            self._say("Sin impresora no hay cajón que abrir: el cajón se conecta a la impresora.",
                      ERROR_STYLE)
            return
        session = self.ctx.session
        cashier_id = session.cashier.id if session else None

        def kick(document: Document) -> None:
            # On the printer's thread: a stuck printer holds only it.
            self.ctx.print_worker.submit(lambda: printer.print_document(document),
                                         lambda _: self._drawer_opened(), self._print_failed)

        def approved(approver: Cashier) -> None:
            self.drawer_button.setEnabled(False)
            Operation(self.ctx, lambda till: hardware.open_drawer(
                till, cashier_id=cashier_id, authorized_by=approver.id,
                detail=hardware.DRAWER_TEST)).success(kick).failure(self._failed).run()

        self.pin_dialog = request_permission(self.ctx, self, Permission.OPEN_DRAWER, approved)

    def _drawer_opened(self) -> None:
        self.drawer_button.setEnabled(True)
        self._say("Se mandó abrir el cajón. Si no abrió, revisa su cable a la impresora.", OK_STYLE)

    # ---- messages ---------------------------------------------------------------------------

    def _failed(self, message: str) -> None:
        """A refusal or failure of the services (Spanish, from the operation)."""
        self._enable()
        if self.saved is None:
            self.current_label.setText("No se pudo leer la configuración de la impresora.")
        self._say(message, ERROR_STYLE)

    def _print_failed(self, exc: BaseException) -> None:
        """The printer itself failed (on its own thread): say why, in the owner's words."""
        self._enable()
        if not isinstance(exc, DomainError | PrinterError):
            log.error("printer page job failed", exc_info=exc)
        self._say(failure_text(exc), ERROR_STYLE)

    def _enable(self) -> None:
        for button in (self.save_button, self.test_button, self.drawer_button):
            button.setEnabled(True)

    def _say(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
