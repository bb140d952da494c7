"""Qt test helpers."""

from __future__ import annotations

from pos_client.ui.qt import QApplication, QWidget


def show_active(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Show a window and wait until it is the active one, so its keyboard shortcuts fire."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
