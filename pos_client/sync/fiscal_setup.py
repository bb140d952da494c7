"""The shop's invoicing set-up from the till, on a logged-in owner's session: fiscal data,
preferences, the PAC account, and the CSD's files sent to the server (which keeps them sealed and shows back
only their public description). Failures are the account's: ``AccountOffline`` without a
connection, ``AccountRefused`` with the server's Spanish reason."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from pos_client.sync.account import AccountRefused, OnlineAccount
from shared.sync.invoices import CfdiSetup

MAX_CSD_FILE = 15_000  # bytes: a SAT .cer or .key is 1–2 KB; the server takes 20,000 base64


class FiscalSetup:
    def __init__(self, account: OnlineAccount) -> None:
        self.account = account

    def load(self) -> CfdiSetup:
        return self._setup("GET", "/v1/cfdi/setup")

    def save_profile(self, rfc: str, name: str, regime: str, postal_code: str,
                     series: str) -> CfdiSetup:
        return self._setup("PUT", "/v1/cfdi/profile", {
            "rfc": rfc, "name": name, "regime": regime, "postal_code": postal_code,
            "series": series})

    def save_preferences(self, periodicity: str, window_days: int | None,
                         card_forma: str) -> CfdiSetup:
        return self._setup("PUT", "/v1/cfdi/preferences", {
            "periodicity": periodicity, "window_days": window_days, "card_forma": card_forma})

    def save_csd(self, certificate: bytes, key: bytes, password: str) -> CfdiSetup:
        return self._setup("PUT", "/v1/cfdi/csd", {
            "certificate": base64.b64encode(certificate).decode(),
            "key": base64.b64encode(key).decode(), "password": password})

    def save_pac(self, provider: str, production: bool, username: str | None,
                 password: str | None) -> CfdiSetup:
        """None keeps what the server has."""
        return self._setup("PUT", "/v1/cfdi/pac", {
            "provider": provider, "production": production, "username": username,
            "password": password})

    def _setup(self, method: str, path: str, body: dict[str, Any] | None = None) -> CfdiSetup:
        # The account's own call: its session, protocol header, timeouts and Spanish failures.
        answer = self.account._call(method, path, body)
        return CfdiSetup.model_validate(answer)


def read_csd_file(path: str, what: str) -> bytes:
    """A .cer or .key chosen by the owner, read whole; a Spanish refusal if it cannot be one."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size == 0 or size > MAX_CSD_FILE:
            raise AccountRefused(f"El archivo del {what} no parece ser el del SAT (pesa "
                                 f"{size:,} bytes; uno del SAT pesa 1 o 2 KB).", code="csd_unreadable")
        return file.read_bytes()
    except OSError:
        raise AccountRefused(f"No se pudo leer el archivo del {what}.",
                             code="csd_unreadable") from None
