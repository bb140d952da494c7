"""A store that is busy is not damaged; one till per data folder; backups that keep coming;
a restore that cannot copy leaves the till as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pos_client import app, exit_codes
from pos_client.store import backup
from pos_client.store.backup import StoreUnavailable, check_database, is_due, request_restore
from pos_client.store.database import Database
from pos_client.ui.qt import QLockFile
from pos_client.ui.recovery import open_store

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


def _start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "pos_client", "--data-dir", str(data_dir),
                           "--exit-when-ready"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_locked_store_is_not_damaged_and_is_never_moved_aside(tmp_path):
    Database(tmp_path / "pos.sqlite3").close()
    holder = sqlite3.connect(tmp_path / "pos.sqlite3", isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # another program holds it
    try:
        with pytest.raises(StoreUnavailable, match="en uso"):
            check_database(tmp_path / "pos.sqlite3")
        asked: list[object] = []
        with pytest.raises(StoreUnavailable):
            open_store(tmp_path, asked.append)  # the recovery question is never put
        assert asked == []
    finally:
        holder.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pos.sqlite3"]
    assert check_database(tmp_path / "pos.sqlite3").state == "ok"


def test_a_second_till_on_the_same_folder_is_refused(tmp_path):
    Database(tmp_path / "pos.sqlite3").close()
    running = QLockFile(str(tmp_path / "pos.lock"))  # as the first window holds it
    assert running.tryLock(100)
    try:
        second = _start(tmp_path)
    finally:
        running.unlock()
    assert second.returncode == exit_codes.ALREADY_OPEN
    assert "ya está abierto" in second.stderr
    assert "Traceback" not in second.stderr
    first_again = _start(tmp_path)  # the folder is free again
    assert first_again.returncode == 0, first_again.stderr[-2000:]


def _backup_named(folder: Path, at: datetime) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"pos-{at:%Y%m%d-%H%M%S}Z.sqlite3").write_bytes(b"x")


def test_a_backup_stamped_in_the_future_does_not_stop_the_daily_backups(tmp_path):
    folder = tmp_path / "respaldos"
    _backup_named(folder, NOW - timedelta(hours=2))
    assert not is_due(folder, NOW)
    _backup_named(folder, NOW + timedelta(days=30))  # taken while the clock ran ahead
    assert is_due(folder, NOW)


def test_a_restore_that_cannot_copy_keeps_the_store_and_drops_the_request(tmp_path, monkeypatch,
                                                                          capsys):
    db = Database(tmp_path / "pos.sqlite3")
    db.close()
    taken = backup.backup_now(tmp_path / "pos.sqlite3", tmp_path / "respaldos", NOW)
    request_restore(tmp_path, taken)

    def no_permission(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(backup, "restore", no_permission)
    assert app.apply_requested_restore(tmp_path) is None
    assert backup.pending_restore(tmp_path) is None  # not again at every start
    assert "No se restauró el respaldo" in capsys.readouterr().err
    assert check_database(tmp_path / "pos.sqlite3").state == "ok"
