"""The installable till, built here with PyInstaller (./bin/build-pos), starts offscreen,
reaches the ready state and makes a sale with its own bundled code.

Slow (a build takes a minute or more): marked ``packaging``, out of the default run.
Run it with ``./bin/test -m packaging``.
"""

from __future__ import annotations

import configparser
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    done = subprocess.run([str(ROOT / "bin" / "build-pos"), "--dist", str(out / "dist"),
                           "--work", str(out / "work")], capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    print(done.stdout.strip().splitlines()[-1])  # "built … in N s, M MiB" (pytest -s shows it)
    return out / "dist" / "michangarrito"


def _run(program: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # No source checkout on the path: only what the bundle carries.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(program), *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=program.parent.parent)


def test_the_built_till_starts_offscreen_and_makes_a_sale(built: Path, tmp_path: Path):
    program = built / "michangarrito"
    data = tmp_path / "datos"
    done = _run(program, "--data-dir", str(data), "--smoke-sale")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("VENTA T")  # a standalone till's folio: T + 6 hex digits
    assert any(line.startswith("LISTO ") for line in lines)  # the counter window was up
    with sqlite3.connect(data / "pos.sqlite3") as conn:
        (sales,) = conn.execute("SELECT count(*) FROM sales").fetchone()
        (queued,) = conn.execute("SELECT count(*) FROM outbox WHERE entity = 'sale'").fetchone()
    assert (sales, queued) == (1, 1)
    ticket = (data / "ticket-de-prueba.bin").read_bytes()
    assert ticket.startswith(b"\x1b@")  # ESC/POS initialise: escpos and its data were bundled
    assert "Prueba de instalación".encode("cp858") in ticket

    again = _run(program, "--data-dir", str(data), "--exit-when-ready")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("LISTO ")


def test_the_build_ships_its_icon_and_desktop_entry(built: Path):
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(built / "michangarrito.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].endswith("/michangarrito")
    assert desktop["Icon"] == "michangarrito"
    assert (built / "michangarrito.png").read_bytes().startswith(b"\x89PNG")
    assert (built / "_internal" / "pos_client" / "ui" / "icons" / "michangarrito-256.png").exists()
