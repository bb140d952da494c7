"""The screenshot command (issues 4 and 5, "Must show"): run as a user would, in its own process
and offscreen, it writes a real picture of every main state and of every back-room section."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pos_client.devtools.screenshots import SERVER_SECTIONS, slug
from pos_client.ui.backroom.window import SECTIONS
from pos_client.ui.qt import QImage

REPO = Path(__file__).resolve().parents[3]
COUNTER_STATES = [
    "venta-vacia-1024x600", "venta-vacia-1366x768", "venta-vacia-1920x1080",
    "venta-con-ticket-1024x600", "venta-con-ticket-1366x768", "venta-con-ticket-1920x1080",
    "venta-cobrada-1366x768", "entrar-con-nip", "abrir-turno",
    "descuento", "cobro-tarjeta", "cobro-mixto", "ticket-vista-previa", "fiado-elegir-cliente",
    "fiado-importe", "cobro-fiado", "codigo-desconocido", "tickets-en-espera", "ventas-historial",
    "ventas-devolucion",
]
TABBED = {  # back-room sections whose pictures are one per tab
    "Inventario": ["recibir-mercancia", "ajustes", "conteo-fisico", "bajo-minimo", "historial"],
    "Clientes y fiados": ["clientes", "estado-de-cuenta", "saldos"],
    "Reportes": ["por-dia", "por-hora", "departamentos", "formas-de-pago", "mas-vendidos",
                 "margen", "iva"],
    "Cajeros y permisos": ["cajeros", "permisos", "tienda", "bitacora"],
}


def expected_names() -> list[str]:
    names = list(COUNTER_STATES)
    for section in SECTIONS:
        if section.title in SERVER_SECTIONS:  # shot against a real server elsewhere
            continue
        base = f"trastienda-{slug(section.title)}"
        tabs = TABBED.get(section.title)
        names += [f"{base}-{tab}" for tab in tabs] if tabs else [base]
    return names


def distinct_colours(image: QImage, step: int = 3) -> int:
    """Colours seen on a grid of pixels: a blank or single-colour grab has one or two."""
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


def test_slug_makes_spanish_kebab_case() -> None:
    assert slug("Clientes y fiados") == "clientes-y-fiados"
    assert slug("Bajo mínimo (19)") == "bajo-minimo"
    assert slug("Más vendidos") == "mas-vendidos"


def test_a_blank_picture_is_told_apart() -> None:
    blank = QImage(400, 300, QImage.Format.Format_RGB32)
    blank.fill(0xFFF0F0F0)
    assert distinct_colours(blank) == 1


def test_the_command_writes_every_state(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "pos_client.devtools.screenshots", str(tmp_path / "out")],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = {Path(line).stem for line in done.stdout.splitlines() if line.endswith(".png")}
    written = {p.stem for p in (tmp_path / "out").glob("*.png")}
    expected = set(expected_names())
    assert expected <= written, f"missing: {sorted(expected - written)}"
    assert printed == written  # each file is announced, and nothing else was left behind
    for name in sorted(written):
        image = QImage(str(tmp_path / "out" / f"{name}.png"))
        assert not image.isNull(), f"{name}.png is not a PNG Qt can read"
        assert image.width() >= 200, name
        assert image.height() >= 150, name
        assert distinct_colours(image) > 20, f"{name}.png looks blank"
        if name.endswith("1024x600"):
            assert (image.width(), image.height()) == (1024, 600), name
        if name.startswith("trastienda-") or name.endswith("1366x768"):  # issue 12: the README's size
            assert (image.width(), image.height()) == (1366, 768), name
        if name.endswith("1920x1080"):
            assert (image.width(), image.height()) == (1920, 1080), name
