"""The backups use cases the Respaldos section and the start-up call, on a real store and folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pos_client.services import backups
from pos_client.services.backups import BackupError, BadBackup, Database, Health
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.backup import RESTORE_MARKER, list_backups
from shared.sync.payloads import SETTINGS_ID, SettingsPayload
from tests.support.builders import record

pytestmark = pytest.mark.unit

TAKEN = datetime(2025, 3, 20, 18, 30, tzinfo=UTC)


def test_taking_one_now_uses_the_tills_clock_and_prunes_the_old_ones(till: Till) -> None:
    stopped = Till(till.db, till.device, now=lambda: TAKEN)
    for days in range(20, 0, -1):  # one a day for the last twenty days
        backups.take_now(Till(till.db, till.device, now=lambda d=days: TAKEN - timedelta(days=d)))
    path = backups.take_now(stopped)
    assert path.name == "pos-20250320-183000Z.sqlite3"
    kept = list_backups(backups.folder_of(till.db.path.parent))
    assert kept[0].path == path
    assert len(kept) == 14  # the newest of each of the last 14 days


def test_a_file_where_the_folder_goes_is_said_in_spanish(till: Till) -> None:
    (till.db.path.parent / "respaldos").write_text("no soy una carpeta")
    with pytest.raises(BackupError) as refused:
        backups.take_now(till)
    assert refused.value.message.startswith("No se pudo hacer el respaldo en ")
    assert refused.value.message.endswith(": ya hay un archivo con ese nombre.")


def test_the_overview_lists_newest_first_in_the_shops_zone_with_the_pending_restore(till: Till) -> None:
    record(till, "settings", SettingsPayload(id=SETTINGS_ID, shop_name="Tienda",
                                             timezone="America/Tijuana"))
    older = backups.take_now(Till(till.db, till.device, now=lambda: TAKEN - timedelta(days=1)))
    newer = backups.take_now(Till(till.db, till.device, now=lambda: TAKEN))
    assert backups.overview(till).pending_restore is None
    backups.restore_at_next_start(till, older, requested_by=None)
    seen = backups.overview(till)
    assert [b.path for b in seen.backups] == [newer, older]
    assert seen.zone.key == "America/Tijuana"
    assert seen.pending_restore == older
    assert seen.folder == till.db.path.parent / "respaldos"
    backups.cancel_restore(till)
    assert backups.overview(till).pending_restore is None


def test_a_restore_names_who_asked_and_a_bad_backup_is_refused_before_anything(
        till: Till, owner: Cashier) -> None:
    good = backups.take_now(till)
    backups.restore_at_next_start(till, good, requested_by=owner.id)
    marker = json.loads((till.db.path.parent / RESTORE_MARKER).read_text("utf-8"))
    assert marker == {"backup": good.name, "requested_by": str(owner.id)}
    ruined = good.with_name("pos-20250101-000000Z.sqlite3")
    ruined.write_bytes(b"no es una base de datos")
    with pytest.raises(BadBackup):
        backups.restore_at_next_start(till, ruined, requested_by=owner.id)
    assert json.loads((till.db.path.parent / RESTORE_MARKER).read_text("utf-8"))["backup"] == good.name


def test_unsynced_changes_are_counted_and_a_standalone_till_says_so(stocked: Database, till: Till) -> None:
    unsynced = backups.unsynced(till)
    assert unsynced.pending > 0  # the starter catalog has not reached any server
    assert not unsynced.paired


def test_a_damaged_store_file_opens_as_its_damage_and_a_good_one_as_a_database(tmp_path: Path) -> None:
    store = backups.store_file(tmp_path)
    store.write_bytes(b"\x13\x37 esto ya no es una base de datos " * 300)
    found = backups.open_store_file(tmp_path)
    assert isinstance(found, Health)
    assert found.state == "not_a_database"
    backups.start_fresh(tmp_path, TAKEN)
    assert [p.name for p in tmp_path.glob("pos.sqlite3.danado-*")] == ["pos.sqlite3.danado-20250320-183000Z"]
    opened = backups.open_store_file(tmp_path)
    assert isinstance(opened, Database)
    opened.close()
