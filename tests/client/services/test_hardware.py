"""The till's printer settings and cash drawer as use cases: each one transaction with its audit
event, and what goes to the printer thread is only a document."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pos_client.receipts.document import DRAWER_KICK
from pos_client.receipts.escpos import drawer_kick, render_escpos
from pos_client.receipts.printers import (
    SAMPLE_QR,
    FilePrinter,
    NetworkPrinter,
    PrinterConfig,
    PrinterConfigError,
)
from pos_client.receipts.text import render_text
from pos_client.services import hardware
from pos_client.services.staff import NotAllowed
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import meta
from shared.permissions import Role
from shared.sync.payloads import SETTINGS_ID, SettingsPayload
from tests.support.builders import cashier, record

pytestmark = pytest.mark.unit


@pytest.fixture
def till(store: Database, device: Device) -> Till:
    return Till(store, device, now=lambda: datetime(2026, 7, 4, 19, 45, tzinfo=UTC))


def _audits(db: Database) -> list[tuple[str, str | None, str | None, str | None]]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT action, cashier_id, authorized_by, detail FROM audit_events ORDER BY at"))]


def test_saving_the_printer_keeps_it_and_audits_it_together(till, store, device, tmp_path):
    owner = cashier(Till(store, device), "Doña Mary", Role.OWNER, "1234").id
    saved = hardware.save_printer(till, "file", str(tmp_path / "lp0"), 58, owner)
    assert saved == hardware.SavedPrinter(PrinterConfig("file", str(tmp_path / "lp0"), 58),
                                          FilePrinter(str(tmp_path / "lp0"), 58))
    assert hardware.printer_settings(till) == saved.config
    assert _audits(store) == [("settings", str(owner), None,
                               f"Impresora: USB o archivo: {tmp_path / 'lp0'} · papel de 58 mm.")]
    with store.read() as conn:
        entities = [r[0] for r in conn.execute(text("SELECT entity FROM outbox ORDER BY device_seq"))]
    assert entities[-1] == "audit_event"  # the audit syncs; the settings (per device) don't


def test_settings_whose_audit_cannot_be_written_are_not_kept(till, store, tmp_path):
    """One transaction: the settings and their audit event land together or not at all."""
    with store.write() as conn:
        conn.exec_driver_sql("CREATE TRIGGER audit_fails BEFORE INSERT ON audit_events "
                             "BEGIN SELECT RAISE(ABORT, 'disco lleno'); END")
    with pytest.raises(Exception, match="disco lleno"):
        hardware.save_printer(till, "file", str(tmp_path / "lp0"), 80, None)
    assert hardware.printer_settings(till) == PrinterConfig("none", "", 80)
    with pytest.raises(Exception, match="disco lleno"):
        hardware.open_drawer(till, cashier_id=None, authorized_by=None)  # no kick handed out


def test_refused_settings_write_neither_the_settings_nor_an_audit(till, store):
    with pytest.raises(PrinterConfigError):
        hardware.save_printer(till, "network", "192.168.1.50:99999", 80, None)
    assert hardware.printer_settings(till) == PrinterConfig("none", "", 80)
    assert _audits(store) == []


def test_hand_edited_settings_mean_receipts_on_screen(till, store):
    with store.write() as conn:
        meta.put_many(conn, {"printer_kind": "usb", "printer_target": "/dev/lp0"})
    assert hardware.printer_settings(till) == PrinterConfig("none", "", 80)
    with store.write() as conn:
        meta.put_many(conn, {"printer_kind": "network", "printer_target": "no es una ip"})
    assert hardware.load_printer(till) is None
    with store.write() as conn:
        meta.put_many(conn, {"printer_target": "192.168.1.9"})
    assert hardware.load_printer(till) == NetworkPrinter("192.168.1.9", 9100, 80)


def test_the_drawer_opens_only_for_someone_allowed_and_is_audited_first(till, store, device):
    pepe = cashier(Till(store, device), "Pepe", Role.CASHIER, "0000").id
    boss = cashier(Till(store, device), "Doña Mary", Role.OWNER, "1234").id
    with pytest.raises(NotAllowed):
        hardware.open_drawer(till, cashier_id=pepe, authorized_by=None)
    assert _audits(store) == []
    kick = hardware.open_drawer(till, cashier_id=pepe, authorized_by=boss)
    assert kick is DRAWER_KICK
    assert _audits(store) == [("open_drawer", str(pepe), str(boss), "Cajón abierto sin venta")]
    hardware.open_drawer(till, cashier_id=boss, authorized_by=boss, detail=hardware.DRAWER_TEST)
    assert _audits(store)[-1] == ("open_drawer", str(boss), str(boss), "Prueba del cajón (Impresora)")


def test_the_drawer_document_is_only_the_kick(tmp_path):
    assert DRAWER_KICK.drawer_only
    assert render_escpos(DRAWER_KICK, 58) == render_escpos(DRAWER_KICK, 80) == drawer_kick()
    FilePrinter(str(tmp_path / "lp0")).print_document(DRAWER_KICK)
    assert (tmp_path / "lp0").read_bytes() == drawer_kick()  # no paper fed, nothing cut


def test_the_test_page_is_dated_in_the_shops_time(till, store, device):
    record(Till(store, device), "settings", SettingsPayload(
        id=SETTINGS_ID, shop_name="Abarrotes Doña Mary", timezone="America/Tijuana"))
    page = hardware.sample_page(till, PrinterConfig("file", "/dev/usb/lp0", 58))
    shown = render_text(page, 58)
    assert "Fecha: 04/07/2026 12:45" in shown  # 19:45 UTC is 12:45 in Tijuana in summer
    assert "Papel: 58 mm (32 columnas)" in shown
    assert page.qr == SAMPLE_QR
    assert not page.open_drawer
