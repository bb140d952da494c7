"""The README's run command: embedded server, demo shop, paired POS; and a clear exit with no display."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from sqlalchemy import text

from pos_client import exit_codes
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import customers
from pos_client.ui.context import AppContext
from pos_client.ui.main_window import MainWindow
from pos_client.ui.qt import Qt
from pos_client.ui.worker import Worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _demo(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pos_client.devtools.demo", "--data-dir", str(tmp_path / "demo"),
         "--port", "0", "--exit-when-ready"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )


def test_demo_starts_server_creates_the_shop_and_pairs_the_pos(qtbot, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    result = _demo(tmp_path, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Caja vinculada a «Abarrotes La Esperanza» como C1." in result.stdout
    assert "Facturación de prueba lista (RFC EKU9003173C9" in result.stdout  # CSD + fake PAC

    db = Database(tmp_path / "demo" / "pos" / "pos.sqlite3")
    try:
        with db.read() as conn:
            products = conn.execute(text("SELECT count(*) FROM products")).scalar_one()
            weighed = conn.execute(
                text("SELECT count(*) FROM products WHERE sold_by_weight = 1")).scalar_one()
            barcodes = conn.execute(text("SELECT count(*) FROM product_barcodes")).scalar_one()
            owing = [c for c in customers.balances(conn) if c.balance > 0]
    finally:
        db.close()
    assert products >= 100
    assert weighed > 0
    assert barcodes == products
    assert len(owing) >= 2

    _sell_at_the_demo_counter(qtbot, tmp_path / "demo" / "pos" / "pos.sqlite3")

    again = _demo(tmp_path, env)  # a second run reuses the paired shop
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Creando la tienda" not in again.stdout
    assert "Facturación de prueba lista" in again.stdout  # pointed at this run's PAC
    assert "/mcp con «Authorization: Bearer mchk1." in again.stdout

    # The README's MCP line, against the demo's own data: the stdio server answers as the shop.
    key = (tmp_path / "demo" / "mcp_key.txt").read_text().strip()
    assert asyncio.run(_shop_over_mcp(key, tmp_path / "demo" / "server", env)) == \
        "Abarrotes La Esperanza"


async def _shop_over_mcp(key: str, data_dir: Path, env: dict[str, str]) -> str:
    params = StdioServerParameters(command=sys.executable, args=["-m", "sync_server", "mcp",
                                                                 "--key", key],
                                   env={**env, "MCH_DATA_DIR": str(data_dir)}, cwd=str(ROOT))
    async with Client(params) as client:
        result = await client.call_tool("shop_info", {})
    assert not result.is_error, result.content
    name: str = result.structured_content["name"]
    return name


def _sell_at_the_demo_counter(qtbot, path: Path) -> None:
    """The demo's own store, in the real window: scan a product from the demo catalog, charge."""
    db = Database(path)
    device = load_device(db)
    worker = Worker()
    window = MainWindow(AppContext(Till(db, device), worker))
    qtbot.addWidget(window)
    try:
        window.show()
        window.start_session()  # the demo's cashier logs in with NIP 0000 and opens the shift
        qtbot.waitUntil(lambda: getattr(window, "login_dialog", None) is not None)
        qtbot.keyClicks(window.login_dialog.pin_input, "0000")
        qtbot.keyClick(window.login_dialog.pin_input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: getattr(window, "shift_dialog", None) is not None)
        assert window.ctx.session.cashier.name == "Pepe"
        qtbot.keyClicks(window.shift_dialog.float_amount, "500")
        qtbot.keyClick(window.shift_dialog.float_amount, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: worker.idle and window.ctx.session.shift_id is not None)
        qtbot.keyClicks(window.scan_input, "7501055300075")  # Coca-Cola 600 ml
        qtbot.keyClick(window.scan_input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: worker.idle and len(window.ticket.lines) == 1)
        window.charge()
        qtbot.keyClicks(window.payment_dialog.received, "50")
        qtbot.keyClick(window.payment_dialog.received, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.last_receipt is not None)
        assert window.last_receipt.folio == "C1-000001"
        assert window.last_receipt.change == 5000 - 2200
    finally:
        window.close()
        worker.shutdown()
        db.close()


def test_demo_without_a_display_says_how_to_fix_it(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = _demo(tmp_path, env)
    assert result.returncode == exit_codes.NO_DISPLAY
    assert "No hay pantalla" in result.stderr
    assert "xvfb-run" in result.stderr
