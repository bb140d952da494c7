"""Proof that a person showed a ticket's folio and total, carried between the two steps of the
self-invoicing page without server state: ``<tenant>.<sale>.<expiry>.<HMAC>``, one hour."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from sync_server.config import Settings

LIFETIME = timedelta(hours=1)


def _mac(settings: Settings, body: str) -> str:
    key = ("ticket-pass:" + settings.signing_secret()).encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def issue(settings: Settings, tenant_id: uuid.UUID, sale_id: uuid.UUID, now: datetime) -> str:
    body = f"{tenant_id.hex}.{sale_id.hex}.{int((now + LIFETIME).timestamp())}"
    return f"{body}.{_mac(settings, body)}"


def read(settings: Settings, token: str, sale_id: uuid.UUID, now: datetime) -> uuid.UUID | None:
    """The shop of a valid, unexpired pass for ``sale_id``; None for anything else."""
    parts = token.split(".")
    if len(parts) != 4 or len(token) > 200:
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _mac(settings, body)):
        return None
    try:
        tenant, sale, expires = uuid.UUID(hex=parts[0]), uuid.UUID(hex=parts[1]), int(parts[2])
    except ValueError:
        return None
    if sale != sale_id or now.timestamp() > expires:
        return None
    return tenant
