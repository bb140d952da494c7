"""The first-start wizard: a new shop, joining a shop with a code over real HTTP, bringing a
backup from another computer; then the printer. Driven through the real widgets, offscreen."""

from __future__ import annotations

import pytest

from pos_client.services import hardware, staff
from pos_client.services.first_start import needs_setup
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store import backup
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import catalog, outbox
from pos_client.ui.first_start import JOIN, NEW_SHOP, PRINTER, RESTORE, START, FirstStartWizard
from shared.catalog import load_starter_catalog
from shared.clock import utc_now
from shared.permissions import Role
from shared.sale import PaymentMethod, Tender
from sync_server.services import shops
from tests.support.sales import ticket_for


@pytest.fixture
def wizard(qtbot, store, device, worker, tmp_path):  # type: ignore[no-untyped-def]
    w = FirstStartWizard(Till(store, device), worker, tmp_path)
    qtbot.addWidget(w)
    w.show()
    return w


def _choose(qtbot, wizard: FirstStartWizard, page: int) -> None:
    wizard.page_of(START).choice.button(page).setChecked(True)
    wizard.next()
    assert wizard.currentId() == page


def _press_next(qtbot, wizard: FirstStartWizard, expect: int) -> None:
    wizard.next()  # runs the page's work on the worker; moves on once it succeeded
    qtbot.waitUntil(lambda: wizard.currentId() == expect, timeout=20_000)


def _finish(qtbot, wizard: FirstStartWizard, kind: str = "none", target: str = "") -> None:
    page = wizard.page_of(PRINTER)
    page.kind.setCurrentIndex(page.kind.findData(kind))
    page.target.setText(target)
    wizard.button(wizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=10_000)


def test_a_new_shop_gets_its_owner_catalog_and_printer(qtbot, wizard, store, device, tmp_path):
    assert needs_setup(Till(store, device))
    _choose(qtbot, wizard, NEW_SHOP)
    page = wizard.page_of(NEW_SHOP)
    page.shop_name.setText("Abarrotes La Güera")
    page.owner_name.setText("Lupita")
    page.pin.setText("4321")
    page.pin2.setText("4321")
    _press_next(qtbot, wizard, PRINTER)
    assert "Abarrotes La Güera" in wizard.page_of(PRINTER).subTitle()
    _finish(qtbot, wizard, "file", str(tmp_path / "tickets.bin"))

    assert wizard.outcome == "new_shop"
    assert not needs_setup(Till(store, device))
    lupita = staff.login(Till(store, device), "4321")
    assert lupita == staff.Cashier(lupita.id, "Lupita", Role.OWNER)
    with store.read() as conn:
        assert catalog.count(conn) == len(load_starter_catalog())
        assert outbox.counts(conn).pending > len(load_starter_catalog())  # it all syncs later
    assert load_device(store).shop_name == "Abarrotes La Güera"
    config = hardware.printer_settings(Till(store, device))
    assert (config.kind, config.target) == ("file", str(tmp_path / "tickets.bin"))


def test_pressing_next_twice_opens_the_shop_once(qtbot, wizard, store, device, worker):
    """An impatient second press while the shop is being made must not run it again (it would
    be refused, "ya tiene cajeros", on a page already left behind, or pair with a used code)."""
    _choose(qtbot, wizard, NEW_SHOP)
    page = wizard.page_of(NEW_SHOP)
    page.shop_name.setText("Miscelánea Pepe")
    page.owner_name.setText("Pepe")
    page.pin.setText("2468")
    page.pin2.setText("2468")
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PRINTER and worker.idle, timeout=20_000)
    assert page.error.text().strip() == ""
    assert [c.name for c in staff.active_cashiers(Till(store, device))] == ["Pepe"]


def test_mismatched_pins_save_nothing(qtbot, wizard, store, device):
    _choose(qtbot, wizard, NEW_SHOP)
    page = wizard.page_of(NEW_SHOP)
    page.shop_name.setText("Miscelánea")
    page.owner_name.setText("Beto")
    page.pin.setText("1111")
    page.pin2.setText("2222")
    wizard.next()
    assert wizard.currentId() == NEW_SHOP
    assert page.error.text() == "Los dos NIP no coinciden."
    page.pin2.setText("11")  # short PINs are refused by the use case, on the worker
    page.pin.setText("11")
    wizard.next()
    qtbot.waitUntil(lambda: "4 a 8" in page.error.text(), timeout=10_000)
    assert wizard.currentId() == NEW_SHOP
    assert needs_setup(Till(store, device))


@pytest.mark.e2e
def test_joining_a_shop_with_a_code_brings_its_catalog(qtbot, wizard, server, shop, store, device,
                                                       small_catalog):
    code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
    _choose(qtbot, wizard, JOIN)
    page = wizard.page_of(JOIN)
    page.server.setText(server.url)
    page.code.setText("nope-nope")
    wizard.next()
    qtbot.waitUntil(lambda: "código" in page.error.text().lower(), timeout=20_000)
    page.code.setText(code.code.lower())
    page.device_name.setText("Caja 2")
    _press_next(qtbot, wizard, PRINTER)
    _finish(qtbot, wizard)

    assert wizard.outcome == "joined"
    assert device.paired
    assert device.shop_name == "Abarrotes Doña Mary"
    with store.read() as conn:
        assert catalog.count(conn) == len(small_catalog)  # synced before anyone logs in
    assert not needs_setup(Till(store, device))


def test_data_from_another_computer_is_restored_at_the_next_start(qtbot, wizard, tmp_path,
                                                                  small_catalog):
    old_dir = tmp_path / "vieja"
    old_dir.mkdir()
    old = Database(old_dir / backup.STORE_NAME)
    old_device = load_device(old)
    from pos_client.services.catalog import load_starter

    load_starter(Till(old, old_device), small_catalog)
    ticket = ticket_for(old, small_catalog[0].barcode)
    record_sale(Till(old, old_device), ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    old.close()
    taken = backup.backup_now(old_dir / backup.STORE_NAME, old_dir / "usb", utc_now())

    _choose(qtbot, wizard, RESTORE)
    wizard.page_of(RESTORE).path.setText(str(taken))
    wizard.button(wizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=10_000)

    assert wizard.outcome == "restore"
    assert backup.pending_restore(tmp_path) == backup.backups_dir(tmp_path) / taken.name
    # What the next start does with it (app.apply_requested_restore):
    wizard.till.db.close()
    assert backup.apply_pending_restore(tmp_path, utc_now()) is not None
    restored = Database(tmp_path / backup.STORE_NAME)
    try:
        assert load_device(restored).device_id == old_device.device_id
        with restored.read() as conn:
            assert catalog.count(conn) == len(small_catalog)
    finally:
        restored.close()
