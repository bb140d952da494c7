"""Backups as the back room and the start-up use them: the list and the newest one's age,
taking one now, a restore asked for the next start, and the ways out of a damaged store.

The files themselves (copying, checking, moving aside) are :mod:`pos_client.store.backup`'s.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_client.services.files import reason_of
from pos_client.services.till import Till
from pos_client.store import backup, opening
from pos_client.store.backup import Backup, BackupError, BadBackup, Health, StoreUnavailable
from pos_client.store.database import Database, StoreError
from pos_client.store.repositories import outbox, shop

__all__ = ["Backup", "BadBackup", "Database", "Health", "StoreError", "StoreUnavailable"]

DAMAGED_LABEL = "danado"  # a damaged store is kept aside as pos.sqlite3.danado-<stamp>


@dataclass(frozen=True, slots=True)
class Backups:
    """What the Respaldos section shows."""

    folder: Path
    backups: list[Backup]  # newest first
    zone: ZoneInfo  # the shop's, to show when each was taken
    pending_restore: Path | None  # the backup the next start will restore, if one was chosen


def folder_of(data_dir: Path) -> Path:
    return backup.backups_dir(data_dir)


def store_file(data_dir: Path) -> Path:
    return data_dir / backup.STORE_NAME


def _data_dir(till: Till) -> Path:
    return till.db.path.parent


def overview(till: Till) -> Backups:
    with till.db.read() as tx:
        zone = shop.shop_zone(tx)
    data_dir = _data_dir(till)
    folder = folder_of(data_dir)
    return Backups(folder, backup.list_backups(folder), zone, backup.pending_restore(data_dir))


def take_now(till: Till) -> Path:
    """A backup of the store as it is now (the till keeps selling meanwhile), and the old ones
    pruned; returns the new backup's file."""
    folder, now = folder_of(_data_dir(till)), till.now()
    try:
        path = backup.backup_now(till.db.path, folder, now)
        backup.prune(folder, now=now)
    except OSError as exc:  # e.g. a full disk, or a file where the folder goes
        raise BackupError(f"No se pudo hacer el respaldo en {folder}: {reason_of(exc)}.") from exc
    return path


@dataclass(frozen=True, slots=True)
class Unsynced:
    """What a restore would leave behind: changes of this till the server does not have yet."""

    pending: int
    paired: bool  # False: there is no server that could have them


def unsynced(till: Till) -> Unsynced:
    with till.db.read() as tx:
        return Unsynced(outbox.counts(tx).pending, till.device.paired)


def restore_at_next_start(till: Till, chosen: Path, requested_by: uuid.UUID | None) -> None:
    """Ask the next start to restore ``chosen`` (refused now if it is no good). The audit
    event is written into the restored store at that start, the one that carries on."""
    backup.request_restore(_data_dir(till), chosen, str(requested_by) if requested_by else None)


def cancel_restore(till: Till) -> None:
    backup.cancel_restore(_data_dir(till))


# ---- a damaged store at start (no till yet: its store is what failed) ------------------------


def open_store_file(data_dir: Path) -> Database | Health:
    """The store in ``data_dir``, or the damage found in it."""
    return opening.open_checked(store_file(data_dir))


def newest_good_backup(data_dir: Path) -> Backup | None:
    return backup.newest_good_backup(folder_of(data_dir))


def newest_good_backup_and_zone(data_dir: Path) -> tuple[Backup | None, ZoneInfo]:
    """The backup to offer when the store is damaged, and the shop's zone to show its time in
    (the damaged store cannot say it; the good backup can)."""
    newest = newest_good_backup(data_dir)
    return newest, backup.shop_zone_in(newest.path) if newest else shop.zone_named(None)


def recover_from_backup(data_dir: Path, chosen: Path, now: datetime) -> None:
    """Put ``chosen`` in place of the damaged store, which is kept aside."""
    backup.restore(chosen, store_file(data_dir), now, aside_label=DAMAGED_LABEL)


def start_fresh(data_dir: Path, now: datetime) -> None:
    """Move the damaged store aside: the next open starts an empty one."""
    backup.move_aside(store_file(data_dir), DAMAGED_LABEL, now)
