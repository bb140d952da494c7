"""Starting the POS: display check, store, device identity, sync agent, main window."""

from __future__ import annotations

import logging
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from pos_client import exit_codes

if TYPE_CHECKING:
    from pos_client.store.database import Database
    from pos_client.store.device import Device
    from pos_client.ui.qt import QObject, QTimer
    from pos_client.ui.worker import Worker

log = logging.getLogger(__name__)

BACKUP_CHECK_MS = 60 * 60 * 1000
# Tests only (tests/kiosk): a folder where the running till answers what its screens show.
PROBE_ENV = "MCH_UI_PROBE"
BACKUP_FIRST_DELAY_MS = 2 * 60 * 1000  # leave the first minutes of the day to the till


def default_data_dir() -> Path:
    """The till's store and its backups (respaldos/): ~/.local/share/michangarrito on Linux,
    %LOCALAPPDATA%\\michangarrito on Windows (no vendor folder above it)."""
    return Path(platformdirs.user_data_dir("michangarrito", appauthor=False))


def app_icon() -> Path | None:
    """The window icon: beside the code in the installed app (the PyInstaller spec puts it
    there), in packaging/ in a source checkout."""
    here = Path(__file__).resolve().parent
    for path in (here / "ui" / "icons" / "michangarrito-256.png",
                 here.parent / "packaging" / "pos" / "icons" / "michangarrito-256.png"):
        if path.exists():
            return path
    return None


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


def run_pos(data_dir: Path, *, exit_when_ready: bool = False, windowed: bool = False) -> int:
    """Open the POS window over the store in ``data_dir``; returns the process exit code.
    Full screen unless the till's settings (or ``windowed``, e.g. ``--ventana``) say a window."""
    if problem := display_problem():
        print(problem, file=sys.stderr)
        return exit_codes.NO_DISPLAY

    from pos_client.services import first_start, till_settings
    from pos_client.services.hardware import load_printer
    from pos_client.services.till import Till
    from pos_client.store.backup import StoreUnavailable
    from pos_client.store.device import load_device
    from pos_client.sync.agent import SyncAgent
    from pos_client.ui.collector import collect_on_qt_thread
    from pos_client.ui.context import AppContext
    from pos_client.ui.first_start import FirstStartWizard
    from pos_client.ui.focus import show_full_screen
    from pos_client.ui.main_window import MainWindow
    from pos_client.ui.qt import QApplication, QGuiApplication, QLockFile, QTimer
    from pos_client.ui.recovery import ask_with_dialog, open_store
    from pos_client.ui.worker import Worker

    app = QApplication.instance() or QApplication(sys.argv)
    collect_on_qt_thread(app)  # before any worker thread starts: see pos_client/ui/collector.py
    if isinstance(app, QApplication) and (icon := app_icon()) is not None:
        from pos_client.ui.qt import QIcon

        app.setWindowIcon(QIcon(str(icon)))
        app.setDesktopFileName("michangarrito")  # matches packaging/pos/michangarrito.desktop
    # A modal question on a screen nobody sees would hang the start: say it on stderr instead.
    can_ask = not exit_when_ready and QGuiApplication.platformName() not in ("offscreen", "minimal")
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(data_dir / "pos.lock"))
    lock.setStaleLockTime(0)  # a crashed till's lock is stale once its process is gone
    if not lock.tryLock(200):
        # Two tills on one file would each restore, recover or back up under the other.
        return _refuse(exit_codes.ALREADY_OPEN, "MiChangarrito ya está abierto en esta computadora con "
                       f"estos datos ({data_dir}). Usa esa ventana.", can_ask)
    worker = Worker()
    restored = apply_requested_restore(data_dir)
    try:
        db = open_store(data_dir, ask_with_dialog(data_dir, worker) if can_ask else None)
    except StoreUnavailable as exc:
        worker.shutdown()
        return _refuse(exit_codes.STORE_UNAVAILABLE, exc.message, can_ask)
    if isinstance(db, int):
        worker.shutdown()
        return db
    device = load_device(db)
    if restored:
        record_restore(db, device, restored)
    if can_ask and first_start.needs_setup(Till(db, device)):
        wizard = FirstStartWizard(Till(db, device), worker, data_dir)
        wizard.exec()
        if wizard.outcome == "restore":  # the chosen backup is restored by the next start
            worker.shutdown()
            db.close()
            lock.unlock()
            restart_process(data_dir)
            return exit_codes.RESTART
    agent = SyncAgent(db, device) if device.paired else None
    till = Till(db, device)
    ctx = AppContext(till, worker, printer=load_printer(till), settings=till_settings.load(till))
    window = MainWindow(ctx, agent)
    if ctx.settings.full_screen and not windowed:
        show_full_screen(window)
    else:
        window.show()
    if probe_dir := os.environ.get(PROBE_ENV):  # the kiosk tests' read-only view (ui/probe.py)
        from pos_client.ui.probe import Probe

        window.probe = Probe(window, Path(probe_dir))  # type: ignore[attr-defined]
    schedule_backups(window, worker, data_dir)
    if not exit_when_ready:
        window.start_session()
    if agent:
        agent.start()
    if exit_when_ready:  # smoke tests and the cold-start benchmark
        def ready() -> None:
            print(f"LISTO {peak_rss_mb():.1f}", flush=True)
            app.quit()

        QTimer.singleShot(0, ready)
    try:
        code = app.exec()
    finally:
        if agent:
            agent.stop()
        ctx.print_worker.shutdown(wait=False)  # a stuck printer must not keep the till open
        worker.shutdown()
        db.close()
    lock.unlock()  # the restarted process keeps this PID: it must find the folder free
    if code == exit_codes.RESTART and not exit_when_ready:
        restart_process(data_dir)
    return code


def _refuse(code: int, message: str, can_ask: bool) -> int:
    """Stop the start with a Spanish explanation: on stderr, and in a box when there is a screen."""
    print(message, file=sys.stderr)
    if can_ask:
        from pos_client.ui.qt import QMessageBox

        QMessageBox.warning(None, "MiChangarrito", message)
    return code


def peak_rss_mb() -> float:
    """This process's peak memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec,
    so a child started by a big parent (the benchmark that just built a 50,000-product store)
    would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Restored:
    backup: str
    requested_by: str | None


def apply_requested_restore(data_dir: Path) -> Restored | None:
    """Restore the backup chosen in the back room, before anything opens the store."""
    from pos_client.store.backup import (
        BadBackup,
        apply_pending_restore,
        cancel_restore,
        restore_requester,
    )
    from shared.clock import utc_now

    requested_by = restore_requester(data_dir)
    try:
        if restored := apply_pending_restore(data_dir, utc_now()):
            log.warning("restored the store from %s", restored.name)
            return Restored(restored.name, requested_by)
    except BadBackup as exc:  # the store is untouched; say why the owner's choice did not happen
        log.error("requested restore refused: %s", exc.message)
        print(f"No se restauró el respaldo: {exc.message}", file=sys.stderr)
    except OSError as exc:  # e.g. no permission on the backups folder: keep the store, and drop
        cancel_restore(data_dir)  # the request, or every start would fail the same way
        log.error("requested restore failed: %s", exc)
        print("No se restauró el respaldo: no se pudo copiar el archivo "
              f"({exc.strerror or exc}). La caja sigue con sus datos de antes.", file=sys.stderr)
    return None


def record_restore(db: Database, device: Device, restored: Restored) -> None:
    """The audit event of a restore goes in the restored store: the one that carries on and
    syncs (written before the restart, it would stay behind in the file set aside)."""
    from pos_client.services import staff
    from pos_client.services.till import Till

    with db.write() as conn:
        staff.audit(conn, Till(db, device), "restore",
                    cashier_id=uuid.UUID(restored.requested_by) if restored.requested_by else None,
                    detail=f"Respaldo {restored.backup}")


def schedule_backups(parent: QObject, worker: Worker, data_dir: Path,
                     first_delay_ms: int = BACKUP_FIRST_DELAY_MS) -> QTimer:
    """Check every hour (and once soon after start) whether the daily backup is due; take it and
    prune old ones on the worker thread. A failure is logged: the back room shows the backup's age."""
    from pos_client.store.backup import scheduled_backup
    from pos_client.ui.qt import QTimer
    from shared.clock import utc_now

    def done(path: Path | None) -> None:
        if path is not None:
            log.info("daily backup taken: %s", path.name)

    def failed(exc: BaseException) -> None:
        log.error("daily backup failed", exc_info=exc)

    def check() -> None:
        worker.submit(lambda: scheduled_backup(data_dir, utc_now()), done, failed)

    timer = QTimer(parent)
    timer.setInterval(BACKUP_CHECK_MS)
    timer.timeout.connect(check)
    timer.start()
    QTimer.singleShot(first_delay_ms, timer, check)
    return timer


def restart_process(data_dir: Path) -> None:
    """Start the POS again in this process, over the same data folder (e.g. to apply a restore).

    Only the folder is passed on: repeating a one-off flag such as ``--pair`` would redo it."""
    log.info("restarting")
    program = [] if getattr(sys, "frozen", False) else ["-m", "pos_client"]
    os.execv(sys.executable, [sys.executable, *program, "--data-dir", str(data_dir)])
