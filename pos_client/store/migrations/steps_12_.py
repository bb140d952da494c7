"""Client schema steps from 12 on: the shop's plan."""

from __future__ import annotations

STEPS: list[str] = [
    # 12: the shop's plan as the server last sent it (a server-made record): what it allows
    # and until when, known offline. Nothing in it stops selling.
    """
    CREATE TABLE shop_plan (
        id         TEXT PRIMARY KEY,
        body       TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0,
        hlc        INTEGER NOT NULL,
        hlc_device TEXT NOT NULL
    );
    """,
]
