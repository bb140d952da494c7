"""Small widget helpers the counter's dialogs share: fonts, touch-sized buttons, error style."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPushButton

ERROR_STYLE = "color: #b00020;"
TOUCH_HEIGHT = 52  # a fingertip on a 10" tablet


def font(size: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(size)
    f.setBold(bold)
    return f


def touch_button(text: str, slot: Callable[[], object]) -> QPushButton:
    """A button big enough for a finger. Never the dialog's default: Enter belongs to the
    fields (returnPressed), and a default button would also fire on it (e.g. "Exacto" would
    overwrite the cash typed)."""
    button = QPushButton(text)
    button.setMinimumHeight(TOUCH_HEIGHT)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button
