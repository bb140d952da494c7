"""The till's ticket printer: a device file (USB, serial, or a plain file) or a network printer
on raw port 9100; its settings as typed and checked, and the page that tests it. (The settings
are kept by ``services.hardware``.)"""

from __future__ import annotations

import errno
import os
import re
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pos_client.receipts.document import (
    Document,
    DocumentBuilder,
    Printer,
    PrinterError,
    Style,
)
from pos_client.receipts.escpos import drawer_kick, render_escpos
from pos_client.receipts.text import COLUMNS, columns
from shared.errors import DomainError
from shared.money import format_mxn

PrinterKind = Literal["none", "file", "network"]
KINDS: tuple[PrinterKind, ...] = ("none", "file", "network")
RAW_PORT = 9100  # "JetDirect": what every network receipt printer listens on
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?$")


_REASONS = {  # the OS's own text (exc.strerror) is English; the cashier reads this
    errno.ENOENT: "no está conectada (no existe ese dispositivo)",
    errno.EACCES: "no hay permiso para usarla (el usuario debe estar en el grupo «lp»)",
    errno.ENODEV: "no está conectada", errno.EIO: "no contesta (¿apagada o sin papel?)",
    errno.ECONNREFUSED: "rechazó la conexión (revisa la IP y el puerto)",
    errno.EHOSTUNREACH: "no se encuentra en la red",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0, "no se pudo comunicar con ella")


class PrinterConfigError(DomainError):
    code = "invalid_printer"


@dataclass(frozen=True, slots=True)
class FilePrinter:
    """A printer the system shows as a file (/dev/usb/lp0, a serial port, or a plain file in
    tests and for keeping copies). Appends, so a plain file collects every ticket."""

    path: str
    paper_mm: int = 80

    def print_document(self, document: Document) -> None:
        self._write(render_escpos(document, self.paper_mm))

    def open_drawer(self) -> None:
        self._write(drawer_kick())

    def _write(self, data: bytes) -> None:
        try:
            with open(self.path, "ab") as device:
                device.write(data)
                device.flush()
                # A plain file must be on disk when we say "printed"; a character device
                # (the USB printer) has nothing to sync and refuses, which is fine.
                try:
                    os.fsync(device.fileno())
                except OSError:
                    if os.path.isfile(self.path):
                        raise
        except OSError as exc:
            raise PrinterError(f"La impresora no responde: {_reason(exc)}.",
                               code="printer_offline") from exc


@dataclass(frozen=True, slots=True)
class NetworkPrinter:
    """An Ethernet or Wi-Fi ticket printer taking raw ESC/POS on a TCP port."""

    host: str
    port: int = RAW_PORT
    paper_mm: int = 80
    timeout: float = 5.0

    def print_document(self, document: Document) -> None:
        self._send(render_escpos(document, self.paper_mm))

    def open_drawer(self) -> None:
        self._send(drawer_kick())

    def _send(self, data: bytes) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                conn.sendall(data)
        except TimeoutError as exc:
            raise PrinterError(f"La impresora no responde: {self.host}:{self.port} no contestó.",
                               code="printer_offline") from exc
        except OSError as exc:
            raise PrinterError(
                f"La impresora no responde: {self.host}:{self.port} {_reason(exc)}.",
                code="printer_offline") from exc


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    kind: PrinterKind
    target: str
    paper_mm: int


def _parse_network(target: str) -> tuple[str, int]:
    host, _, port_text = target.rpartition(":") if ":" in target else (target, "", "")
    if not _HOST.fullmatch(host):
        raise PrinterConfigError(f"«{target}» no es una dirección de impresora. "
                                 "Ejemplo: 192.168.1.50 o 192.168.1.50:9100.")
    if not port_text:
        return host, RAW_PORT
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise PrinterConfigError(f"El puerto «{port_text}» no es válido (de 1 a 65535).")
    return host, int(port_text)


def validate(kind: str, target: str, paper_mm: int) -> PrinterConfig:
    """Check what someone typed in the printer settings; Spanish refusals."""
    if kind not in KINDS:
        raise PrinterConfigError("Elige un tipo de impresora: ninguna, archivo o red.")
    if paper_mm not in COLUMNS:
        raise PrinterConfigError("El papel debe ser de 58 mm o de 80 mm.")
    target = target.strip()
    if kind == "none":
        return PrinterConfig("none", "", paper_mm)
    if not target:
        raise PrinterConfigError("Escribe dónde está la impresora (archivo o dirección de red).")
    if any(ord(ch) < 32 for ch in target) or len(target) > 300:
        raise PrinterConfigError("La ubicación de la impresora no es válida.")
    if kind == "network":
        _parse_network(target)
    return PrinterConfig(kind, target, paper_mm)


def stored_config(kind: str | None, target: str | None, paper_mm: int) -> PrinterConfig:
    """The settings as kept; a hand-edited store's nonsense means no printer (receipts on screen)."""
    known = next((k for k in KINDS if k == (kind or "none")), None)
    if known is None or paper_mm not in COLUMNS:
        return PrinterConfig("none", "", 80)
    return PrinterConfig(known, target or "", paper_mm)


def printer_for(config: PrinterConfig) -> Printer | None:
    if config.kind == "file":
        return FilePrinter(config.target, config.paper_mm)
    if config.kind == "network":
        host, port = _parse_network(config.target)
        return NetworkPrinter(host, port, config.paper_mm)
    return None


def describe(config: PrinterConfig) -> str:
    """The settings in a sentence, for the "current printer" line and the audit log."""
    if config.kind == "none":
        return "Sin impresora: los tickets se muestran en pantalla."
    where = "USB o archivo" if config.kind == "file" else "Red"
    return f"{where}: {config.target} · papel de {config.paper_mm} mm."


SAMPLE_TEXT = f"Ñandú ¿acentos? áéíóú {format_mxn(123_450)}"
SAMPLE_QR = "https://factura.michangarrito.mx/prueba"


def sample_document(shop_name: str, when: datetime, config: PrinterConfig) -> Document:
    """A short page that shows at a glance whether accents, amounts, the QR and the paper
    width come out right (``when`` in the shop's local time)."""
    doc = DocumentBuilder()
    doc.add(shop_name, Style.TITLE)
    doc.add("Prueba de impresora", Style.CENTER)
    doc.rule()
    doc.add(f"Fecha: {when:%d/%m/%Y %H:%M}")
    doc.add(f"Papel: {config.paper_mm} mm ({columns(config.paper_mm)} columnas)")
    doc.add(SAMPLE_TEXT)
    doc.add("Importe", right=format_mxn(123_450))
    doc.rule()
    doc.add("Si los acentos y el QR salen bien,", Style.CENTER)
    doc.add("la impresora quedó lista.", Style.CENTER)
    return doc.build(qr=SAMPLE_QR, qr_caption="Escanea el QR para probarlo",
                     title="Prueba de impresora")
