"""The kiosk tests' window into a running till: what its screens show, read-only, on request.

Only started when ``MCH_UI_PROBE`` names a folder (``pos_client.app``); a till in a shop never
has it. The tests drive the till as a person does, with X key and mouse events, and read the
outcome from the till's SQLite store and screenshots; what neither shows (where the keyboard
is, which window is on top, whether a text is cut) they ask here: they write a number to
``request`` and this writes ``state-<number>.json`` (atomically), then removes the request.
It never acts on the screens.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pos_client.ui.elision import cut_texts
from pos_client.ui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QObject,
    QPoint,
    Qt,
    QTimer,
    QWidget,
)

POLL_MS = 50


def _rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def _text(widget: QWidget) -> str | None:
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        return widget.text()
    return None


def _rows(view: QAbstractItemView, limit: int = 40) -> list[list[str]]:
    model = view.model()
    if model is None:
        return []
    return [[str(model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) or "")
             for c in range(model.columnCount())] for r in range(min(model.rowCount(), limit))]


def _named(window: QWidget) -> dict[str, Any]:
    """The window's widgets that have an object name (tests find them by it), and its buttons
    by their text (a test taps them where they are)."""
    named: dict[str, Any] = {}
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        name = widget.objectName()
        entry: dict[str, Any] = {"rect": _rect(widget), "class": type(widget).__name__,
                                 "enabled": widget.isEnabled()}
        if (text := _text(widget)) is not None:
            entry["text"] = text
        if isinstance(widget, QAbstractItemView) and name:
            entry["rows"] = _rows(widget)
            entry["current"] = widget.currentIndex().row()
        if name and not name.startswith("qt_"):
            named[name] = entry
        if isinstance(widget, QAbstractButton) and widget.text():
            named.setdefault(f"button:{widget.text()}", entry)
    return named


def snapshot() -> dict[str, Any]:
    active = QApplication.activeWindow()
    focus = QApplication.focusWidget()
    windows = []
    for window in QApplication.topLevelWidgets():
        if not window.isVisible() or window.isHidden():
            continue
        windows.append({
            "class": type(window).__name__, "title": window.windowTitle(),
            "rect": _rect(window), "active": window is active,
            "full_screen": window.isFullScreen(), "modal": window.isModal(),
            "widgets": _named(window), "cut": cut_texts(window),
        })
    return {
        "windows": windows,
        "active": active.windowTitle() if active is not None else None,
        "focus": {"class": type(focus).__name__, "name": focus.objectName(),
                  "window": focus.window().windowTitle()} if focus is not None else None,
    }


class Probe(QObject):
    def __init__(self, parent: QObject, folder: Path) -> None:
        super().__init__(parent)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        request = self.folder / "request"
        try:
            number = int(request.read_text().strip() or "0")
        except (OSError, ValueError):
            return
        answer = self.folder / f"state-{number}.json"
        partial = answer.with_suffix(".tmp")
        partial.write_text(json.dumps(snapshot(), ensure_ascii=False))
        os.replace(partial, answer)
        request.unlink(missing_ok=True)
