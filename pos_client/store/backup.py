"""Local backups of the store: taking them, keeping a few, checking a file, restoring one.

A backup is a complete SQLite file named ``pos-YYYYMMDD-HHMMSSZ.sqlite3`` (UTC). It gets that
name only after it was copied, checked and flushed to disk, so a file with a backup's name is
always a good one; a backup interrupted halfway is left as a hidden ``.part`` file.
Nothing here ever deletes the owner's data: a file replaced by a restore, or found damaged at
start, is moved aside next to the store.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pos_client.store.repositories.shop import zone_named
from shared.errors import DomainError

log = logging.getLogger(__name__)

STORE_NAME = "pos.sqlite3"
BACKUPS_DIR = "respaldos"
RESTORE_MARKER = "restaurar-al-iniciar.json"
SIDE_FILES = ("-wal", "-shm")  # WAL companions: they move with their database, never alone
_NAME = re.compile(r"^pos-(\d{8}-\d{6})Z\.sqlite3$")
_STAMP = "%Y%m%d-%H%M%S"


class BackupError(DomainError):
    code = "backup_failed"


class StoreUnavailable(DomainError):
    """The store's file exists but cannot be read now (in use, no permission): not damage."""

    code = "store_unavailable"


class BadBackup(DomainError):
    code = "bad_backup"


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    taken_at: datetime  # UTC, from the file name
    size: int  # bytes


HealthState = Literal["ok", "missing", "not_a_database", "corrupt"]


@dataclass(frozen=True, slots=True)
class Health:
    state: HealthState
    detail: str = ""

    @property
    def damaged(self) -> bool:
        return self.state in ("not_a_database", "corrupt")


def backups_dir(data_dir: Path) -> Path:
    return data_dir / BACKUPS_DIR


def stamp(now: datetime) -> str:
    """``now`` as the UTC stamp used in file names (sorts like the time it names)."""
    return now.astimezone(UTC).strftime(_STAMP) + "Z"


# ---- taking a backup --------------------------------------------------------------------------


def backup_now(db_path: Path, backups: Path, now: datetime) -> Path:
    """Copy the live store into ``backups`` and return the new backup's path.

    Uses SQLite's online backup API over a separate read-only connection: in WAL mode the till
    keeps selling while the copy runs, and the copy is one consistent snapshot.
    """
    if not db_path.exists():
        raise BackupError("No hay base de datos que respaldar.")
    backups.mkdir(parents=True, exist_ok=True)
    final = backups / f"pos-{stamp(now)}.sqlite3"
    part = backups / f".{final.name}.part"
    part.unlink(missing_ok=True)
    try:
        with closing(_connect_ro(db_path)) as src, closing(sqlite3.connect(part)) as dst:
            src.backup(dst)
            # The copy carries the store's WAL flag; a backup is a single self-contained file.
            dst.execute("PRAGMA journal_mode = DELETE")
            problems = _check(dst, "integrity_check")
        if problems:
            raise BackupError(f"El respaldo salió dañado: {problems}")
        _fsync(part)
        os.replace(part, final)
        _fsync_dir(backups)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    log.info("backup written: %s (%d bytes)", final, final.stat().st_size)
    return final


def list_backups(backups: Path) -> list[Backup]:
    """The finished backups in ``backups``, newest first."""
    if not backups.is_dir():
        return []
    found = []
    for path in backups.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
            found.append(Backup(path, taken, path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def is_due(backups: Path, now: datetime) -> bool:
    """True when no backup was taken in the last 24 hours. A newest backup stamped in the
    future (taken while the clock ran ahead) does not count: backups would stop for good."""
    newest = list_backups(backups)
    return not newest or not timedelta(0) <= now - newest[0].taken_at < timedelta(hours=24)


def prune(backups: Path, keep_days: int = 14, keep_min: int = 3, *,
          now: datetime | None = None) -> list[Path]:
    """Delete old backups; return the deleted paths.

    Kept: the ``keep_min`` newest (so a till unused for weeks still has a few), and the newest
    backup of each UTC day among the last ``keep_days`` days. Leftover ``.part`` files of
    interrupted backups go too (backups run one at a time on the worker thread).
    """
    found = list_backups(backups)
    if not found:
        return []
    now = now or datetime.now(UTC)
    first_day = (now.astimezone(UTC) - timedelta(days=keep_days - 1)).date()
    keep = {b.path for b in found[:max(keep_min, 1)]}
    seen_days = set()
    for b in found:  # newest first: the first one seen of a day is that day's newest
        day = b.taken_at.date()
        if day >= first_day and day not in seen_days:
            seen_days.add(day)
            keep.add(b.path)
    deleted = [b.path for b in found if b.path not in keep]
    for path in deleted:
        path.unlink(missing_ok=True)
    for part in backups.glob(".pos-*.part"):
        part.unlink(missing_ok=True)
    if deleted:
        log.info("pruned %d old backups", len(deleted))
    return deleted


def scheduled_backup(data_dir: Path, now: datetime) -> Path | None:
    """The daily job: a backup and a prune when one is due; None when it was not due."""
    backups = backups_dir(data_dir)
    if not is_due(backups, now):
        return None
    path = backup_now(data_dir / STORE_NAME, backups, now)
    prune(backups, now=now)
    return path


# ---- checking a file --------------------------------------------------------------------------


def check_database(path: Path) -> Health:
    """Whether ``path`` is a readable, undamaged SQLite file (``PRAGMA quick_check``)."""
    if not path.exists():
        return Health("missing")
    if path.stat().st_size == 0:
        # SQLite would take an empty file as a new database and the sales would silently vanish.
        return Health("not_a_database", "el archivo está vacío (0 bytes)")
    try:
        with closing(_connect_ro(path)) as conn:
            problems = _check(conn, "quick_check")
    except sqlite3.DatabaseError as exc:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code == sqlite3.SQLITE_NOTADB:
            return Health("not_a_database", str(exc))
        if code == sqlite3.SQLITE_CORRUPT:
            return Health("corrupt", str(exc))
        # Busy, locked, unreadable: not damage. Moving a healthy store aside would hide the
        # shop's sales; the caller reports it instead.
        raise StoreUnavailable(
            "No se pudo abrir la base de datos de la caja: está en uso por otro programa o no "
            f"hay permiso para leerla ({exc}).") from exc
    return Health("corrupt", problems) if problems else Health("ok")


def verify_backup(path: Path) -> None:
    """Refuse a file that is damaged or is not a MiChangarrito store."""
    health = check_database(path)
    if health.state == "missing":
        raise BadBackup(f"No se encontró el respaldo {path.name}.")
    if health.damaged:
        raise BadBackup(f"El respaldo {path.name} está dañado y no se puede usar ({health.detail}).")
    with closing(_connect_ro(path)) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_outbox = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").fetchone()[0]
    if version < 1 or not has_outbox:
        raise BadBackup(f"El archivo {path.name} no es un respaldo de MiChangarrito.")


def shop_zone_in(path: Path) -> ZoneInfo:
    """The shop's time zone as a (verified) store or backup file keeps it, read without writing
    to it; the default zone when the file holds no settings or cannot say."""
    try:
        with closing(_connect_ro(path)) as conn:
            row = conn.execute("SELECT timezone FROM settings WHERE deleted = 0 "
                               "ORDER BY hlc DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        row = None
    return zone_named(row[0] if row else None)


def _connect_ro(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _check(conn: sqlite3.Connection, pragma: str) -> str:
    """The problems ``PRAGMA integrity_check``/``quick_check`` reports; '' when all is well."""
    rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
    return "" if rows == ["ok"] else "; ".join(str(r) for r in rows[:5])


# ---- restoring and moving aside ---------------------------------------------------------------


def move_aside(db_path: Path, label: str, now: datetime) -> Path | None:
    """Rename the store and its WAL companions to ``<name>.<label>-<stamp>``; None if absent.

    The ``-wal`` must go with its database: left behind, SQLite would replay it onto whatever
    file takes the store's name next.
    """
    if not db_path.exists():
        for side in SIDE_FILES:  # orphans of a vanished store would corrupt the next one
            orphan = db_path.with_name(db_path.name + side)
            if orphan.exists():
                os.replace(orphan, db_path.with_name(f"{db_path.name}.{label}-{stamp(now)}{side}"))
        return None
    aside = db_path.with_name(f"{db_path.name}.{label}-{stamp(now)}")
    for side in ("", *SIDE_FILES):
        current = db_path.with_name(db_path.name + side)
        if current.exists():
            os.replace(current, aside.with_name(aside.name + side))
    _fsync_dir(db_path.parent)
    log.warning("store moved aside: %s", aside)
    return aside


def restore(backup: Path, db_path: Path, now: datetime, *,
            aside_label: str = "antes-de-restaurar") -> Path | None:
    """Put ``backup`` in place of the store (which must be closed); return where the replaced
    store was kept (None if there was none). The backup is checked before anything moves."""
    verify_backup(backup)
    incoming = db_path.with_name(db_path.name + ".restaurando")
    shutil.copyfile(backup, incoming)
    _fsync(incoming)
    aside = move_aside(db_path, aside_label, now)
    os.replace(incoming, db_path)
    _fsync_dir(db_path.parent)
    log.warning("store restored from %s", backup)
    return aside


def request_restore(data_dir: Path, backup: Path, requested_by: str | None = None) -> None:
    """Ask the next start to restore ``backup`` before it opens the store. ``requested_by``
    (a cashier id) rides along so the restored store can record who asked for it."""
    verify_backup(backup)
    marker = data_dir / RESTORE_MARKER
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(json.dumps({"backup": backup.name, "requested_by": requested_by}),
                   encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, marker)
    _fsync_dir(data_dir)


def pending_restore(data_dir: Path) -> Path | None:
    marker = data_dir / RESTORE_MARKER
    if not marker.exists():
        return None
    try:
        name = json.loads(marker.read_text(encoding="utf-8"))["backup"]
    except (ValueError, KeyError, TypeError):
        return None
    return backups_dir(data_dir) / Path(str(name)).name  # only ever a file of the backups folder


def restore_requester(data_dir: Path) -> str | None:
    """Who asked for the pending restore (read before it is applied, which drops the marker)."""
    try:
        value = json.loads((data_dir / RESTORE_MARKER).read_text(encoding="utf-8")).get(
            "requested_by")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def cancel_restore(data_dir: Path) -> None:
    (data_dir / RESTORE_MARKER).unlink(missing_ok=True)


def apply_pending_restore(data_dir: Path, now: datetime) -> Path | None:
    """At start, with the store closed: restore the backup the owner chose; return it.

    The marker is removed only once the restore is done, so a power cut halfway restores again
    at the next start. A backup that turned bad is refused (``BadBackup``), the marker dropped
    and the store kept as it was.
    """
    marker = data_dir / RESTORE_MARKER
    if not marker.exists():
        return None
    backup = pending_restore(data_dir)
    try:
        if backup is None:
            raise BadBackup("La solicitud de restauración estaba dañada.")
        restore(backup, data_dir / STORE_NAME, now)
    except BadBackup:
        marker.unlink(missing_ok=True)
        raise
    marker.unlink()
    return backup


@contextmanager
def _opened(path: Path, flags: int) -> Iterator[int]:
    fd = os.open(path, flags)
    try:
        yield fd
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    with _opened(path, os.O_RDONLY) as fd:
        os.fsync(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename durable; some platforms cannot open a directory, which is fine there."""
    try:
        with _opened(path, os.O_RDONLY) as fd:
            os.fsync(fd)
    except OSError:
        pass


def newest_good_backup(backups: Path) -> Backup | None:
    """The newest backup that passes :func:`verify_backup` (older ones are tried in turn)."""
    for candidate in list_backups(backups):
        try:
            verify_backup(candidate.path)
        except BadBackup as exc:
            log.warning("skipping a bad backup: %s", exc.message)
            continue
        return candidate
    return None
