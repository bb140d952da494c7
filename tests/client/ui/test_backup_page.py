"""The Respaldos page: list in the shop's time, back up now, restore at the next start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from pos_client import app
from pos_client.services.sales import record_sale
from pos_client.store.backup import (
    RESTORE_MARKER,
    backup_now,
    check_database,
    list_backups,
    pending_restore,
    request_restore,
)
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import outbox
from pos_client.ui.backroom.backup_page import BackupPage, age_text
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.unit

TAKEN = datetime(2025, 3, 20, 18, 30, tzinfo=UTC)  # 12:30 in Mexico City (UTC-6, no DST)


def _sell(ctx, barcode: str) -> None:  # type: ignore[no-untyped-def]
    record_sale(ctx.till, ticket_for(ctx.till.db, barcode), [Tender(PaymentMethod.CASH, 100_000)])


def _audits(ctx) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with ctx.till.db.read() as conn:
        return [(r.action, r.detail) for r in conn.execute(
            text("SELECT action, detail FROM audit_events ORDER BY at"))]


def _queued_audits(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.till.db.read() as conn:
        return int(conn.execute(text("SELECT count(*) FROM outbox WHERE entity = 'audit_event'"))
                   .scalar_one())


def _page(qtbot, ctx) -> BackupPage:  # type: ignore[no-untyped-def]
    page = BackupPage(ctx)
    qtbot.addWidget(page)
    page.resize(1024, 600)
    page.show()
    qtbot.waitUntil(lambda: page.last_label.text() != "Cargando…")
    return page


def test_the_list_shows_backups_in_the_shops_time_and_an_old_last_backup_in_red(qtbot, ctx):
    folder = ctx.till.db.path.parent / "respaldos"
    backup_now(ctx.till.db.path, folder, TAKEN)
    backup_now(ctx.till.db.path, folder, TAKEN - timedelta(days=1))
    page = _page(qtbot, ctx)
    assert page.table.rowCount() == 2
    assert page.table.item(0, 0).text() == "20/03/2025 12:30"
    assert page.table.item(1, 0).text() == "19/03/2025 12:30"
    assert page.table.item(0, 1).text().endswith("KB")
    assert "Último respaldo: 20/03/2025 12:30" in page.last_label.text()
    assert "b00020" in page.last_label.styleSheet()  # more than two days ago: red
    assert page.backup_button.minimumHeight() >= 48


def test_without_backups_the_page_says_so(qtbot, ctx):
    page = _page(qtbot, ctx)
    assert page.table.rowCount() == 0
    assert page.last_label.text() == "Todavía no hay respaldos de esta caja."
    page.restore_button.click()
    assert page.message.text() == "Elige un respaldo de la lista."
    assert page.confirm is None


def test_back_up_now_adds_a_good_backup_and_the_age_turns_green(qtbot, ctx):
    page = _page(qtbot, ctx)
    page.backup_button.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    [made] = list_backups(ctx.till.db.path.parent / "respaldos")
    assert check_database(made.path).state == "ok"
    assert page.message.text() == f"Respaldo listo: {made.path.name}"
    assert "hace menos de una hora" in page.last_label.text()
    assert "1b5e20" in page.last_label.styleSheet()


def test_a_failed_backup_is_reported_in_the_page(qtbot, ctx):
    page = _page(qtbot, ctx)
    (ctx.till.db.path.parent / "respaldos").write_text("un archivo donde va la carpeta")
    page.backup_button.click()
    qtbot.waitUntil(lambda: page.message.text().startswith("No se pudo"))
    assert page.backup_button.isEnabled()


def test_restore_asks_naming_the_date_then_schedules_it_audits_and_restarts(qtbot, ctx, small_catalog):
    _sell(ctx, small_catalog[0].barcode)
    backup = backup_now(ctx.till.db.path, ctx.till.db.path.parent / "respaldos", TAKEN)
    _sell(ctx, small_catalog[0].barcode)
    _sell(ctx, small_catalog[0].barcode)
    page = _page(qtbot, ctx)
    restarted: list[bool] = []
    page.restart = lambda: restarted.append(True)
    queued_before = _queued_audits(ctx)
    page.restore_button.click()
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    assert page.confirm.text() == "¿Restaurar el respaldo del 20/03/2025 12:30?"
    assert "no se borran" in page.confirm.informativeText()
    with ctx.till.db.read() as conn:
        pending = outbox.counts(conn).pending
    assert f"hay {pending} cambios de esta caja sin sincronizar" in page.confirm.informativeText()
    page.confirm_button.click()
    qtbot.waitUntil(lambda: restarted == [True])
    assert pending_restore(ctx.till.db.path.parent) == backup
    assert _audits(ctx) == []  # not in the store about to be set aside
    assert _queued_audits(ctx) == queued_before
    # The restart: the store is closed, the restore applied before it opens again, and the
    # restored store (the one that carries on and syncs) records who restored what.
    ctx.till.db.close()
    restored = app.apply_requested_restore(ctx.till.db.path.parent)
    assert restored == app.Restored(backup.name, str(ctx.session.cashier.id))
    db = Database(ctx.till.db.path)
    try:
        app.record_restore(db, load_device(db), restored)
        with db.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM sales")).scalar_one() == 1
            audits = conn.execute(text("SELECT action, detail, cashier_id FROM audit_events")).all()
            assert [tuple(a) for a in audits] == [
                ("restore", f"Respaldo {backup.name}", str(ctx.session.cashier.id))]
            assert outbox.pending(conn, 10_000)[-1].body.find('"entity":"audit_event"') >= 0
    finally:
        db.close()


def test_cancelling_the_confirmation_changes_nothing(qtbot, ctx):
    backup_now(ctx.till.db.path, ctx.till.db.path.parent / "respaldos", TAKEN)
    page = _page(qtbot, ctx)
    page.restart = lambda: pytest.fail("must not restart")
    page.restore_button.click()
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    [cancel] = [b for b in page.confirm.buttons() if b.text() == "Cancelar"]
    cancel.click()
    qtbot.waitUntil(lambda: page.confirm is not None and not page.confirm.isVisible())
    qtbot.waitUntil(lambda: ctx.worker.idle)
    assert pending_restore(ctx.till.db.path.parent) is None
    assert _audits(ctx) == []


def test_a_ruined_backup_is_refused_without_audit_or_restart(qtbot, ctx):
    backup = backup_now(ctx.till.db.path, ctx.till.db.path.parent / "respaldos", TAKEN)
    page = _page(qtbot, ctx)
    page.restart = lambda: pytest.fail("must not restart")
    backup.write_bytes(b"ruined on the disk")
    page.restore_button.click()
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    page.confirm_button.click()
    qtbot.waitUntil(lambda: "está dañado" in page.message.text())
    assert not (ctx.till.db.path.parent / RESTORE_MARKER).exists()
    assert _audits(ctx) == []
    assert page.restore_button.isEnabled()


def test_a_pending_restore_is_shown_and_can_be_cancelled(qtbot, ctx):
    backup = backup_now(ctx.till.db.path, ctx.till.db.path.parent / "respaldos", TAKEN)
    request_restore(ctx.till.db.path.parent, backup)
    page = _page(qtbot, ctx)
    assert "se restaurará el respaldo del 20/03/2025 12:30" in page.pending_label.text()
    assert not page.cancel_button.isHidden()
    page.cancel_button.click()
    qtbot.waitUntil(lambda: page.cancel_button.isHidden())
    assert pending_restore(ctx.till.db.path.parent) is None


def test_age_reads_naturally():
    assert age_text(timedelta(minutes=5)) == "hace menos de una hora"
    assert age_text(timedelta(hours=1, minutes=3)) == "hace 1 hora"
    assert age_text(timedelta(hours=5)) == "hace 5 horas"
    assert age_text(timedelta(days=1, hours=2)) == "hace 1 día"
    assert age_text(timedelta(days=3)) == "hace 3 días"
