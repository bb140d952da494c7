"""The Impresora page: shows and saves this till's printer (the counter uses it at once), prints a
test page, tests the drawer, and says what went wrong in Spanish."""

from __future__ import annotations

import shutil
import socket

import pytest
from sqlalchemy import text

from pos_client.receipts.escpos import CODE_PAGE, drawer_kick
from pos_client.receipts.printers import (
    SAMPLE_QR,
    SAMPLE_TEXT,
    FilePrinter,
    NetworkPrinter,
    PrinterConfig,
)
from pos_client.services.hardware import printer_settings, save_printer
from pos_client.ui.auth import PinDialog
from pos_client.ui.backroom.printer_page import PrinterPage
from pos_client.ui.backroom.window import BackRoomWindow
from pos_client.ui.printing import PreviewDialog
from pos_client.ui.qt import QPoint, QPushButton, Qt
from shared.permissions import Role
from tests.support.builders import cashier
from tests.support.qt import show_active

pytestmark = pytest.mark.unit

QR, CUT = b"\x1d(k", b"\x1dV"


def _page(qtbot, ctx) -> PrinterPage:  # type: ignore[no-untyped-def]
    page = PrinterPage(ctx)
    qtbot.addWidget(page)
    page.resize(1024, 600)
    show_active(qtbot, page)
    qtbot.waitUntil(lambda: page.current_label.text().startswith("Ahora:"))
    return page


def _audits(ctx) -> list[tuple[str, str | None, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with ctx.till.db.read() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT action, cashier_id, authorized_by, detail FROM audit_events ORDER BY at"))]


def _closed_port() -> int:
    """A localhost port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_new_till_shows_no_printer_and_the_target_is_off(qtbot, ctx):
    page = _page(qtbot, ctx)
    assert page.current_label.text() == "Ahora: Sin impresora: los tickets se muestran en pantalla."
    assert page.kind_buttons["none"].isChecked()
    assert not page.target.isEnabled()
    assert page.paper_buttons[80].isChecked()
    page.kind_buttons["network"].click()
    assert page.target.isEnabled()
    assert page.target.placeholderText() == "192.168.1.50:9100"


def test_the_saved_printer_is_shown_on_load(qtbot, ctx):
    save_printer(ctx.till, "network", "192.168.1.50:9100", 58, None)
    page = _page(qtbot, ctx)
    assert page.kind_buttons["network"].isChecked()
    assert page.target.text() == "192.168.1.50:9100"
    assert page.paper_buttons[58].isChecked()
    assert page.current_label.text() == "Ahora: Red: 192.168.1.50:9100 · papel de 58 mm."


def test_saving_keeps_the_settings_switches_the_counters_printer_and_is_audited(qtbot, ctx, tmp_path):
    page = _page(qtbot, ctx)
    path = str(tmp_path / "lp0")
    page.kind_buttons["file"].click()
    page.target.setText(path)
    page.paper_buttons[58].click()
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "guardada" in page.message.text())
    assert printer_settings(ctx.till) == PrinterConfig("file", path, 58)
    assert ctx.printer == FilePrinter(path, 58)
    assert page.current_label.text() == f"Ahora: USB o archivo: {path} · papel de 58 mm."
    assert _audits(ctx) == [("settings", str(ctx.session.cashier.id), None,
                             f"Impresora: USB o archivo: {path} · papel de 58 mm.")]

    page.kind_buttons["none"].click()  # back to the on-screen preview
    page.save_button.click()
    qtbot.waitUntil(lambda: ctx.worker.idle and ctx.printer is None)
    assert printer_settings(ctx.till) == PrinterConfig("none", "", 58)
    assert "en pantalla" in page.message.text()


@pytest.mark.parametrize(("kind", "typed", "said"), [
    ("network", "192.168.1.50:99999", "El puerto «99999» no es válido (de 1 a 65535)."),
    ("network", "mi impresora", "«mi impresora» no es una dirección de impresora."),
    ("file", "   ", "Escribe dónde está la impresora (archivo o dirección de red)."),
])
def test_a_bad_location_is_refused_in_spanish_and_nothing_changes(qtbot, ctx, tmp_path, kind, typed,
                                                                   said):
    before = ctx.printer = FilePrinter(str(tmp_path / "lp0"))
    page = _page(qtbot, ctx)
    page.kind_buttons[kind].click()
    page.target.setText(typed)
    page.save_button.click()
    assert page.message.text().startswith(said)
    assert "b00020" in page.message.styleSheet()
    page.test_button.click()  # the test print refuses it the same way
    assert page.message.text().startswith(said)
    qtbot.waitUntil(lambda: ctx.worker.idle)
    assert printer_settings(ctx.till) == PrinterConfig("none", "", 80)
    assert ctx.printer is before
    assert _audits(ctx) == []


def test_the_test_page_prints_accents_in_cp858_a_qr_and_a_cut_without_saving(qtbot, ctx, tmp_path):
    lp0 = tmp_path / "lp0"
    page = _page(qtbot, ctx)
    page.kind_buttons["file"].click()
    page.target.setText(str(lp0))
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Prueba enviada" in page.message.text())
    assert "guarda (Ctrl+S)" in page.message.text()  # tried, not saved yet
    printed = lp0.read_bytes()
    assert SAMPLE_TEXT.encode(CODE_PAGE) in printed
    assert "Ñandú ¿acentos? áéíóú $1,234.50".encode("cp858") in printed
    assert ctx.till.device.shop_name.encode(CODE_PAGE) in printed
    assert SAMPLE_QR.encode() in printed
    assert QR in printed
    assert printed.index(QR) < printed.rindex(CUT)
    assert drawer_kick() not in printed  # a test page never opens the cash
    assert printer_settings(ctx.till).kind == "none"
    assert ctx.printer is None


def test_the_test_page_without_a_printer_is_a_preview(qtbot, ctx):
    page = _page(qtbot, ctx)
    page.test_button.click()
    qtbot.waitUntil(lambda: isinstance(page.preview_dialog, PreviewDialog))
    shown = page.preview_dialog.text.toPlainText()
    assert SAMPLE_TEXT in shown
    assert "Prueba de impresora" in shown
    assert page.preview_dialog.qr_label is not None


def test_an_unplugged_usb_printer_says_why_in_spanish(qtbot, ctx, tmp_path):
    gone = tmp_path / "usb"
    gone.mkdir()
    page = _page(qtbot, ctx)
    page.kind_buttons["file"].click()
    page.target.setText(str(gone / "lp0"))
    shutil.rmtree(gone)
    page.test_button.click()
    qtbot.waitUntil(lambda: ctx.worker.idle and page.test_button.isEnabled())
    assert page.message.text() == ("La impresora no responde: no existe ese archivo o dispositivo; "
                                   "revisa que esté conectada y la ruta.")
    assert "b00020" in page.message.styleSheet()


def test_a_network_printer_that_refuses_says_so(qtbot, ctx):
    port = _closed_port()
    page = _page(qtbot, ctx)
    page.kind_buttons["network"].click()
    page.target.setText(f"127.0.0.1:{port}")
    page.test_button.click()
    qtbot.waitUntil(lambda: ctx.worker.idle and page.test_button.isEnabled())
    assert page.message.text() == ("La impresora no responde: rechazó la conexión; revisa la IP y el "
                                   "puerto (casi siempre 9100).")


def test_the_test_page_reaches_a_network_printer(qtbot, ctx):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        page = _page(qtbot, ctx)
        page.kind_buttons["network"].click()
        page.target.setText(f"127.0.0.1:{server.getsockname()[1]}")
        page.paper_buttons[58].click()
        page.test_button.click()
        qtbot.waitUntil(lambda: "Prueba enviada" in page.message.text())
        conn, _ = server.accept()  # the printer's side: everything was sent before closing
        with conn:
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
    assert SAMPLE_TEXT.encode(CODE_PAGE) in received
    assert received.endswith(CUT + b"\x00")


def test_the_drawer_button_needs_permission_kicks_and_is_audited(qtbot, ctx, tmp_path, owner):
    lp0 = tmp_path / "lp0"
    save_printer(ctx.till, "file", str(lp0), 80, None)
    pepe = cashier(ctx.till, "Pepe", Role.CASHIER, "0000")
    ctx.session.cashier = pepe
    page = _page(qtbot, ctx)
    qtbot.keyClick(page, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    pin = page.pin_dialog
    assert isinstance(pin, PinDialog)
    qtbot.keyClicks(pin.pin_input, "0000")  # Pepe may not open the drawer
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "no tiene permiso" in pin.error_label.text(), timeout=10_000)
    assert not lp0.exists()
    qtbot.keyClicks(pin.pin_input, "1234")
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "cajón" in page.message.text(), timeout=10_000)
    assert lp0.read_bytes() == drawer_kick()
    assert [a for a in _audits(ctx) if a[0] != "settings"] == [  # (the set-up saved the printer)
        ("open_drawer", str(pepe.id), str(owner.id), "Prueba del cajón (Impresora)")]


def test_without_a_printer_there_is_no_drawer_to_open(qtbot, ctx):
    page = _page(qtbot, ctx)
    page.drawer_button.click()
    assert page.message.text().startswith("Sin impresora no hay cajón")
    assert page.pin_dialog is None
    assert _audits(ctx) == []


def test_the_page_fits_the_back_room_at_1024x600_with_big_buttons(qtbot, ctx):
    ctx.printer = NetworkPrinter("192.168.1.50")
    window = BackRoomWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1024, 600)
    show_active(qtbot, window)
    page = window.page("Impresora")
    assert isinstance(page, PrinterPage)
    qtbot.waitUntil(lambda: page.current_label.text().startswith("Ahora:"))
    buttons = page.findChildren(QPushButton)
    assert {b.text() for b in buttons} == {"Guardar (Ctrl+S)", "Imprimir prueba (Ctrl+P)",
                                           "Abrir cajón (Ctrl+D)", "Guardar esta caja"}
    box = page.till_box  # this till's own settings (issue 12), on the same page
    for widget in [*buttons, page.target, page.message, *page.kind_buttons.values(),
                   box.full_screen, box.minutes]:
        assert widget.isVisible()
        bottom = widget.mapTo(window, QPoint(0, widget.height())).y()
        right = widget.mapTo(window, QPoint(widget.width(), 0)).x()
        assert bottom <= window.height(), widget
        assert right <= window.width(), widget
    for widget in [*buttons, *page.kind_buttons.values(), *page.paper_buttons.values()]:
        assert widget.height() >= 48
