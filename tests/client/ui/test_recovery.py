"""A damaged store file at start ends in a clear choice (or a clear message), never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pos_client import exit_codes
from pos_client.app import apply_requested_restore, schedule_backups
from pos_client.services import staff_admin
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store import opening
from pos_client.store.backup import (
    RESTORE_MARKER,
    Health,
    backup_now,
    check_database,
    list_backups,
    request_restore,
)
from pos_client.store.database import Database
from pos_client.ui.qt import QDialog
from pos_client.ui.recovery import RecoveryDialog, open_store, start_fresh
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
GARBAGE = b"\x13\x37 esto ya no es una base de datos " * 300
TAKEN = datetime(2025, 3, 20, 18, 30, tzinfo=UTC)


def _sales(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def damaged(stocked, device, small_catalog, owner) -> Path:
    """A data folder whose store (2 sales, a shop in Tijuana) was backed up, then sold once
    more, then ruined."""
    staff_admin.save_settings(Till(stocked, device), staff_admin.shop_settings(
        shop_name="Abarrotes La Frontera", address="", phone="", rfc="",
        timezone="America/Tijuana", receipt_footer=""), owner)
    for _ in range(2):
        record_sale(Till(stocked, device), ticket_for(stocked, small_catalog[0].barcode),
                    [Tender(PaymentMethod.CASH, 100_000)])
    data_dir = stocked.path.parent
    backup_now(stocked.path, data_dir / "respaldos", TAKEN)
    record_sale(Till(stocked, device), ticket_for(stocked, small_catalog[0].barcode),
                [Tender(PaymentMethod.CASH, 100_000)])
    stocked.close()
    for side in ("-wal", "-shm"):
        Path(f"{stocked.path}{side}").unlink(missing_ok=True)
    stocked.path.write_bytes(GARBAGE)
    return data_dir


def _start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The real start-up, as the shop runs it (a process of its own: run_pos owns the Qt loop)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pos_client", "--data-dir", str(data_dir), "--exit-when-ready"],
        env=env, capture_output=True, text=True, timeout=120, check=False)


def _aside(data_dir: Path) -> list[Path]:
    """The damaged stores kept aside (their -wal/-shm companions travel with them)."""
    return sorted(data_dir.glob("pos.sqlite3.danado-*Z"))


def test_a_start_without_a_screen_explains_in_spanish_and_exits_with_its_code(damaged):
    done = _start(damaged)
    assert done.returncode == exit_codes.DAMAGED_STORE
    assert "no es una base de datos válida" in done.stderr
    # On the shop's clock (read from the good backup), not the computer's: 18:30 UTC is 11:30
    # in Tijuana that day (issue 12: one clock).
    assert "El respaldo bueno más reciente es del 20/03/2025 a las 11:30" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "LISTO" not in done.stdout
    assert (damaged / "pos.sqlite3").read_bytes() == GARBAGE  # untouched until someone chooses


def test_the_dialog_restores_the_newest_good_backup(qtbot, damaged, worker):
    ruined = damaged / "respaldos" / "pos-20250321-090000Z.sqlite3"
    ruined.write_bytes(b"half a backup")  # newer, but no good: the older good one is offered
    dialog = RecoveryDialog(damaged, check_database(damaged / "pos.sqlite3"), worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.restore_button.isEnabled)
    assert dialog.restore_button.text() == "Restaurar el respaldo del 20/03/2025 a las 11:30"
    assert "no es una base de datos válida" in dialog.message.text()
    with qtbot.waitSignal(dialog.accepted):
        dialog.restore_button.click()
    [aside] = _aside(damaged)
    assert aside.read_bytes() == GARBAGE
    db = open_store(damaged, ask=None)
    assert isinstance(db, Database)
    db.close()
    assert _sales(damaged / "pos.sqlite3") == 2


def test_the_dialog_starts_fresh_keeping_the_damaged_file(qtbot, damaged, worker):
    dialog = RecoveryDialog(damaged, check_database(damaged / "pos.sqlite3"), worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.restore_button.isEnabled)
    with qtbot.waitSignal(dialog.accepted):
        dialog.fresh_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    [aside] = _aside(damaged)
    assert aside.read_bytes() == GARBAGE
    db = open_store(damaged, ask=None)
    assert isinstance(db, Database)
    db.close()
    assert _sales(damaged / "pos.sqlite3") == 0
    assert len(list_backups(damaged / "respaldos")) == 1  # the backups are still there


def test_without_backups_the_dialog_offers_only_a_fresh_start_or_quitting(qtbot, tmp_path, worker):
    (tmp_path / "pos.sqlite3").write_bytes(GARBAGE)
    dialog = RecoveryDialog(tmp_path, check_database(tmp_path / "pos.sqlite3"), worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.restore_button.text() == "No hay respaldos para restaurar")
    assert not dialog.restore_button.isEnabled()
    assert "No hay respaldos" in dialog.message.text()
    with qtbot.waitSignal(dialog.rejected):
        dialog.quit_button.click()
    assert (tmp_path / "pos.sqlite3").read_bytes() == GARBAGE
    assert _aside(tmp_path) == []


def test_quitting_leaves_the_damaged_file_where_it_is(damaged):
    asked: list[Health] = []
    code = open_store(damaged, ask=lambda health: asked.append(health) is not None)
    assert code == exit_codes.DAMAGED_STORE
    assert [h.state for h in asked] == ["not_a_database"]
    assert (damaged / "pos.sqlite3").read_bytes() == GARBAGE


def test_a_store_that_fails_while_opening_is_treated_as_damaged(monkeypatch, tmp_path):
    real = opening.Database
    calls = []

    def failing_once(path: Path) -> Database:
        calls.append(path)
        if len(calls) == 1:
            exc = sqlite3.DatabaseError("database disk image is malformed")
            exc.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]
            raise exc
        return real(path)

    monkeypatch.setattr(opening, "Database", failing_once)
    Database(tmp_path / "pos.sqlite3").close()
    asked: list[Health] = []

    def choose_fresh(health: Health) -> bool:
        asked.append(health)
        start_fresh(tmp_path)
        return True

    db = open_store(tmp_path, ask=choose_fresh)
    assert isinstance(db, Database)
    db.close()
    assert asked == [Health("corrupt", "database disk image is malformed")]
    assert len(_aside(tmp_path)) == 1


def test_a_locked_store_is_not_mistaken_for_a_damaged_one(monkeypatch, tmp_path):
    def locked(path: Path) -> Database:
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
        raise exc

    monkeypatch.setattr(opening, "Database", locked)
    Database(tmp_path / "pos.sqlite3").close()
    with pytest.raises(sqlite3.OperationalError):
        open_store(tmp_path, ask=lambda _: pytest.fail("must not offer to move a good store aside"))
    assert _aside(tmp_path) == []


def test_a_requested_restore_is_applied_before_the_store_opens(stocked, device, small_catalog):
    data_dir = stocked.path.parent
    backup = backup_now(stocked.path, data_dir / "respaldos", TAKEN)
    record_sale(Till(stocked, device), ticket_for(stocked, small_catalog[0].barcode),
                [Tender(PaymentMethod.CASH, 100_000)])
    request_restore(data_dir, backup)
    stocked.close()
    done = _start(data_dir)
    assert done.returncode == 0, done.stderr
    assert "LISTO" in done.stdout
    assert _sales(data_dir / "pos.sqlite3") == 0
    [kept] = data_dir.glob("pos.sqlite3.antes-de-restaurar-*Z")
    assert _sales(kept) == 1
    assert not (data_dir / RESTORE_MARKER).exists()


def test_a_requested_restore_of_a_ruined_backup_is_refused_and_the_store_kept(stocked, device,
                                                                             small_catalog, capsys):
    data_dir = stocked.path.parent
    record_sale(Till(stocked, device), ticket_for(stocked, small_catalog[0].barcode),
                [Tender(PaymentMethod.CASH, 100_000)])
    backup = backup_now(stocked.path, data_dir / "respaldos", TAKEN)
    request_restore(data_dir, backup)
    stocked.close()
    backup.write_bytes(b"ruined after it was chosen")
    apply_requested_restore(data_dir)
    assert "No se restauró el respaldo" in capsys.readouterr().err
    assert _sales(data_dir / "pos.sqlite3") == 1
    assert not (data_dir / RESTORE_MARKER).exists()


def test_the_hourly_check_takes_the_daily_backup_on_the_worker(qtbot, stocked, worker):
    from pos_client.ui.qt import QObject

    owner = QObject()
    timer = schedule_backups(owner, worker, stocked.path.parent, first_delay_ms=0)
    assert timer.isActive()
    assert timer.interval() == 60 * 60 * 1000
    qtbot.waitUntil(lambda: len(list_backups(stocked.path.parent / "respaldos")) == 1)
    [taken] = list_backups(stocked.path.parent / "respaldos")
    assert check_database(taken.path).state == "ok"
