"""``./bin/server jobs …`` as an operator runs it (a process of its own on the server's database):
the shops the scheduler sees, a shop's summary run now for a day it missed, its runs, a tick that
runs the clean-up once however many processes tick, and clear refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shared.money import format_mxn
from tests.support.shop_facts import Line

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TIJUANA = ZoneInfo("America/Tijuana")


def jobs(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "MCH_LOG_JSON": "false",
           "MCH_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "sync_server", "jobs", *args], env=env,
                          capture_output=True, text=True, timeout=120)


async def test_the_operator_runs_a_missed_summary_and_reads_the_runs(database_url, make_shop):
    shop = await make_shop(timezone="America/Tijuana")
    coca = next(p for p in shop.catalog if p.name == "Coca-Cola 600 ml")
    sale, _ = shop.till.sale([Line(coca, 3000)], datetime(2026, 11, 20, 12, 0, tzinfo=TIJUANA)
                             .astimezone(UTC))
    await shop.till.push(sale)

    listed = jobs(database_url, "shops")
    assert (listed.returncode, listed.stdout.split()) == (0, [str(shop.tenant_id), "America/Tijuana"])

    # A single shop needs no --shop; the time has no offset, so it is Tijuana's 21:30.
    done = jobs(database_url, "run-now", "daily_summary", "--at", "2026-11-20T21:30")
    assert done.returncode == 0, done.stderr
    first, _, text = done.stdout.partition("\n\n")
    assert first == "omitido (owner_not_verified)"  # the owner has no verified WhatsApp yet
    assert text.startswith("Resumen de Abarrotes Doña Mary, ")
    assert f"Ventas: {format_mxn(3 * coca.price)} en 1 ticket " in text

    again = jobs(database_url, "run-now", "daily_summary", "--at", "2026-11-20T21:30")
    assert again.returncode == 2
    assert "ya se corrió a mano" in again.stderr

    runs = jobs(database_url, "runs")
    assert runs.returncode == 0, runs.stderr
    assert runs.stdout.strip() == (
        "2026-11-21 05:30Z daily_summary manual:2026-11-21T05:30:00+00:00: omitido (owner_not_verified)")


async def test_a_tick_by_hand_runs_the_cleanup_once_and_mistakes_are_refused(database_url,
                                                                              make_shop):
    await make_shop()
    first = jobs(database_url, "tick")
    assert first.returncode == 0, first.stderr
    assert "platform cleanup " in first.stdout
    second = jobs(database_url, "tick")  # another process: the day's clean-up is claimed already
    assert second.returncode == 0, second.stderr
    assert "cleanup" not in second.stdout

    unknown = jobs(database_url, "run-now", "tarea_rara")
    assert unknown.returncode == 2
    assert "no existe la tarea «tarea_rara»; son: daily_summary, low_stock" in unknown.stderr
    bad_time = jobs(database_url, "run-now", "daily_summary", "--at", "ayer")
    assert (bad_time.returncode, "no es una fecha y hora ISO" in bad_time.stderr) == (2, True)

    await make_shop(name="Otra tienda")
    which = jobs(database_url, "run-now", "daily_summary")
    assert which.returncode == 2
    assert "hay 2 tiendas: di cuál con --shop" in which.stderr
