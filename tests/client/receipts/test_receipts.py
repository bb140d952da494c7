"""Receipts: the sale ticket's content, its ESC/POS bytes on 58 and 80 mm paper, the printers
(file and network) and their failures, the printer settings, and print-or-preview."""

from __future__ import annotations

import shutil
import socket
import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pos_client.receipts.document import DocumentBuilder, PrinterError, Style
from pos_client.receipts.escpos import render_escpos
from pos_client.receipts.printers import FilePrinter, NetworkPrinter, PrinterConfigError
from pos_client.receipts.text import render_text
from pos_client.services import accounts, local
from pos_client.services.accounts import CustomerDraft
from pos_client.services.hardware import load_printer, save_printer
from pos_client.services.returns import return_sale
from pos_client.services.sales import record_sale
from pos_client.services.tickets import UnknownSale, receipt, reprint
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from pos_client.ui.printing import PreviewDialog, print_or_preview
from shared.ids import new_uuid7
from shared.sale import PaymentMethod, Tender
from shared.sync.payloads import (
    SETTINGS_ID,
    FiadoChargePayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SettingsPayload,
)
from shared.tax import IvaRate
from tests.support.builders import record
from tests.support.sales import ticket_for

COKE, BEANS = "7501055300075", "1001"  # $22.00 IVA 16 %; $38.00/kg IVA 0 %, by weight
INIT_AND_CP858 = b"\x1b@\x1bt\x13"
QR, CUT, KICK = b"\x1d(k", b"\x1dV", b"\x1bp\x00"


def _cash_sale(db, device, pieces=2, tendered=5000):
    return record_sale(Till(db, device), ticket_for(db, COKE, pieces), [Tender(PaymentMethod.CASH, tendered)])


def _shop_settings(db, device, timezone="America/Tijuana"):
    record(Till(db, device), "settings", SettingsPayload(
        id=SETTINGS_ID, shop_name="Abarrotes Doña Mary", address="Calle Niños Héroes 12",
        phone="+526641234567", rfc="MAHM800101AB1", timezone=timezone,
        receipt_footer="¿Le faltó algo? ¡Vuelva pronto!"))


def _stored_sale(db, device, payments, customer_id=None, cashier_id=None):
    """A sale with a discounted coke line and half a kilo of beans, stored at a known time."""
    with db.read() as conn:
        coke, beans = catalog.by_barcode(conn, COKE), catalog.by_barcode(conn, BEANS)
    lines = [
        SaleLinePayload(line_no=1, product_id=coke.id, name=coke.name, qty_milli=3000,
                        unit_price=2200, total=6500, iva=IvaRate.GENERAL, discount=100),
        SaleLinePayload(line_no=2, product_id=beans.id, name=beans.name, qty_milli=500,
                        unit_price=3800, total=1900, iva=IvaRate.TASA_CERO),
    ]
    sale = SalePayload(
        id=new_uuid7(), folio="T1-000077", sold_at=datetime(2025, 1, 15, 18, 30, tzinfo=UTC),
        total=8400, change=0, lines=lines, customer_id=customer_id, cashier_id=cashier_id,
        payments=[SalePaymentPayload(method=m, amount=a, tendered=a, reference=r)
                  for m, a, r in payments])
    with db.write() as conn:
        local.save(conn, Till(db, device), "sale", sale)
        for m, a, _ in payments:
            if m is PaymentMethod.FIADO:
                local.save(conn, Till(db, device), "fiado_charge", FiadoChargePayload(
                    id=new_uuid7(), customer_id=customer_id, amount=a, sale_id=sale.id,
                    charged_at=sale.sold_at))
    return sale.id


def _count(db, sql):
    with db.read() as conn:
        return conn.execute(text(sql)).scalar_one()


# ---- ESC/POS bytes ----------------------------------------------------------------------------


def test_a_cash_sale_prints_folio_lines_iva_qr_cut_and_kicks_the_drawer(stocked, device):
    sale = _cash_sale(stocked, device)
    data = render_escpos(receipt(Till(stocked, device), sale.sale_id), 80)
    assert data.startswith(INIT_AND_CP858)
    assert f"Folio: {sale.folio}".encode() in data
    assert b"Coca-Cola 600 ml" in data
    assert b"TOTAL" + b" " * 37 + b"$44.00\n" in data  # amount flush right on 48 columns
    assert b"IVA 16%" + b" " * 36 + b"$6.07\n" in data  # 44.00 − 44.00 / 1.16
    assert b"Cambio" in data
    assert b"$6.00" in data
    qr_at = data.index(QR)
    assert f"https://factura.michangarrito.mx/{sale.sale_id}".encode() in data[qr_at:]
    assert data.index(b"Escanea para pedir tu factura") > qr_at
    assert data.index(CUT) > qr_at
    assert data.endswith(KICK + b"22")  # ESC p 0 on pin 2, after the cut


@pytest.mark.parametrize(("paper_mm", "width"), [(58, 32), (80, 48)])
def test_lines_fit_the_paper(stocked, device, paper_mm, width):
    sale = _cash_sale(stocked, device)
    data = render_escpos(receipt(Till(stocked, device), sale.sale_id), paper_mm)
    assert b"\n" + b"-" * width + b"\n" in data
    assert b"-" * (width + 1) not in data
    assert b"TOTAL" + b" " * (width - 11) + b"$44.00\n" in data
    text_lines = render_text(receipt(Till(stocked, device), sale.sale_id), paper_mm).splitlines()
    assert max(len(line) for line in text_lines if not line.startswith("[QR]")) == width


def test_text_is_encoded_in_code_page_858():
    doc = DocumentBuilder().add("Año: ñ").add("¿Cuánto? $5 €", Style.BOLD).add("Flecha →").build()
    data = render_escpos(doc, 58)
    assert b"A\xa4o: \xa4\n" in data  # ñ is 0xA4 in CP858
    assert b"\xa8Cu\xa0nto? $5 \xd5\n" in data  # ¿ 0xA8, á 0xA0, € 0xD5
    assert b"Flecha ?\n" in data  # no such character on the printer: a question mark
    assert "ñ".encode() not in data
    assert b"\x1bt" not in data[len(INIT_AND_CP858):]  # one code page, chosen once
    assert QR not in data
    assert KICK not in data
    assert CUT in data


def test_a_long_title_keeps_the_whole_width_and_a_short_one_is_double():
    short = render_escpos(DocumentBuilder().add("La Esquina", Style.TITLE).build(), 58)
    long = render_escpos(DocumentBuilder().add("Abarrotes y Cremería Doña Mary", Style.TITLE)
                         .build(), 58)
    assert b"\x1b!0" in short
    assert b"La Esquina\n" in short
    assert b"\x1b!\x10" in long  # ESC ! 0x10: double height only, 30 letters on 32 columns
    assert b"Abarrotes y Cremer\xa1a Do\xa4a Mary\n" in long


# ---- what the ticket says -----------------------------------------------------------------------


def test_the_ticket_says_everything_in_the_shops_time_zone(stocked, device, owner):
    _shop_settings(stocked, device)
    sale_id = _stored_sale(stocked, device, [(PaymentMethod.CARD, 8400, "4321")],
                           cashier_id=owner.id)
    doc = receipt(Till(stocked, device), sale_id)
    printed = render_text(doc, 80)
    for expected in [
        "Abarrotes Doña Mary", "Calle Niños Héroes 12", "RFC: MAHM800101AB1",
        "Folio: T1-000077", "Fecha: 15/01/2025 10:30",  # 18:30 UTC is 10:30 in Tijuana (PST)
        "Atendió: Doña Mary", "  3 x $22.00" + " " * 30 + "$66.00",
        "  Descuento" + " " * 31 + "-$1.00", "  0.500 kg x $38.00" + " " * 23 + "$19.00",
        "TOTAL" + " " * 37 + "$84.00", "IVA 16%" + " " * 36 + "$8.97", "IVA 0%",
        "Tarjeta" + " " * 35 + "$84.00", "  Ref. 4321", "¿Le faltó algo? ¡Vuelva pronto!",
    ]:
        assert expected in printed, expected
    assert "REIMPRESIÓN" not in printed
    assert "Cambio" not in printed
    assert not doc.open_drawer  # no cash: the drawer stays shut
    assert doc.qr == f"https://factura.michangarrito.mx/{sale_id}"


def test_without_settings_the_ticket_uses_the_device_shop_name_and_mexico_city(stocked, device):
    sale_id = _stored_sale(stocked, device, [(PaymentMethod.CASH, 8400, None)])
    printed = render_text(receipt(Till(stocked, device), sale_id))
    assert "Mi tienda" in printed
    assert "Fecha: 15/01/2025 12:30" in printed


def test_a_fiado_ticket_names_the_customer(stocked, device):
    customer = accounts.save_customer(Till(stocked, device), CustomerDraft("Don Pepe")).id
    sale_id = _stored_sale(stocked, device, [(PaymentMethod.FIADO, 8400, None)], customer)
    doc = receipt(Till(stocked, device), sale_id)
    assert "Cliente: Don Pepe" in render_text(doc)
    assert "A cuenta (fiado)" in render_text(doc)
    assert not doc.open_drawer


def test_a_reprint_is_marked_audited_shows_returns_and_keeps_the_drawer_shut(stocked, device, owner):
    sale = _cash_sale(stocked, device, pieces=3, tendered=6600)
    return_sale(Till(stocked, device), sale.sale_id, "Venía abollada", {1: 1000}, owner.id)
    doc = reprint(Till(stocked, device), sale.sale_id, owner.id)
    printed = render_text(doc)
    assert "*** REIMPRESIÓN ***" in printed
    assert "DEVOLUCIONES" in printed
    assert "Venía abollada" in printed
    assert "  1 Coca-Cola 600 ml" in printed
    assert "Total devuelto" + " " * 27 + "-$22.00" in printed
    assert "VENTA CANCELADA" not in printed
    assert KICK not in render_escpos(doc)
    assert _count(stocked, "SELECT count(*) FROM audit_events WHERE action = 'reprint' "
                           f"AND subject_id = '{sale.sale_id}' AND cashier_id = '{owner.id}'") == 1
    assert _count(stocked, "SELECT entity FROM outbox ORDER BY device_seq DESC LIMIT 1") \
        == "audit_event"
    return_sale(Till(stocked, device), sale.sale_id, "Cancelación", None, owner.id)
    assert "*** VENTA CANCELADA ***" in render_text(reprint(Till(stocked, device), sale.sale_id, owner.id))


def test_an_unknown_sale_has_no_ticket(stocked, device):
    with pytest.raises(UnknownSale):
        reprint(Till(stocked, device), uuid.uuid4(), None)
    assert _count(stocked, "SELECT count(*) FROM audit_events") == 0


# ---- printers --------------------------------------------------------------------------------


def test_a_file_printer_appends_each_ticket(stocked, device, tmp_path):
    sale = _cash_sale(stocked, device)
    doc = receipt(Till(stocked, device), sale.sale_id)
    printer = FilePrinter(str(tmp_path / "lp0"), 58)
    printer.print_document(doc)
    printer.print_document(doc)
    printer.open_drawer()
    assert (tmp_path / "lp0").read_bytes() == render_escpos(doc, 58) * 2 + KICK + b"22"


def test_an_unplugged_file_printer_fails_and_the_sale_stays(stocked, device, tmp_path):
    sale = _cash_sale(stocked, device)
    gone = tmp_path / "usb"
    gone.mkdir()
    printer = FilePrinter(str(gone / "lp0"))
    shutil.rmtree(gone)
    with pytest.raises(PrinterError) as failed:
        printer.print_document(receipt(Till(stocked, device), sale.sale_id))
    assert failed.value.code == "printer_offline"
    assert failed.value.message.startswith("La impresora no responde")
    assert _count(stocked, f"SELECT total FROM sales WHERE id = '{sale.sale_id}'") == 4400


def test_a_network_printer_sends_the_bytes(stocked, device):
    sale = _cash_sale(stocked, device)
    doc = receipt(Till(stocked, device), sale.sale_id)
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as server:
        def accept() -> None:
            conn, _ = server.accept()
            with conn:
                while chunk := conn.recv(65536):
                    received.extend(chunk)

        thread = threading.Thread(target=accept)
        thread.start()
        NetworkPrinter("127.0.0.1", server.getsockname()[1], 80, timeout=5).print_document(doc)
        thread.join(timeout=5)
    assert bytes(received) == render_escpos(doc, 80)


def test_a_network_printer_that_is_off_fails_cleanly(stocked, device):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again when the block ends: nobody listens
    sale = _cash_sale(stocked, device)
    with pytest.raises(PrinterError) as failed:
        NetworkPrinter("127.0.0.1", port, timeout=2).print_document(
            receipt(Till(stocked, device), sale.sale_id))
    assert failed.value.code == "printer_offline"
    assert f"127.0.0.1:{port}" in failed.value.message
    assert _count(stocked, "SELECT count(*) FROM sales") == 1


def test_printer_settings_are_kept_per_device(store, device, tmp_path):
    till = Till(store, device)
    assert load_printer(till) is None
    save_printer(till, "file", str(tmp_path / "lp0"), 58, None)
    assert load_printer(till) == FilePrinter(str(tmp_path / "lp0"), 58)
    save_printer(till, "network", " 192.168.1.50:9101 ", 80, None)
    assert load_printer(till) == NetworkPrinter("192.168.1.50", 9101, 80)
    save_printer(till, "network", "impresora.local", 80, None)
    assert load_printer(till) == NetworkPrinter("impresora.local", 9100, 80)
    save_printer(till, "none", "ignored", 80, None)
    assert load_printer(till) is None


@pytest.mark.parametrize(("kind", "target", "paper_mm"), [
    ("usb", "/dev/usb/lp0", 80), ("file", "/dev/usb/lp0", 76), ("file", "  ", 80),
    ("network", "192.168.1.50:0", 80), ("network", "192.168.1.50:99999", 80),
    ("network", "mi impresora", 80), ("network", "10.0.0.1:abc", 58), ("file", "a\nb", 80),
])
def test_bad_printer_settings_are_refused_in_spanish(store, device, tmp_path, kind, target, paper_mm):
    till = Till(store, device)
    save_printer(till, "file", str(tmp_path / "lp0"), 80, None)
    with pytest.raises(PrinterConfigError) as refused:
        save_printer(till, kind, target, paper_mm, None)
    assert refused.value.code == "invalid_printer"
    assert refused.value.message
    assert load_printer(till) == FilePrinter(str(tmp_path / "lp0"), 80)  # unchanged


# ---- print or preview ------------------------------------------------------------------------


def test_without_a_printer_the_ticket_is_previewed_with_its_qr(qtbot, ctx):
    sale = _cash_sale(ctx.till.db, ctx.till.device)
    dialog = print_or_preview(ctx, None, receipt(ctx.till, sale.sale_id))  # type: ignore[arg-type]
    assert isinstance(dialog, PreviewDialog)
    qtbot.addWidget(dialog)
    assert f"Folio: {sale.folio}" in dialog.text.toPlainText()
    assert "[QR]" not in dialog.text.toPlainText()
    assert dialog.qr_label is not None
    assert not dialog.qr_label.pixmap().isNull()
    assert dialog.qr_label.pixmap().width() > 100


def test_a_printer_failure_is_reported_for_a_reprint(qtbot, ctx, tmp_path):
    sale = _cash_sale(ctx.till.db, ctx.till.device)
    gone = tmp_path / "usb"
    gone.mkdir()
    ctx.printer = FilePrinter(str(gone / "lp0"))
    shutil.rmtree(gone)
    messages: list[str] = []
    assert print_or_preview(ctx, None, receipt(ctx.till, sale.sale_id), messages.append) is None  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: messages != [])
    assert messages[0].startswith("La impresora no responde")
    gone.mkdir()  # plugged back in: the reprint goes through
    printed: list[bool] = []
    print_or_preview(ctx, None, receipt(ctx.till, sale.sale_id), messages.append,  # type: ignore[arg-type]
                     lambda: printed.append(True))
    qtbot.waitUntil(lambda: printed == [True])
    assert f"Folio: {sale.folio}".encode() in (gone / "lp0").read_bytes()
    assert _count(ctx.till.db, "SELECT count(*) FROM sales") == 1
