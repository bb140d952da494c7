"""Request plumbing shared by routers: the pool, the protocol check, bodies, device credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from shared.sync.protocol import PROTOCOL_HEADER, SUPPORTED_HEADER, SUPPORTED_VERSIONS
from sync_server.api.errors import ApiError
from sync_server.api.limits import client_address
from sync_server.services import Pool as DbPool
from sync_server.services.credentials import DeviceCredential, parse_credential


def get_pool(request: Request) -> DbPool:
    pool: DbPool = request.app.state.pool
    return pool


Pool = Annotated[DbPool, Depends(get_pool)]


def check_protocol(
    version: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None,
) -> int:
    """The caller's protocol version, if the server accepts it (the compatibility window)."""
    if version is None:
        raise ApiError(
            400, "protocol_missing", f"Falta el encabezado {PROTOCOL_HEADER} con la versión."
        )
    accepted = {str(v): v for v in SUPPORTED_VERSIONS}
    if version in accepted:
        return accepted[version]
    window = {SUPPORTED_HEADER: ",".join(map(str, SUPPORTED_VERSIONS))}
    if version.isdigit() and len(version) < 6 and int(version) > max(SUPPORTED_VERSIONS):
        raise ApiError(
            426, "protocol_too_new",
            "El servidor todavía no acepta esta versión de MiChangarrito. Las ventas se siguen "
            "guardando en esta caja y se enviarán cuando se actualice el servidor.",
            headers=window)
    raise ApiError(
        426,
        "protocol_unsupported",
        "Esta versión de MiChangarrito no es compatible con el servidor. "
        "Actualiza la aplicación para seguir sincronizando.",
        headers=window,
    )


Protocol = Annotated[int, Depends(check_protocol)]


def device_credential(
    authorization: Annotated[str | None, Header()] = None,
) -> DeviceCredential:
    if not authorization:
        raise ApiError(401, "auth_required", "Falta la credencial del dispositivo.")
    scheme, _, token = authorization.partition(" ")
    cred = parse_credential(token.strip()) if scheme.lower() == "bearer" else None
    if cred is None:
        raise ApiError(401, "invalid_credential", "La credencial del dispositivo no es válida.")
    return cred


Credential = Annotated[DeviceCredential, Depends(device_credential)]


def client(request: Request) -> str:
    """Who is asking, for the throttles: the peer, or what a trusted proxy says it forwarded."""
    return client_address(request, request.app.state.trusted_proxies)


Client = Annotated[str, Depends(client)]
