"""Issue 12: the owner sets this till's screen mode and approvals' grace in the back room."""

from __future__ import annotations

from pos_client.services import till_settings
from pos_client.ui.backroom.printer_page import PrinterPage
from pos_client.ui.context import AppContext
from pos_client.ui.qt import Qt


def test_the_box_shows_and_saves_this_tills_settings(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = PrinterPage(ctx)
    qtbot.addWidget(page)
    box = page.till_box
    assert box.full_screen.isChecked()
    assert box.minutes.value() == 5
    box.full_screen.setChecked(False)
    box.minutes.setValue(15)
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.settings.approval_minutes == 15)  # the grace applies at once
    assert not ctx.settings.full_screen
    assert box.message.text() == "Guardado: En ventana; autorizaciones por 15 minutos."
    assert till_settings.load(ctx.till) == ctx.settings
    assert box.save_button.isEnabled()
