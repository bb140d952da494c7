"""Asking a shop's server to pair this till with a one-time code (refusals in Spanish)."""

from __future__ import annotations

from pos_client.sync.client import Offline, SyncClient, SyncRefused
from shared.errors import DomainError
from shared.sync.protocol import PairResponse


class PairingRefused(DomainError):
    code = "pairing_refused"


def request_pairing(server_url: str, code: str, device_name: str,
                    continues_after: int = 0) -> PairResponse:
    """Trade the owner's code for this till's credential; nothing is stored here.
    ``continues_after``: where this store's change numbers got to (services.device.series_so_far)."""
    server_url = server_url.strip().rstrip("/")
    if not server_url.startswith(("http://", "https://")):
        raise PairingRefused("La dirección del servidor empieza con https:// (o http:// en la "
                             "red de la tienda).", code="invalid_server_url")
    client = SyncClient(server_url)
    try:
        return client.pair("".join(code.split()).upper(), device_name, continues_after)
    except SyncRefused as exc:
        raise PairingRefused(exc.message, code=exc.code) from None
    except Offline:
        raise PairingRefused(f"No hay conexión con {server_url}. Revisa la dirección y el "
                             "internet.", code="offline") from None
    finally:
        client.close()
