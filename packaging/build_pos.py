"""Build the installable till: icons, then PyInstaller's one-folder bundle in dist/michangarrito/.

Linux: ./bin/build-pos (makes .venv with the 'package' extra, then runs this). Windows, from the
repository in a Python 3.11+ with `pip install -e .[package]`: py packaging\\build_pos.py
It prints the build time and the folder's size; the folder is what an installer ships.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "pos" / "michangarrito-pos.spec"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def build(dist: Path, work: Path) -> Path:
    sys.path.insert(0, str(HERE / "pos"))
    from make_icons import render

    render()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level",
                    "WARN", "--distpath", str(dist), "--workpath", str(work), str(SPEC)],
                   check=True, cwd=ROOT)
    app = dist / "michangarrito"
    if sys.platform.startswith("linux"):
        shutil.copy(HERE / "pos" / "michangarrito.desktop", app / "michangarrito.desktop")
        shutil.copy(HERE / "pos" / "icons" / "michangarrito-256.png", app / "michangarrito.png")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    args = parser.parse_args()
    started = time.monotonic()
    app = build(args.dist, args.work)
    print(f"built {app} in {time.monotonic() - started:.0f} s, "
          f"{folder_size(app) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
