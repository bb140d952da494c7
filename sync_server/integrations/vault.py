"""Secrets at rest: encrypted with keys from settings (never from the database), masked when shown.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a key list: the first key
encrypts, every key decrypts, so an operator rotates by putting a new key first and re-saving.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from shared.errors import DomainError

MASK = "••••"


class SecretUnreadable(DomainError):
    """A stored secret that none of the configured keys opens (a key was removed or changed)."""

    code = "secret_unreadable"


def mask(value: str) -> str:
    """What an owner sees of a secret: enough to tell two keys apart, never enough to use one."""
    value = value.strip()
    if len(value) < 12:
        return MASK
    return MASK + value[-4:]


class Vault:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, secrets: Mapping[str, str]) -> bytes:
        return self._fernet.encrypt(json.dumps(dict(secrets), sort_keys=True).encode())

    def open(self, sealed: bytes) -> dict[str, str]:
        try:
            opened: dict[str, str] = json.loads(self._fernet.decrypt(sealed))
        except InvalidToken:
            raise SecretUnreadable(
                "No se pudo leer una credencial guardada: la llave del servidor cambió. "
                "Vuelve a capturarla.") from None
        return opened

    def rotate(self, sealed: bytes) -> bytes:
        """The same secrets sealed with the current (first) key."""
        return self._fernet.rotate(sealed)

    def hints(self, secrets: Mapping[str, str]) -> dict[str, str]:
        return {name: mask(value) for name, value in secrets.items()}
