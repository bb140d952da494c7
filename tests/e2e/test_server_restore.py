"""The restore drill: the server's database is lost and comes back from an older pg_dump; tills
push again what it lost, pull what they missed, and every sale is there once."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from pos_client.services.returns import return_sale
from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog
from shared.sale import PaymentMethod, Tender
from sync_server import backups
from sync_server.db import EmbeddedPostgres
from tests.server.owner_api import PASSWORD, auth, client, pair, sign_up
from tests.support.postgres import with_database
from tests.support.sales import ticket_for
from tests.support.server import ServerHarness

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _sell(pos, barcode: str):
    ticket = ticket_for(pos.db, barcode)
    return record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])


def _cli(database_url: str, backup_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`michangarrito-server …` as an operator runs it."""
    env = {**os.environ, "DATABASE_URL": database_url, "MCH_BACKUP_DIR": str(backup_dir),
           "MCH_LOG_JSON": "false"}
    return subprocess.run([sys.executable, "-m", "sync_server", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _folios(pos) -> list[str]:
    with pos.db.read() as conn:
        return sorted(conn.execute(text("SELECT folio FROM sales")).scalars())


def test_tills_resync_after_the_server_comes_back_from_an_older_backup(
    server, shop, paired_device, small_catalog, tmp_path
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    code = small_catalog[0].barcode
    for pos in (a, b):
        pos.agent.sync_once()
    before = [_sell(a, code).folio, _sell(b, code).folio]
    for pos in (a, b, a):
        assert pos.agent.sync_once().pending == 0

    dumped = _cli(server.database_url, tmp_path / "respaldos", "backup")
    assert dumped.returncode == 0, dumped.stderr
    (backup,) = backups.list_backups(tmp_path / "respaldos")

    # After the backup: sales on both tills, a return of one of them, all synced both ways.
    late_sale = _sell(a, code)
    after = [late_sale.folio, _sell(a, code).folio, _sell(b, code).folio]
    return_sale(a.till, late_sale.sale_id, "Caducado")
    for pos in (a, b, a):
        assert pos.agent.sync_once().pending == 0
    assert _folios(a) == _folios(b) == sorted(before + after)

    server.stop()  # the disk dies; the operator restores last night's backup
    restored = _cli(server.database_url, tmp_path / "respaldos", "restore", str(backup.path))
    assert restored.returncode == 0, restored.stderr
    server.start()
    assert sorted(r["folio"] for r in server.admin("SELECT folio FROM sales")) == sorted(before)

    # B has nothing new to push: its first call meets the new epoch and it recovers.
    b_sale = _sell(b, code).folio  # …and a sale rung up while the server was being restored
    for pos in (b, a, b):
        status = pos.agent.sync_once()
        assert (status.online, status.pending, status.rejected, status.problem) == (
            True, 0, 0, None)

    every = sorted([*before, *after, b_sale])
    rows = server.admin("SELECT folio, count(*) AS n FROM sales GROUP BY folio")
    assert {r["folio"]: r["n"] for r in rows} == dict.fromkeys(every, 1)
    assert server.admin("SELECT count(*) AS n FROM sale_returns")[0]["n"] == 1
    assert _folios(a) == _folios(b) == every
    product = small_catalog[0]
    with a.db.read() as conn:
        product_id = catalog.by_barcode(conn, product.barcode).id
        a_stock = catalog.stock_of(conn, product_id)
    with b.db.read() as conn:
        b_stock = catalog.stock_of(conn, product_id)
    server_stock = server.admin("SELECT stock_milli FROM product_stock WHERE product_id = $1",
                                product_id)[0]["stock_milli"]
    assert a_stock == b_stock == server_stock == product.initial_stock_milli - 5 * 1000

    # And selling goes on: a new sale on A reaches B through the restored server.
    next_folio = _sell(a, code).folio
    a.agent.sync_once()
    b.agent.sync_once()
    assert next_folio in _folios(b)
    aside = server.admin("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'before_restore_%'")
    assert len(aside) == 1  # the data replaced by the restore is kept, not dropped


def test_restore_refuses_while_the_server_is_connected(server, shop, tmp_path):
    dumped = _cli(server.database_url, tmp_path / "respaldos", "backup")
    assert dumped.returncode == 0, dumped.stderr
    (backup,) = backups.list_backups(tmp_path / "respaldos")
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o600  # whatever the umask (compose's)
    refused = _cli(server.database_url, tmp_path / "respaldos", "restore", str(backup.path))
    assert refused.returncode == 1
    assert "detén el servidor" in refused.stderr
    assert server.admin("SELECT count(*) AS n FROM pg_namespace "
                        "WHERE nspname LIKE 'before_restore_%'")[0]["n"] == 0


def test_old_backups_are_pruned_but_the_newest_are_always_kept(tmp_path):
    now = datetime(2026, 6, 30, 3, 0, tzinfo=UTC)
    for days in (0, 1, 20, 30, 40):
        stamp = (now - timedelta(days=days)).strftime("%Y%m%d-%H%M%S")
        (tmp_path / f"michangarrito-{stamp}Z.dump").write_bytes(b"x")
    (tmp_path / ".michangarrito-20260101-000000Z.dump.part").write_bytes(b"half")
    gone = backups.prune(tmp_path, now, keep_days=14, keep_min=3)
    assert sorted(p.name for p in gone) == ["michangarrito-20260521-030000Z.dump",
                                            "michangarrito-20260531-030000Z.dump"]
    assert [b.taken_at for b in backups.list_backups(tmp_path)] == [
        now, now - timedelta(days=1), now - timedelta(days=20)]
    # Nothing recent: still the newest three, whatever their age.
    assert backups.prune(tmp_path, now + timedelta(days=365), keep_days=14, keep_min=3) == []


def _definers(admin) -> dict[str, str]:
    rows = admin("""SELECT p.proname, pg_get_userbyid(p.proowner) AS owner FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public' AND p.prosecdef""")
    return {r["proname"]: r["owner"] for r in rows}


def test_a_restore_hands_the_definer_functions_back_to_their_role(server, shop, tmp_path):
    """pg_restore --no-owner makes the restoring login own everything it loads: the functions
    that look across shops would run as that login (here a superuser), not as the role that
    may only read what they answer (docs/security.md)."""
    assert set(_definers(server.admin).values()) == {"michangarrito_definer"}
    dumped = _cli(server.database_url, tmp_path / "respaldos", "backup")
    assert dumped.returncode == 0, dumped.stderr
    (backup,) = backups.list_backups(tmp_path / "respaldos")
    server.stop()
    restored = _cli(server.database_url, tmp_path / "respaldos", "restore", str(backup.path))
    assert restored.returncode == 0, restored.stderr
    server.start()
    assert set(_definers(server.admin).values()) == {"michangarrito_definer"}


def test_a_backup_restores_into_a_new_database_server(server, tmp_path):
    """The disk died with the database server: the operator installs a new PostgreSQL, which
    has none of our roles, and restores last night's backup into it. The server then starts
    on it as its own login, and the owner logs in (the definer functions answer)."""
    with client(server.url) as api:
        owner = sign_up(api)
        pair(api, owner["token"])
    dumped = _cli(server.database_url, tmp_path / "respaldos", "backup")
    assert dumped.returncode == 0, dumped.stderr
    (backup,) = backups.list_backups(tmp_path / "respaldos")

    cluster = EmbeddedPostgres(tmp_path / "nuevo")
    try:
        asyncio.run(_create_database(cluster.url, "michangarrito"))
        new_url = with_database(cluster.url, "michangarrito")
        restored = _cli(new_url, tmp_path / "respaldos", "restore", str(backup.path))
        assert restored.returncode == 0, restored.stderr
        again = ServerHarness(new_url).start()
        try:
            assert set(_definers(again.admin).values()) == {"michangarrito_definer"}
            with client(again.url) as api:
                r = api.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                                      "password": PASSWORD})
                assert r.status_code == 200, r.text
                devices = api.get("/v1/devices", headers=auth(r.json()["token"]))
            assert [d["code"] for d in devices.json()] == ["C1"]
        finally:
            again.stop()
    finally:
        cluster.stop()


async def _create_database(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def test_a_restore_refuses_while_a_server_still_uses_the_database(server, tmp_path):
    """Restoring under a running server would swap its data out from under it: refused with
    what to do, once a just-stopped server has had its moment to let go; nothing changes."""
    with client(server.url) as api:
        owner = sign_up(api)
        pair(api, owner["token"])
    dumped = _cli(server.database_url, tmp_path / "respaldos", "backup")
    assert dumped.returncode == 0, dumped.stderr
    (backup,) = backups.list_backups(tmp_path / "respaldos")
    shops = server.admin("SELECT count(*) AS n FROM tenants")[0]["n"]
    with client(server.url) as api:
        assert api.get("/healthz").status_code == 200  # the server's pool is connected
    refused = _cli(server.database_url, tmp_path / "respaldos", "restore", str(backup.path))
    assert refused.returncode != 0
    assert "conexiones abiertas" in refused.stderr
    assert server.admin("SELECT count(*) AS n FROM tenants")[0]["n"] == shops
