"""Entry point of the installed till: what PyInstaller freezes into the `michangarrito` program."""

from __future__ import annotations

import multiprocessing
import os
import sys


def _main() -> None:
    # A windowed program on Windows has no console: print() would fail on a None stream.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    multiprocessing.freeze_support()
    from pos_client.__main__ import main

    main()


if __name__ == "__main__":
    _main()
