"""The keyboard goes back to our windows only after one of ours closes, and to the right one."""

from __future__ import annotations

import pytest

from pos_client.ui.focus import keep_keyboard
from pos_client.ui.qt import QApplication, QDialog, QMainWindow

pytestmark = pytest.mark.unit


def test_nothing_is_taken_back_from_another_program(qtbot):
    keep_keyboard(QApplication.instance())
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QApplication.setActiveWindow(None)  # the cashier switched to another program
    for _ in range(3):  # run what a keeper would have queued (it queues with 0-ms timers)
        QApplication.processEvents()
    assert QApplication.activeWindow() is None


def test_a_closed_dialog_hands_the_keyboard_to_the_window_that_had_it_last(qtbot):
    keep_keyboard(QApplication.instance())
    back_room, counter = QMainWindow(), QMainWindow()
    for w in (back_room, counter):
        qtbot.addWidget(w)
        w.show()
        w.activateWindow()
        qtbot.waitUntil(lambda w=w: QApplication.activeWindow() is w)
    dialog = QDialog(counter)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # shown: activated
    QApplication.setActiveWindow(None)  # no window manager hands it back on close
    dialog.close()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is counter)
