"""Print the server's Python requirements, read from pyproject.toml: the project's dependencies
less the till-only ones (Qt, printers, spreadsheets), plus the extras named on the command line.

The image (packaging/Dockerfile) installs exactly this, so pyproject.toml stays the one list.
Usage: python packaging/server/requirements.py [--extra embedded] [pyproject.toml]
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

# What only the till imports: a server image without them is ~500 MB smaller.
TILL_ONLY = {"pyside6", "python-escpos", "openpyxl"}


def requirements(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [r for r in wanted if _name(r) not in TILL_ONLY]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return match.group(0).lower().replace("_", "-")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("pyproject", nargs="?", type=Path, default=Path("pyproject.toml"))
    parser.add_argument("--extra", action="append", default=[])
    args = parser.parse_args()
    print("\n".join(requirements(args.pyproject, args.extra)))
