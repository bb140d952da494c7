"""SAT's 69-B list (``Listado_completo_69-B.csv``: taxpayers whose operations SAT presumes or
declared non-existent), read into the set of RFCs an invoice must not be made out to."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)

# Situations that stand: "Desvirtuado" and "Sentencia Favorable" cleared the taxpayer.
_BLOCKING = ("presunto", "definitivo")


def read_69b(text: str) -> frozenset[str]:
    """RFCs listed as presumed or definitive. The file opens with a few lines of title before
    its header row (the one naming "RFC" and "Situación")."""
    rows = csv.reader(io.StringIO(text))
    rfc_col = situation_col = None
    found: set[str] = set()
    for row in rows:
        cells = [c.strip() for c in row]
        if rfc_col is None:
            lowered = [c.lower() for c in cells]
            if "rfc" in lowered and any(c.startswith("situaci") for c in lowered):
                rfc_col = lowered.index("rfc")
                situation_col = next(i for i, c in enumerate(lowered) if c.startswith("situaci"))
            continue
        assert situation_col is not None
        if len(cells) > max(rfc_col, situation_col) and cells[situation_col].lower() in _BLOCKING:
            found.add(cells[rfc_col].upper())
    return frozenset(found)


def load_69b(path: Path | None) -> frozenset[str]:
    """The list from ``path`` (SAT publishes it in Latin-1), or nothing when there is none."""
    if path is None:
        return frozenset()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    listed = read_69b(text)
    log.info("SAT 69-B list loaded", extra={"rfcs": len(listed), "path": str(path)})
    return listed
