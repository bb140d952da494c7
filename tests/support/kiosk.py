"""A kiosk till for tests: the real ``pos_client`` process on an Xvfb screen with no window
manager, driven by synthetic X key and mouse events (xdotool), photographed from Xvfb's frame
buffer, and read back from its SQLite store and its test-only probe (``pos_client/ui/probe.py``).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from pos_client.services import first_start, staff_admin
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from shared.permissions import Role
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".kiosk-artifacts"  # the last run's screenshots (ignored by git)
PERSON_DELAY_MS = 160  # between a person's keys: never a scanner burst
SCANNER_DELAY_MS = 4  # a USB scanner's burst
OWNER_PIN, CASHIER_PIN = "1234", "0000"


def tools_missing() -> str | None:
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    return f"faltan {', '.join(missing)} (bin/_bootstrap.sh los instala)" if missing else None


def build_shop(data_dir: Path) -> None:
    """A new shop as its owner opens it (the first-start use case, starter catalog included),
    plus a cashier: nothing written around the rules."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir / "pos.sqlite3")
    try:
        till = Till(db, load_device(db))
        shop = first_start.open_new_shop(till, shop_name="Abarrotes La Esperanza",
                                         owner_name="Doña Mary", pin=OWNER_PIN,
                                         starter_catalog=True)
        staff_admin.save_cashier(till, None, "Pepe", Role.CASHIER, CASHIER_PIN, True,
                                 shop.owner)
    finally:
        db.close()


class Screen:
    """An Xvfb display of a given size with no window manager; its frame buffer is a file."""

    def __init__(self, folder: Path, width: int, height: int) -> None:
        self.folder, self.width, self.height = folder, width, height
        folder.mkdir(parents=True, exist_ok=True)
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
             "-fbdir", str(folder), "-nolisten", "tcp", "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as answer:  # Xvfb writes its display number once it is ready
            number = answer.readline().strip()
        if not number:
            self.process.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env["DISPLAY"] = self.display
        return env

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env(), check=True, timeout=30)

    def screenshot(self, path: Path) -> Path:
        """The screen as a PNG, from the XWD image Xvfb keeps in ``-fbdir``."""
        data = (self.folder / "Xvfb_screen0").read_bytes()
        header = struct.unpack(">25I", data[:100])
        header_size, width, height = header[0], header[4], header[5]
        byte_order, bytes_per_line, colours = header[7], header[12], header[19]
        start = header_size + colours * 12
        image = Image.frombuffer("RGB", (width, height),
                                 data[start:start + bytes_per_line * height], "raw",
                                 "BGRX" if byte_order == 0 else "XRGB", bytes_per_line, 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        return path

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class KioskTill:
    """The till's process on ``screen``, over a shop in ``data_dir``."""

    def __init__(self, screen: Screen, data_dir: Path, shots: Path) -> None:
        self.screen, self.data_dir, self.shots = screen, data_dir, shots
        self.probe_dir = data_dir.parent / f"probe-{screen.display[1:]}"
        self._numbers = itertools.count(1)
        self._shots = itertools.count(1)
        env = screen.env()
        env["MCH_UI_PROBE"] = str(self.probe_dir)
        self.log = (data_dir.parent / f"till-{screen.width}x{screen.height}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pos_client", "--data-dir", str(data_dir)],
            env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    # ---- reading what the till shows ----------------------------------------------------------

    def state(self, timeout: float = 15.0) -> dict[str, Any]:
        """What the till's windows show now (asked through its probe)."""
        number = next(self._numbers)
        self.probe_dir.mkdir(parents=True, exist_ok=True)
        answer = self.probe_dir / f"state-{number}.json"
        (self.probe_dir / "request.tmp").write_text(str(number))
        os.replace(self.probe_dir / "request.tmp", self.probe_dir / "request")
        wait_until(lambda: answer.exists() or self.process.poll() is not None, timeout,
                   "the till's probe to answer")
        if self.process.poll() is not None:
            raise RuntimeError(f"the till exited with {self.process.returncode}")
        return dict(json.loads(answer.read_text()))

    def wait_for(self, check: Callable[[dict[str, Any]], object], what: str,
                 timeout: float = 20.0) -> dict[str, Any]:
        """The first state for which ``check`` holds (each probe answer takes ~50 ms)."""
        seen: list[dict[str, Any]] = []

        def holds() -> bool:
            seen[:] = [self.state()]
            try:
                return bool(check(seen[0]))
            except (AssertionError, KeyError, IndexError):  # not there yet
                return False

        try:
            wait_until(holds, timeout, what)
        except TimeoutError:
            shot = self.shot(f"timeout-{what[:40].replace(' ', '-')}")
            shot.with_suffix(".json").write_text(json.dumps(seen[-1] if seen else None, indent=1))
            raise AssertionError(f"{what}: timed out; its last state is in {shot.with_suffix('.json')}"
                                 ) from None
        return seen[0]

    def wait_active(self, title: str, timeout: float = 20.0) -> dict[str, Any]:
        return self.wait_for(lambda s: (s["active"] or "").startswith(title),
                             f"window «{title}» to have the keyboard", timeout)

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """The till's real store, read as a second reader (WAL lets it)."""
        conn = sqlite3.connect(f"file:{self.data_dir / 'pos.sqlite3'}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    # ---- acting as a person --------------------------------------------------------------------

    def keys(self, *names: str) -> None:
        self.screen.xdotool("key", "--delay", "80", *names)

    def type(self, text: str) -> None:
        """At a person's pace."""
        self.screen.xdotool("type", "--delay", str(PERSON_DELAY_MS), text)

    def scan(self, code: str) -> None:
        """A scanner's burst: the code and its Enter a few milliseconds apart."""
        assert code.isalnum(), "keysyms below are the characters themselves"
        # One xdotool command for the code and its Enter: a second process would start later
        # than any scanner's Enter comes.
        self.screen.xdotool("key", "--delay", str(SCANNER_DELAY_MS), *code, "Return")

    def tap(self, rect: list[int]) -> None:
        x, y, w, h = rect
        self.screen.xdotool("mousemove", str(x + w // 2), str(y + h // 2), "click", "1")

    def shot(self, name: str) -> Path:
        return self.screen.screenshot(
            self.shots / f"{self.screen.width}x{self.screen.height}-{next(self._shots):02d}-{name}.png")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def window(state: dict[str, Any], title: str) -> dict[str, Any]:
    found = [w for w in state["windows"] if w["title"].startswith(title)]
    assert found, f"no window «{title}» among {[w['title'] for w in state['windows']]}"
    return dict(found[-1])


def widget(state: dict[str, Any], title: str, name: str) -> dict[str, Any]:
    widgets = window(state, title)["widgets"]
    assert name in widgets, f"no «{name}» in «{title}»: {sorted(widgets)[:80]}"
    return dict(widgets[name])


@contextmanager
def kiosk(folder: Path, size: tuple[int, int]) -> Iterator[KioskTill]:
    """A shop, a screen of ``size`` and the till on it, logged in as the owner with the shift
    open; the screenshots stay in ``folder`` and are copied to ``.kiosk-artifacts``."""
    data_dir = folder / "data"
    build_shop(data_dir)
    screen = Screen(folder / "screen", *size)
    till = KioskTill(screen, data_dir, folder / "shots")
    try:
        till.wait_active("Entrar a la caja", timeout=60)
        till.type(OWNER_PIN)
        till.keys("Return")
        till.wait_active("Abrir turno", timeout=60)  # the PIN's argon2 check, on a busy CI box
        till.type("500")
        till.keys("Return")
        till.wait_for(lambda s: "turno abierto" in widget(s, "MiChangarrito", "session")["text"]
                      and s["focus"] and s["focus"]["name"] == "scan", "the shift to open")
        yield till
    finally:
        till.close()
        screen.close()
        keep_artifacts(folder / "shots")


def keep_artifacts(shots: Path) -> None:
    if not shots.exists():
        return
    ARTIFACTS.mkdir(exist_ok=True)
    for png in shots.glob("*.png"):
        shutil.copy2(png, ARTIFACTS / png.name)
