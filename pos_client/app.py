"""Starting the POS: display check, store, device identity, sync agent, main window."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

NO_DISPLAY_EXIT = 3


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("michangarrito"))


def display_problem() -> str | None:
    """Why Qt cannot open a window here, in words the person at the keyboard can act on."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "No hay pantalla: MiChangarrito necesita un escritorio gráfico y no encontró ninguno\n"
        "(no están definidas DISPLAY ni WAYLAND_DISPLAY).\n"
        "  • En una computadora con monitor, ábrelo desde el escritorio.\n"
        "  • En un servidor sin monitor, usa una pantalla virtual:\n"
        "      sudo apt-get install -y xvfb && xvfb-run -a <el mismo comando>\n"
        "No display found (DISPLAY/WAYLAND_DISPLAY unset): run it from a desktop session,\n"
        "or under Xvfb with `xvfb-run -a`."
    )


def run_pos(data_dir: Path, *, exit_when_ready: bool = False) -> int:
    """Open the POS window over the store in ``data_dir``; returns the process exit code."""
    if problem := display_problem():
        print(problem, file=sys.stderr)
        return NO_DISPLAY_EXIT

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos_client.services.device import load_device
    from pos_client.store.database import Database
    from pos_client.sync.agent import SyncAgent
    from pos_client.ui.context import AppContext
    from pos_client.ui.main_window import MainWindow
    from pos_client.ui.worker import Worker

    app = QApplication.instance() or QApplication(sys.argv)
    db = Database(data_dir / "pos.sqlite3")
    device = load_device(db)
    agent = SyncAgent(db, device) if device.paired else None
    worker = Worker()
    window = MainWindow(AppContext(db, device, worker), agent)
    window.show()
    if not exit_when_ready:
        window.start_session()
    if agent:
        agent.start()
    if exit_when_ready:  # smoke tests and the cold-start benchmark
        def ready() -> None:
            import resource

            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"LISTO {rss_mb:.1f}", flush=True)
            app.quit()

        QTimer.singleShot(0, ready)
    try:
        return app.exec()
    finally:
        if agent:
            agent.stop()
        worker.shutdown()
        db.close()
