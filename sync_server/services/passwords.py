"""Owner passwords good enough to guard a shop: long enough, and not one everybody tries first."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from shared.errors import DomainError

MIN_LENGTH = 10


class WeakPassword(DomainError):
    code = "weak_password"


@cache
def _common() -> frozenset[str]:
    text = files("sync_server").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password(password: str) -> None:
    """Refuse, with the reason in Spanish, a password an attacker would guess early."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"La contraseña debe tener al menos {MIN_LENGTH} caracteres.")
    if len(set(password)) < 3 or not password.strip():
        raise WeakPassword("La contraseña no puede ser un solo carácter repetido ni solo "
                           "espacios: usa una frase o una mezcla de letras y números.")
    if password.strip().lower() in _common():
        raise WeakPassword("Esa contraseña está entre las más usadas y se adivina pronto: "
                           "elige otra, por ejemplo una frase que solo tú recuerdes.")
