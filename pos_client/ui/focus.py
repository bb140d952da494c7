"""Keeping the keyboard where the cashier expects it, with or without a window manager.

On a desktop, the window manager activates a dialog when it opens and gives the keyboard back
to the window below when it closes. Tills often run X with no window manager at all (a kiosk
set-up that starts the POS and nothing else); there nobody does either, and every key would go
nowhere. This filter does both for the application's own windows: one that shows is activated
(unless it asked not to be, like the receipt preview beside the counter), and when one of them
hides or closes, the keyboard goes back to the modal dialog still open or else to the window
that had it last. It never acts when another program has taken the keyboard: only our own
windows hiding trigger it.
"""

from __future__ import annotations

import weakref

from pos_client.ui.qt import QApplication, QDialog, QEvent, QMainWindow, QObject, Qt, QTimer, QWidget, isValid

RECLAIM_AFTER_MS = (0, 100, 300)
_WATCHED = frozenset({QEvent.Type.Show, QEvent.Type.WindowActivate, QEvent.Type.Hide,
                      QEvent.Type.Close})


def _is_ours(watched: QObject) -> bool:
    return isinstance(watched, QDialog | QMainWindow) and watched.isWindow()


def _wants_activation(window: QWidget) -> bool:
    return not window.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)


class KeyboardKeeper(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._recent: list[weakref.ref[QWidget]] = []  # activated windows, latest first
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Every event of the application passes here: the cheap test on its type comes first.
        kind = event.type()
        if kind not in _WATCHED or not _is_ours(watched):
            return False
        assert isinstance(watched, QWidget)
        if kind == QEvent.Type.Show and _wants_activation(watched):
            QTimer.singleShot(0, lambda w=watched: self._activate(w))
            # Known from the moment it shows, not only once activated: a dialog opened at
            # once over a new window (the PIN over the counter at start) may win the
            # activation, and the window below must still get the keyboard back after it.
            if not any(r() is watched for r in self._recent):
                self._recent.append(weakref.ref(watched))
        elif kind == QEvent.Type.WindowActivate:
            self._recent = [r for r in self._recent
                            if (w := r()) is not None and isValid(w) and w is not watched]
            self._recent.insert(0, weakref.ref(watched))
        elif kind in (QEvent.Type.Hide, QEvent.Type.Close):
            # The X server says the focus moved only after the window is gone: look again a
            # moment later, or a closed dialog could leave the keyboard with nobody.
            for delay in RECLAIM_AFTER_MS:
                QTimer.singleShot(delay, self._reclaim)
        return False

    def _activate(self, window: QWidget) -> None:
        if isValid(window) and window.isVisible() and QApplication.activeWindow() is not window:
            window.raise_()
            window.activateWindow()

    def _reclaim(self) -> None:
        """After one of our windows went away: if nothing of ours has the keyboard, give it to
        the open modal dialog, or to the visible window that had it most recently."""
        active = QApplication.activeWindow()
        if active is not None and active.isVisible():
            return
        self._recent = [r for r in self._recent if (w := r()) is not None and isValid(w)]
        target = QApplication.activeModalWidget() or next(
            (w for r in self._recent if (w := r()) is not None
             and w.isVisible() and not w.isMinimized() and _wants_activation(w)), None)
        if target is not None:
            target.activateWindow()


def keep_keyboard(app: QApplication) -> KeyboardKeeper:
    """Install once per application (a second call returns the first keeper)."""
    keeper = app.findChild(KeyboardKeeper)
    return keeper if isinstance(keeper, KeyboardKeeper) else KeyboardKeeper(app)


def show_full_screen(window: QWidget) -> None:
    """Full screen with or without a window manager: without one, nobody honours the
    full-screen state, so the window also takes the screen's whole geometry itself."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        window.setGeometry(screen.geometry())
    window.showFullScreen()


def show_like(window: QWidget, model: QWidget) -> None:
    """Show a secondary window the way the counter is shown: full screen on a kiosk till (a
    smaller window in a corner would leave the counter's buttons showing, and reachable, around
    it), a normal window on a desktop."""
    if model.isFullScreen():
        show_full_screen(window)
    else:
        window.show()
