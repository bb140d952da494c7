"""Files the owner opens and saves (CSV, Excel): safe cells and Spanish reasons for failures."""

from __future__ import annotations

import errno
from pathlib import Path

from shared.errors import DomainError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """A text cell as it must reach a spreadsheet: one that starts like a formula (a customer
    named «=HYPERLINK(…)» typed at the till) opens as text, not as a formula. For text typed
    by people only: amounts are written as numbers."""
    return "'" + text if text.startswith(_FORMULA_START) else text


_REASONS = {
    errno.EACCES: "no hay permiso para usarlo (¿está abierto en Excel?)",
    errno.EPERM: "no hay permiso para usarlo (¿está abierto en Excel?)",
    errno.ENOENT: "no existe esa carpeta o archivo",
    errno.ENOSPC: "el disco está lleno",
    errno.EROFS: "el disco es de solo lectura",
    errno.EISDIR: "es una carpeta, no un archivo",
    errno.EEXIST: "ya hay un archivo con ese nombre",
    errno.ENAMETOOLONG: "el nombre es demasiado largo",
}


class FileProblem(DomainError):
    code = "file_problem"


def reason_of(exc: OSError) -> str:
    """Why the system refused, in Spanish («el disco está lleno»)."""
    return _REASONS.get(exc.errno or 0, "el sistema no lo permitió")


def file_problem(exc: OSError, path: Path, doing: str = "guardar") -> FileProblem:
    """«No pude guardar saldos.csv: no hay permiso…», never the system's English text."""
    return FileProblem(f"No pude {doing} {path.name}: {reason_of(exc)}.")
