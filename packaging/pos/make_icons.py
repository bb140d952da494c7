"""Render the till's icon (icons/michangarrito.svg) to PNG sizes and a Windows ICO, with Qt.

Run by packaging/build_pos.py before PyInstaller; the results are committed too, so the
.desktop entry and the window icon work from a source checkout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path = ICONS / "michangarrito.svg", out: Path = ICONS) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"not a valid SVG: {svg}")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / f"michangarrito-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    # Qt's ICO writer keeps one image per file: the 256 px one (Windows scales it down).
    ico = out / "michangarrito.ico"
    big = QImage(str(out / "michangarrito-256.png"))
    if not big.save(str(ico), "ICO"):
        raise SystemExit(f"could not write {ico} (Qt's ico image plugin is missing)")
    written.append(ico)
    del app
    return written


if __name__ == "__main__":
    for path in render():
        print(path)
