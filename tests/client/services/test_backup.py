"""Local backups: taken while the till sells, checked, kept for two weeks, restored whole."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.backup import (
    RESTORE_MARKER,
    BackupError,
    BadBackup,
    apply_pending_restore,
    backup_now,
    check_database,
    is_due,
    list_backups,
    pending_restore,
    prune,
    request_restore,
    restore,
    scheduled_backup,
)
from pos_client.store.database import Database
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 20, 18, 30, 5, tzinfo=UTC)


def _sell(db: Database, device, barcode: str, times: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        record_sale(Till(db, device), ticket_for(db, barcode), [Tender(PaymentMethod.CASH, 100_000)])


def _counts(path: Path) -> tuple[int, int]:
    """Rows in sales and in the outbox, read straight from the file (with its WAL, if any)."""
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT count(*) FROM sales").fetchone()[0],
                conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
    finally:
        conn.close()


def _fake_backup(folder: Path, when: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pos-{when:%Y%m%d-%H%M%S}Z.sqlite3"
    path.write_bytes(b"x")
    return path


# ---- taking backups ---------------------------------------------------------------------------


def test_a_backup_is_a_checked_single_file_named_by_its_utc_time(stocked, device, small_catalog, tmp_path):
    _sell(stocked, device, small_catalog[0].barcode, 2)
    folder = tmp_path / "respaldos"
    path = backup_now(stocked.path, folder, NOW)
    assert path.name == "pos-20250320-183005Z.sqlite3"
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no .part, no -wal left over
    assert _counts(path) == _counts(stocked.path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    [listed] = list_backups(folder)
    assert (listed.path, listed.taken_at, listed.size) == (path, NOW, path.stat().st_size)


def test_a_backup_runs_while_another_connection_is_writing(stocked, device, small_catalog, tmp_path):
    _sell(stocked, device, small_catalog[0].barcode, 1)
    with stocked.write() as conn:  # a sale-sized write transaction held open during the copy
        changed = conn.execute(text("UPDATE products SET name = 'CAMBIADO'")).rowcount
        path = backup_now(stocked.path, tmp_path / "respaldos", NOW)
    _sell(stocked, device, small_catalog[0].barcode, 1)  # and the till keeps selling afterwards
    backup = sqlite3.connect(path)
    assert backup.execute("SELECT count(*) FROM products WHERE name = 'CAMBIADO'").fetchone()[0] == 0
    assert backup.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
    assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    backup.close()
    assert changed > 0
    assert _counts(stocked.path)[0] == 2
    with stocked.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM products WHERE name = 'CAMBIADO'")).scalar() == changed


def test_backing_up_a_missing_store_is_refused(tmp_path):
    with pytest.raises(BackupError):
        backup_now(tmp_path / "pos.sqlite3", tmp_path / "respaldos", NOW)
    assert list_backups(tmp_path / "respaldos") == []


def test_half_written_and_foreign_files_are_not_listed(tmp_path):
    folder = tmp_path / "respaldos"
    good = _fake_backup(folder, NOW)
    (folder / f".{good.name.replace('0320', '0321')}.part").write_bytes(b"half")
    (folder / "notas.txt").write_text("hola")
    (folder / "pos-2025.sqlite3").write_bytes(b"")
    assert [b.path for b in list_backups(folder)] == [good]


# ---- schedule and retention -------------------------------------------------------------------


def test_a_backup_is_due_after_24_hours(tmp_path):
    folder = tmp_path / "respaldos"
    assert is_due(folder, NOW)
    _fake_backup(folder, NOW - timedelta(hours=23, minutes=59))
    assert not is_due(folder, NOW)
    assert is_due(folder, NOW + timedelta(minutes=1))


def test_retention_keeps_the_newest_of_each_of_the_last_14_days(tmp_path):
    folder = tmp_path / "respaldos"
    for day in range(30):  # three backups a day for 30 days, ending today
        for hour in (9, 13, 18):
            _fake_backup(folder, (NOW - timedelta(days=day)).replace(hour=hour, minute=0, second=0))
    (folder / ".pos-20250320-190000Z.sqlite3.part").write_bytes(b"interrupted")
    deleted = prune(folder, now=NOW)
    kept = {b.taken_at for b in list_backups(folder)}
    newest_of_last_14_days = {(NOW - timedelta(days=d)).replace(hour=18, minute=0, second=0)
                              for d in range(14)}
    today = NOW.replace(minute=0, second=0)
    three_newest = {today.replace(hour=18), today.replace(hour=13), today.replace(hour=9)}
    assert kept == newest_of_last_14_days | three_newest
    assert len(deleted) == 90 - len(kept)
    assert not list(folder.glob("*.part"))


def test_retention_never_leaves_a_long_idle_till_without_backups(tmp_path):
    folder = tmp_path / "respaldos"
    old = [NOW - timedelta(days=60 + d) for d in range(6)]
    for when in old:
        _fake_backup(folder, when)
    prune(folder, now=NOW)
    assert [b.taken_at for b in list_backups(folder)] == old[:3]
    prune(folder, keep_min=0, now=NOW)
    assert [b.taken_at for b in list_backups(folder)] == old[:1]  # the newest is never deleted


def test_the_daily_job_backs_up_and_prunes_only_when_due(stocked, tmp_path):
    data_dir = stocked.path.parent
    for d in range(20, 40):
        _fake_backup(data_dir / "respaldos", NOW - timedelta(days=d))
    made = scheduled_backup(data_dir, NOW)
    assert made is not None
    assert check_database(made).state == "ok"
    assert len(list_backups(data_dir / "respaldos")) == 3  # the new one and the two newest old ones
    assert scheduled_backup(data_dir, NOW + timedelta(hours=2)) is None


# ---- checking a file --------------------------------------------------------------------------


def test_check_database_tells_good_missing_garbage_empty_and_damaged_files(stocked, tmp_path):
    stocked.close()
    good = stocked.path
    assert check_database(good).state == "ok"
    assert check_database(tmp_path / "nada.sqlite3").state == "missing"
    garbage = tmp_path / "basura.sqlite3"
    garbage.write_bytes(b"esto no es una base de datos " * 200)
    assert check_database(garbage).state == "not_a_database"
    empty = tmp_path / "vacio.sqlite3"
    empty.write_bytes(b"")
    assert check_database(empty).state == "not_a_database"
    data = good.read_bytes()
    truncated = tmp_path / "cortado.sqlite3"
    truncated.write_bytes(data[: len(data) // 2])
    health = check_database(truncated)
    assert health.state == "corrupt"
    assert health.damaged
    assert health.detail
    scribbled = tmp_path / "rayado.sqlite3"
    middle = len(data) // 2
    scribbled.write_bytes(data[:middle] + b"\xff" * 4096 + data[middle + 4096:])
    assert check_database(scribbled).state == "corrupt"


# ---- restoring --------------------------------------------------------------------------------


def test_backup_more_sales_then_restore_gives_back_the_backup_and_keeps_the_replaced_store(
    stocked, device, small_catalog, tmp_path,
):
    barcode = small_catalog[0].barcode
    _sell(stocked, device, barcode, 2)
    backup = backup_now(stocked.path, tmp_path / "respaldos", NOW)
    at_backup = _counts(backup)
    _sell(stocked, device, barcode, 3)
    after = _counts(stocked.path)
    assert after[0] == at_backup[0] + 3
    # The till crashes: its last sales are still only in the -wal next to the store.
    crashed = tmp_path / "caja"
    crashed.mkdir()
    for side in ("", "-wal", "-shm"):
        shutil.copyfile(f"{stocked.path}{side}", crashed / f"pos.sqlite3{side}")
    stocked.close()

    aside = restore(backup, crashed / "pos.sqlite3", NOW + timedelta(hours=1))

    assert aside == crashed / "pos.sqlite3.antes-de-restaurar-20250320-193005Z"
    assert sorted(p.name for p in crashed.iterdir()) == [
        "pos.sqlite3", aside.name, aside.name + "-shm", aside.name + "-wal"]
    assert _counts(aside) == after  # nothing the owner had is lost: the old store opens whole
    db = Database(crashed / "pos.sqlite3")
    try:
        with db.read() as conn:
            sales = conn.execute(text("SELECT count(*) FROM sales")).scalar_one()
            queued = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        assert (sales, queued) == at_backup
    finally:
        db.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_restore_refuses_a_bad_backup_and_leaves_the_store_alone(stocked, device, small_catalog,
                                                                  tmp_path, damage):
    _sell(stocked, device, small_catalog[0].barcode, 1)
    stocked.close()
    before = _counts(stocked.path)
    bad = tmp_path / "respaldos" / "pos-20250319-100000Z.sqlite3"
    bad.parent.mkdir()
    if damage == "garbage":
        bad.write_bytes(b"\x00garbage" * 1000)
    elif damage == "truncated":
        good = backup_now(stocked.path, tmp_path / "respaldos", NOW)
        bad.write_bytes(good.read_bytes()[:8192])
    else:
        other = sqlite3.connect(bad)
        other.execute("CREATE TABLE notas (texto TEXT)")
        other.commit()
        other.close()
    with pytest.raises(BadBackup) as err:
        restore(bad, stocked.path, NOW)
    assert bad.name in err.value.message
    assert _counts(stocked.path) == before
    assert sorted(p.name for p in stocked.path.parent.iterdir() if p.name.startswith("pos.sqlite3")) \
        == ["pos.sqlite3"]


def test_a_requested_restore_is_applied_at_the_next_start(stocked, device, small_catalog, tmp_path):
    data_dir = stocked.path.parent
    _sell(stocked, device, small_catalog[0].barcode, 1)
    backup = backup_now(stocked.path, data_dir / "respaldos", NOW)
    _sell(stocked, device, small_catalog[0].barcode, 2)
    request_restore(data_dir, backup)
    assert pending_restore(data_dir) == backup
    stocked.close()
    assert apply_pending_restore(data_dir, NOW) == backup
    assert _counts(stocked.path)[0] == 1
    assert not (data_dir / RESTORE_MARKER).exists()
    assert apply_pending_restore(data_dir, NOW) is None  # once only


def test_a_requested_restore_whose_backup_went_bad_keeps_the_store(stocked, device, small_catalog):
    data_dir = stocked.path.parent
    _sell(stocked, device, small_catalog[0].barcode, 2)
    backup = backup_now(stocked.path, data_dir / "respaldos", NOW)
    request_restore(data_dir, backup)
    stocked.close()
    backup.write_bytes(b"ruined")
    with pytest.raises(BadBackup):
        apply_pending_restore(data_dir, NOW)
    assert _counts(stocked.path)[0] == 2
    assert not (data_dir / RESTORE_MARKER).exists()


def test_a_restore_cannot_be_requested_from_a_bad_file(tmp_path):
    bad = _fake_backup(tmp_path / "respaldos", NOW)
    with pytest.raises(BadBackup):
        request_restore(tmp_path, bad)
    assert pending_restore(tmp_path) is None
