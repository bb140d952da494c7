"""A printable document, independent of the printer: what a ticket, a corte or a statement says.

Screens and services build a ``Document``; a ``Printer`` renders it (ESC/POS bytes for a
thermal printer, or an on-screen preview when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Style(StrEnum):
    NORMAL = "normal"
    BOLD = "bold"
    TITLE = "title"  # double size, centred
    CENTER = "center"
    RULE = "rule"  # a line of dashes across the paper; text is ignored


@dataclass(frozen=True, slots=True)
class Line:
    text: str = ""
    style: Style = Style.NORMAL
    right: str = ""  # printed flush right on the same line (amounts)


@dataclass(frozen=True, slots=True)
class Document:
    lines: tuple[Line, ...]
    qr: str | None = None  # printed after the lines (e.g. the invoice-request link)
    qr_caption: str | None = None
    open_drawer: bool = False  # kick the cash drawer after printing (cash sales)
    title: str = ""  # for the preview window and logs

    @property
    def drawer_only(self) -> bool:
        """Nothing to print, only the drawer to open: no paper comes out, none is cut."""
        return self.open_drawer and not self.lines and not self.qr


# Opening the drawer without a sale (change for a customer, a test of the drawer).
DRAWER_KICK = Document((), open_drawer=True, title="Cajón")


@dataclass
class DocumentBuilder:
    lines: list[Line] = field(default_factory=list)

    def add(self, text: str = "", style: Style = Style.NORMAL, right: str = "") -> DocumentBuilder:
        self.lines.append(Line(text, style, right))
        return self

    def rule(self) -> DocumentBuilder:
        return self.add(style=Style.RULE)

    def build(self, *, qr: str | None = None, qr_caption: str | None = None,
              open_drawer: bool = False, title: str = "") -> Document:
        return Document(tuple(self.lines), qr, qr_caption, open_drawer, title)


class PrinterError(Exception):
    """The printer could not print (unplugged, out of paper, unreachable). Spanish message."""

    def __init__(self, message: str, code: str = "printer_error") -> None:
        super().__init__(message)
        self.message, self.code = message, code


class Printer(Protocol):
    """Blocking; call it from the worker thread, never the Qt thread."""

    def print_document(self, document: Document) -> None: ...

    def open_drawer(self) -> None: ...
