"""What the README's server-backed picture commands share: waiting for a screen to settle,
saving a widget as a PNG, and the command line (an output folder and a throwaway temp one)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from pos_client.ui.qt import QApplication, QWidget
from tests.support.wait import wait_until

SIZE = (1366, 768)  # the README's size (issue 12)


def settle(app: QApplication, done: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Run Qt's events (the network threads' answers arrive as queued events) until ``done``."""
    def ready() -> bool:
        app.processEvents()
        return done()

    wait_until(ready, timeout=timeout, what=what)


def save(app: QApplication, widget: QWidget, out: Path, name: str) -> None:
    app.processEvents()
    widget.grab().save(str(out / f"{name}.png"))


def main(shoot: Callable[[Path, Path], list[str]], argv: list[str] | None, what: str,
         prefix: str) -> int:
    """``shoot(out, tmp)`` into the folder named first on the command line (screenshots/)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        names = shoot(out, Path(tmp))
    print(f"{len(names)} capturas de {what} en {out}")
    return 0
