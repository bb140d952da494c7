"""Keeping the keyboard where the cashier expects it, with or without a window manager.

On a desktop, the window manager activates a dialog when it opens and gives the keyboard back
to the counter when it closes. Tills often run X with no window manager at all (a kiosk set-up
that starts the POS and nothing else); there nobody does either, and every key would go
nowhere. This filter does it for the whole application: a window or dialog that shows is
activated (unless it asked not to be, like the receipt preview beside the counter), and when
the keyboard ends up nowhere it goes back to the window on top.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget


class KeyboardKeeper(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        app.installEventFilter(self)
        app.focusChanged.connect(self._focus_changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and isinstance(watched, QDialog | QMainWindow) \
                and watched.isWindow() \
                and not watched.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating):
            QTimer.singleShot(0, lambda w=watched: self._activate(w))
        return False

    def _activate(self, window: QWidget) -> None:
        if window.isVisible() and QApplication.activeWindow() is not window:
            window.raise_()
            window.activateWindow()

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            QTimer.singleShot(0, self._reclaim)

    def _reclaim(self) -> None:
        if QApplication.focusWidget() is not None:
            return
        target = QApplication.activeModalWidget() or next(
            (w for w in reversed(QApplication.topLevelWidgets())
             if w.isVisible() and isinstance(w, QDialog | QMainWindow)), None)
        if target is not None:
            target.activateWindow()


def keep_keyboard(app: QApplication) -> KeyboardKeeper:
    """Install once per application (a second call returns the first keeper)."""
    keeper = app.findChild(KeyboardKeeper)
    return keeper if isinstance(keeper, KeyboardKeeper) else KeyboardKeeper(app)
