"""Save screenshots of the POS's main states: ``python -m pos_client.screenshots OUT_DIR``.

Runs offscreen over a throwaway standalone shop loaded with the starter catalog.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from pos_client.services import backroom
from pos_client.services.catalog import load_starter  # noqa: E402
from pos_client.services.device import load_device  # noqa: E402
from pos_client.services.staff import Cashier
from pos_client.store.database import Database  # noqa: E402
from pos_client.store.repositories import catalog  # noqa: E402
from pos_client.ui.context import AppContext, Session
from pos_client.ui.main_window import MainWindow
from pos_client.ui.worker import Worker  # noqa: E402
from shared.catalog import load_starter_catalog  # noqa: E402
from shared.permissions import Role  # noqa: E402

SIZES = {"1024x600": (1024, 600), "1920x1080": (1920, 1080)}


def _settle(app: QCoreApplication, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        app.processEvents()


def _save(widget: QWidget, path: Path) -> None:
    widget.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> None:
    out = Path((argv or sys.argv[1:] or ["screenshots"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "pos.sqlite3")
        device = load_device(db)
        device.shop_name = "Abarrotes La Esperanza"
        load_starter(db, device, load_starter_catalog())
        worker = Worker()
        owner = Cashier(backroom.add_cashier(db, device, "Doña Mary", Role.OWNER, "1234"),
                        "Doña Mary", Role.OWNER)
        shift_id = backroom.open_shift(db, device, 50_000, owner.id)
        ctx = AppContext(db, device, worker, Session(owner, shift_id))
        window = MainWindow(ctx)
        for name, (w, h) in SIZES.items():
            window.resize(w, h)
            window.show()
            _settle(app, lambda: worker.idle and window.products_model.rowCount() > 0)
            _save(window, out / f"venta-vacia-{name}.png")
        window.resize(*SIZES["1024x600"])
        with db.read() as conn:
            for barcode, pieces in (("7501055300075", 2), ("7501000111206", 1)):
                product = catalog.by_barcode(conn, barcode)
                if product:
                    window.add_product(product, pieces)
            for product in catalog.search(conn, "Sabritas", limit=2):
                window.add_product(product)
        _settle(app, lambda: worker.idle)
        _save(window, out / "ticket-1024x600.png")
        window.charge()
        window.payment_dialog.received.setText("200")
        _settle(app, lambda: worker.idle)
        _save(window.payment_dialog, out / "cobro.png")
        window.payment_dialog.try_accept()
        _settle(app, lambda: worker.idle and window.last_receipt is not None)
        _save(window, out / "venta-cobrada-1024x600.png")
        window.close()
        worker.shutdown()
        db.close()


if __name__ == "__main__":
    main()
